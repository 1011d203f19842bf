//! Which names a source takes: glob patterns on the file name, or on the path relative to
//! the watch folder when the pattern holds a `/`.

use std::path::Path;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::*;

/// File-name and relative-path glob sets.
pub(super) struct Matcher {
    pub(super) names: GlobSet,
    pub(super) relative: GlobSet,
}

impl Matcher {
    pub(super) fn new(patterns: &[String]) -> Result<Self, SourceError> {
        let mut names = GlobSetBuilder::new();
        let mut relative = GlobSetBuilder::new();
        for pattern in patterns {
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .case_insensitive(cfg!(windows))
                .build()
                .map_err(|source| SourceError::Pattern {
                    pattern: pattern.clone(),
                    source,
                })?;
            if pattern.contains('/') {
                relative.add(glob);
            } else {
                names.add(glob);
            }
        }
        let build = |b: GlobSetBuilder| {
            b.build().map_err(|source| SourceError::Pattern {
                pattern: patterns.join(", "),
                source,
            })
        };
        Ok(Self {
            names: build(names)?,
            relative: build(relative)?,
        })
    }

    pub(super) fn matches(&self, relative: &Path) -> bool {
        relative
            .file_name()
            .is_some_and(|name| self.names.is_match(name))
            || self.relative.is_match(relative)
    }
}
