//! WSXF, the WATS Standard XML Format (report-formats §2.1).
