//! The error of a conversion.

use std::fmt;
use std::path::Path;

use wats_report::{Location, ReadError};

/// A file could not be converted: what is wrong and where (file, line or element).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertError {
    /// Where in the input; `file` is filled in by the caller that knows it.
    pub location: Location,
    /// What is wrong.
    pub message: String,
}

impl ConvertError {
    /// An error without a place in the file (e.g. "no serial number in the file").
    pub fn new(message: impl Into<String>) -> Self {
        ConvertError {
            location: Location::default(),
            message: message.into(),
        }
    }

    /// An error at a 1-based line (column unknown).
    pub fn at_line(line: usize, message: impl Into<String>) -> Self {
        Self::at(line, 0, message)
    }

    /// An error at a 1-based line and column.
    pub fn at(line: usize, column: usize, message: impl Into<String>) -> Self {
        ConvertError {
            location: Location {
                line,
                column,
                ..Location::default()
            },
            message: message.into(),
        }
    }

    /// An error at an element or field path (`TestResults/Test[3]/Limit`).
    pub fn at_path(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConvertError {
            location: Location {
                path: path.into(),
                ..Location::default()
            },
            message: message.into(),
        }
    }

    /// The same error, naming the file (kept if one is already named, e.g. a companion file).
    pub fn in_file(mut self, file: &Path) -> Self {
        if self.location.file.is_none() {
            self.location.file = Some(file.to_path_buf());
        }
        self
    }
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let location = self.location.to_string();
        if location.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{location}: {}", self.message)
        }
    }
}

impl std::error::Error for ConvertError {}

impl From<ReadError> for ConvertError {
    fn from(error: ReadError) -> Self {
        match error {
            ReadError::Syntax { location, message } => ConvertError { location, message },
            other => ConvertError::new(other.to_string()),
        }
    }
}
