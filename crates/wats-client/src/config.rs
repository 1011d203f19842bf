//! Station configuration (one JSON file per instance).
