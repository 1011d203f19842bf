//! Validation of reports before they are written or sent.
