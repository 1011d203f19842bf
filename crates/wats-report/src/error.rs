//! Errors of reading and writing reports.

use std::fmt;
use std::path::PathBuf;

/// Where in an input a problem is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// The file, when the input came from one.
    pub file: Option<PathBuf>,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// The field or element path, e.g. `root.steps[3].numericMeas[0].value` (empty when the
    /// problem is not inside a value, such as a syntax error).
    pub path: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            sep = ":";
        }
        if self.line > 0 {
            write!(f, "{sep}{}:{}", self.line, self.column)?;
            sep = ": ";
        } else if !sep.is_empty() {
            sep = ": ";
        }
        if !self.path.is_empty() {
            write!(f, "{sep}at {}", self.path)?;
        }
        Ok(())
    }
}

/// A report could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The input is not a valid report in the expected format.
    #[error("{location}: {message}")]
    Syntax {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// The input is larger than the configured limit.
    #[error("{file}: {size} bytes is more than the limit of {limit} bytes")]
    TooLarge {
        /// The file.
        file: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The input is neither WSJF nor WSXF.
    #[error("{0}: not a WATS report (neither WSJF JSON nor WSXF XML)")]
    UnknownFormat(String),
    /// The file could not be read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl ReadError {
    /// A syntax error at a location.
    pub fn syntax(location: Location, message: impl Into<String>) -> Self {
        ReadError::Syntax {
            location,
            message: message.into(),
        }
    }

    /// Attaches the file name to a location-bearing error.
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        if let ReadError::Syntax { location, .. } = &mut self {
            location.file = Some(file.into());
        }
        self
    }

    /// The location, when the error has one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            ReadError::Syntax { location, .. } => Some(location),
            _ => None,
        }
    }
}
