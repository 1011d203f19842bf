//! The durable report queue (SQLite).
