//! A configured converter resolved for the run: which converter, its context and rules, the
//! folders it moves files into, and for a folder converter when a unit folder is complete.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use serde_json::Value;
use wats_convert::external::ExternalConverter;
use wats_convert::{Context, Converter, Registry};
use wats_report::Validator;

use crate::config::{Config, ConverterConfig, PostAction};
use crate::intake;

/// One watch folder's conversion setup.
pub(super) struct Setup {
    pub(super) converter: Option<Arc<dyn Converter>>,
    pub(super) context: Context,
    /// The target's rules (the embedded server's in local mode).
    pub(super) validator: Validator,
    /// The configuration's `auto_truncate`, if it sets one (else the converter's choice).
    pub(super) auto_truncate: Option<bool>,
    pub(super) post_action: PostAction,
    pub(super) watch: PathBuf,
    pub(super) done: PathBuf,
    pub(super) error: PathBuf,
    /// For a folder converter: when a unit folder is complete.
    pub(super) folder: Option<FolderRule>,
}

/// How a configured converter takes its input (`converter_type`, pyWATS's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConverterType {
    /// One file at a time (the default).
    File,
    /// A folder per unit, ready when its marker file appears (and the other rules hold).
    Folder,
    /// A program run on a schedule; what it prints is queued.
    Scheduled,
}

/// The `converter_type` of a converter entry.
pub fn converter_type(c: &ConverterConfig) -> anyhow::Result<ConverterType> {
    match c
        .extra
        .get("converter_type")
        .and_then(Value::as_str)
        .unwrap_or("file")
    {
        "file" => Ok(ConverterType::File),
        "folder" => Ok(ConverterType::Folder),
        "scheduled" => Ok(ConverterType::Scheduled),
        other => anyhow::bail!(
            "converter {:?}: converter_type {other:?} is not file, folder or scheduled",
            c.name
        ),
    }
}

/// When a unit folder is ready: `readiness_marker` (default `COMPLETE.marker`) exists — that
/// is what the watch folder looks for — and it holds at least `min_file_count` files and a
/// file matching each of `expected_files`.
#[derive(Debug)]
pub(super) struct FolderRule {
    min_files: usize,
    expected: Vec<(String, globset::GlobMatcher)>,
}

impl FolderRule {
    pub(super) fn from(c: &ConverterConfig) -> anyhow::Result<FolderRule> {
        let min_files = c
            .extra
            .get("min_file_count")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let mut expected = Vec::new();
        for p in c
            .extra
            .get("expected_files")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let glob = globset::Glob::new(p)
                .with_context(|| format!("converter {:?}: expected_files {p:?}", c.name))?;
            expected.push((p.to_string(), glob.compile_matcher()));
        }
        Ok(FolderRule {
            min_files,
            expected,
        })
    }

    /// `None` when ready, else what is missing.
    pub(super) fn missing(&self, folder: &Path) -> Option<String> {
        let names: Vec<String> = std::fs::read_dir(folder)
            .ok()?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        if names.len() < self.min_files {
            return Some(format!(
                "{} files, {} expected",
                names.len(),
                self.min_files
            ));
        }
        self.expected
            .iter()
            .find(|(_, m)| !names.iter().any(|n| m.is_match(n)))
            .map(|(p, _)| format!("no file matches {p:?}"))
    }
}

/// The marker a folder converter waits for.
pub(super) fn readiness_marker(c: &ConverterConfig) -> String {
    c.extra
        .get("readiness_marker")
        .and_then(Value::as_str)
        .unwrap_or("COMPLETE.marker")
        .to_string()
}

/// Resolves a configured converter.
pub(super) fn setup(
    c: &ConverterConfig,
    config: &Config,
    registry: &Registry,
) -> anyhow::Result<Setup> {
    let kind = if c.converter.is_empty() {
        if registry.get(&c.name).is_some() {
            c.name.as_str()
        } else if c.extra.contains_key("command") {
            "external"
        } else {
            "auto"
        }
    } else {
        c.converter.as_str()
    };
    let converter: Option<Arc<dyn Converter>> = match kind {
        "auto" => None,
        "external" => {
            let spec = serde_json::to_value(c)?;
            Some(Arc::new(ExternalConverter::from_config(&spec).map_err(
                |e| anyhow::anyhow!("converter {:?}: {e}", c.name),
            )?))
        }
        name => Some(registry.get(name).ok_or_else(|| {
            anyhow::anyhow!(
                "converter {:?}: unknown converter {name:?}; available: auto, external, {}",
                c.name,
                registry.names().join(", ")
            )
        })?),
    };
    let context = crate::intake::context(c.arguments.clone(), Some(config));
    Ok(Setup {
        converter,
        context,
        validator: intake::Rules::for_config(Some(config)).validator(),
        auto_truncate: c.extra.get("auto_truncate").and_then(Value::as_bool),
        post_action: c.post_action,
        watch: PathBuf::from(&c.watch_folder),
        done: c.done_path(),
        error: c.error_path(),
        folder: None,
    })
}
