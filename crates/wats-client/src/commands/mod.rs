//! One module per subcommand.

pub mod config;
pub mod control;
pub mod convert;
pub mod converters;
pub mod dashboard;
pub mod doctor;
pub mod service;
pub mod start;
pub mod upload;

// Software distribution (issue 18).
pub mod software;
