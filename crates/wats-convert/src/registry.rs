//! The set of converters a station knows, and picking one for a file.

use std::sync::Arc;

use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// The error when no converter recognises a file.
pub const NO_CONVERTER: &str =
    "no converter recognises this file (see `wats-client converters detect`)";

/// A converter's score for a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Detection {
    /// The converter's name.
    pub name: String,
    /// Its confidence, 0.0 to 1.0.
    pub confidence: Confidence,
}

/// Confidences below this are "cannot read it" when picking automatically.
pub const MIN_CONFIDENCE: Confidence = 0.2;

/// The converters a station knows, by name.
#[derive(Clone, Default)]
pub struct Registry {
    converters: Vec<Arc<dyn Converter>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.converters.iter().map(|c| c.name()))
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Every built-in converter.
    pub fn builtin() -> Self {
        Registry {
            converters: crate::formats::builtin(),
        }
    }

    /// Adds a converter; one with the same name (case-insensitive) is replaced, so user
    /// converters can override built-in ones.
    pub fn register(&mut self, converter: Arc<dyn Converter>) {
        let name = converter.name().to_ascii_lowercase();
        self.converters
            .retain(|c| c.name().to_ascii_lowercase() != name);
        self.converters.push(converter);
    }

    /// The converter with this name (case-insensitive; `_` and `-` are the same).
    pub fn get(&self, name: &str) -> Option<Arc<dyn Converter>> {
        let wanted = normalize(name);
        self.converters
            .iter()
            .find(|c| normalize(c.name()) == wanted)
            .cloned()
    }

    /// All converters, in registration order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<dyn Converter>> {
        self.converters.iter()
    }

    /// The names of all converters.
    pub fn names(&self) -> Vec<&str> {
        self.converters.iter().map(|c| c.name()).collect()
    }

    /// Every converter's confidence for `source`, best first (ties keep registration order).
    pub fn detect(&self, source: &Source<'_>) -> Vec<Detection> {
        let mut scores: Vec<Detection> = self
            .converters
            .iter()
            .map(|c| Detection {
                name: c.name().to_string(),
                confidence: c.detect(source).clamp(0.0, 1.0),
            })
            .collect();
        scores.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        scores
    }

    /// The converter most confident about `source`, if any is at least [`MIN_CONFIDENCE`].
    pub fn best(&self, source: &Source<'_>) -> Option<(Arc<dyn Converter>, Confidence)> {
        let mut best: Option<(Arc<dyn Converter>, Confidence)> = None;
        for c in &self.converters {
            let score = c.detect(source).clamp(0.0, 1.0);
            if score >= MIN_CONFIDENCE && best.as_ref().is_none_or(|(_, s)| score > *s) {
                best = Some((c.clone(), score));
            }
        }
        best
    }

    /// Converts with the named converter, or the best one when `name` is `None`. The error
    /// names the file.
    pub fn convert(
        &self,
        name: Option<&str>,
        source: &Source<'_>,
        context: &Context,
    ) -> Result<(String, Vec<Report>), ConvertError> {
        let converter = match name {
            Some(name) => self.get(name).ok_or_else(|| {
                ConvertError::new(format!(
                    "unknown converter {name:?}; available: {}",
                    self.names().join(", ")
                ))
            })?,
            None => {
                let best = self
                    .best(source)
                    .ok_or_else(|| ConvertError::new(NO_CONVERTER).in_file(source.path))?;
                best.0
            }
        };
        let reports = converter
            .convert(source, context)
            .map_err(|e| e.in_file(source.path))?;
        if reports.is_empty() {
            return Err(ConvertError::new(format!(
                "converter {} found no report in the file",
                converter.name()
            ))
            .in_file(source.path));
        }
        Ok((converter.name().to_string(), reports))
    }
}

fn normalize(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace('_', "-")
}
