//! The WATS-compatible server.
