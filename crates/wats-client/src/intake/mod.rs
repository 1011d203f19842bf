//! The intake: the one path from a file's bytes to reports ready for the queue or the server,
//! shared by the station's watch folders, its scheduled converters, `upload` and `convert`.
//!
//! 1. **Convert**, with the configured converter or the most confident one.
//! 2. **Freeze each report's identity.** The file's own id where the format carries one
//!    (WSJF, WSXF…), else an id derived from the content's hash, the file's name (relative to
//!    the folder it was found in) and the report's position: the same file converted again
//!    (after a crash, or uploaded twice) gives the same ids, and the server replaces instead of
//!    doubling.
//! 3. **Stamp the station's identity.** One precedence rule: what the file names beats the
//!    station's configuration, which beats the host name. Converters do not invent
//!    placeholders (see `wats_convert::Context::station_identity`).
//! 4. **Validate**, with every problem named by its field path; one rendering of "not a valid
//!    WATS report" for the CLI, the `.error` note and the control API ([`IntakeError`]).
//!
//! [`pause`] holds whether the station's intake is paused and why (shared by the run loop and
//! the control API).

pub mod pause;

use std::path::Path;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use wats_convert::{Context, ConvertError, Converter, Registry, Source};

use wats_report::{ReadError, Report, Validator};

/// Whose rules a report must pass before it is queued or sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Rules {
    /// A WATS server's, its import rules included (loop shape, status agreement).
    Wats,
    /// The embedded `wats-server`'s (local mode): what it checks on submit, so WATS's own
    /// exports are delivered ([`Validator::export_compatible`]).
    Local,
}

impl Rules {
    /// The rules of the configured target: local mode (no `service_address`, or no
    /// configuration at all) checks what the embedded server checks.
    pub fn for_config(config: Option<&crate::config::Config>) -> Rules {
        match config {
            Some(c) if !c.service_address.trim().is_empty() => Rules::Wats,
            _ => Rules::Local,
        }
    }

    /// The validator that applies them.
    pub fn validator(self) -> Validator {
        match self {
            Rules::Wats => Validator::default(),
            Rules::Local => Validator::export_compatible(),
        }
    }
}

/// How files are converted: the converter (or detection), its context and the validator.
pub struct Recipe<'a> {
    /// The converters to detect among.
    pub registry: &'a Registry,
    /// The configured converter; `None` to detect by content.
    pub converter: Option<&'a Arc<dyn Converter>>,
    /// The converter's arguments and the station's identity.
    pub context: &'a Context,
    /// The rules reports must pass.
    pub validator: &'a Validator,
    /// Cut texts over WATS's limits (recording the cut) instead of refusing: the converter's
    /// own choice ([`Converter::auto_truncate`]) unless the configuration says (`Some`).
    pub auto_truncate: Option<bool>,
}

/// What a file gave: the converter that read it and its reports, ready to queue or send.
pub struct Converted {
    /// The converter that read the file.
    pub converter: Arc<dyn Converter>,
    /// The reports, with frozen ids and the station's identity, valid.
    pub reports: Vec<Report>,
    /// Texts cut to WATS's limits (AutoTruncate), per report: `report N: path from→to`.
    pub truncated: Vec<String>,
}

/// Why a file gave no reports.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The file could not be read (or is larger than allowed).
    #[error(transparent)]
    Read(#[from] ReadError),
    /// No converter could read it, or the one configured failed (the error names the file and
    /// the place in it).
    #[error("{error}")]
    Convert {
        /// The configured converter, if one was.
        converter: Option<String>,
        /// What went wrong.
        error: ConvertError,
    },
    /// The converter read the file and found no report in it.
    #[error("the file holds no report")]
    Empty {
        /// The converter.
        converter: String,
    },
    /// Reports came out but are not valid; every problem with its field path.
    #[error("not a valid WATS report:\n  {}", problems.join("\n  "))]
    Invalid {
        /// The converter.
        converter: String,
        /// `field.path: problem`, prefixed with `report N:` when the file held several.
        problems: Vec<String>,
    },
}

impl IntakeError {
    /// The error as people read it, naming the file (read and conversion errors name it and
    /// the place in it already).
    pub fn describe(&self, path: &Path) -> String {
        match self {
            IntakeError::Read(_) | IntakeError::Convert { .. } => self.to_string(),
            IntakeError::Empty { .. } | IntakeError::Invalid { .. } => {
                format!("{}: {self}", path.display())
            }
        }
    }

    /// The converter involved, when one is known.
    pub fn converter(&self) -> Option<&str> {
        match self {
            IntakeError::Read(_) => None,
            IntakeError::Convert { converter, .. } => converter.as_deref(),
            IntakeError::Empty { converter } | IntakeError::Invalid { converter, .. } => {
                Some(converter)
            }
        }
    }
}

/// The hex SHA-256 of a file's bytes: what the ledger remembers and ids derive from.
pub fn content_hash(bytes: &[u8]) -> String {
    crate::source::hex(&Sha256::digest(bytes))
}

/// Reads `path` (at most `max_bytes`) and converts it as [`convert`] does; `relative` is its
/// name inside the folder it was found in.
pub fn convert_file(
    path: &Path,
    relative: &Path,
    max_bytes: u64,
    recipe: &Recipe,
) -> Result<Converted, IntakeError> {
    let bytes = wats_report::format::read_limited(path, max_bytes)?;
    convert(path, relative, &bytes, &content_hash(&bytes), recipe)
}

/// Converts the `bytes` read from `path` (`hash` = [`content_hash`] of them), freezes each
/// report's identity, stamps the station's, and validates.
pub fn convert(
    path: &Path,
    relative: &Path,
    bytes: &[u8],
    hash: &str,
    recipe: &Recipe,
) -> Result<Converted, IntakeError> {
    let source = Source::new(path, bytes);
    let forced = recipe.converter;
    let converter = match forced {
        Some(c) => c.clone(),
        None => match recipe.registry.best(&source) {
            Some((c, _)) => c,
            None => {
                return Err(IntakeError::Convert {
                    converter: None,
                    error: ConvertError::new(wats_convert::registry::NO_CONVERTER).in_file(path),
                })
            }
        },
    };
    let mut reports =
        converter
            .convert(&source, recipe.context)
            .map_err(|e| IntakeError::Convert {
                converter: forced.map(|c| c.name().to_string()),
                error: e.in_file(path),
            })?;
    if reports.is_empty() {
        return Err(IntakeError::Empty {
            converter: converter.name().to_string(),
        });
    }
    let mut truncated = Vec::new();
    if recipe
        .auto_truncate
        .unwrap_or_else(|| converter.auto_truncate())
    {
        let several = reports.len() > 1;
        for (i, report) in reports.iter_mut().enumerate() {
            let cuts =
                wats_report::truncate::auto_truncate(report, recipe.validator).map_err(|e| {
                    IntakeError::Convert {
                        converter: Some(converter.name().to_string()),
                        error: ConvertError::new(format!("cannot shorten the report's texts: {e}"))
                            .in_file(path),
                    }
                })?;
            wats_report::truncate::record(report, &cuts);
            truncated.extend(cuts.iter().map(|c| {
                if several {
                    format!("report {i}: {c}")
                } else {
                    c.to_string()
                }
            }));
        }
    }
    let ids = Ids::FromFile {
        stable: converter.stable_ids(),
        hash,
        relative,
    };
    prepare(&mut reports, ids, recipe.context, recipe.validator).map_err(|problems| {
        IntakeError::Invalid {
            converter: converter.name().to_string(),
            problems,
        }
    })?;
    Ok(Converted {
        converter,
        reports,
        truncated,
    })
}

/// Where ids come from when a report has none (or its converter's ids are not its own).
#[derive(Clone, Copy)]
pub enum Ids<'a> {
    /// From the file: its content hash, its name in the folder, the report's position.
    FromFile {
        /// The converter's ids are the file's own (WSJF, WSXF): kept when present.
        stable: bool,
        /// [`content_hash`] of the file.
        hash: &'a str,
        /// The file's name inside the folder it was found in.
        relative: &'a Path,
    },
    /// No file (a scheduled converter's output): from the report's own content.
    FromContent,
}

/// Freezes ids, stamps the station's identity and validates `reports`; the problems, with
/// field paths (prefixed `report N:` when there are several reports), when any is invalid.
pub fn prepare(
    reports: &mut [Report],
    ids: Ids,
    context: &Context,
    validator: &Validator,
) -> Result<(), Vec<String>> {
    let several = reports.len() > 1;
    let mut problems = Vec::new();
    for (i, report) in reports.iter_mut().enumerate() {
        freeze_id(report, ids, i);
        stamp_station(report, context);
        for e in validator.validate(report).into_iter().take(20) {
            problems.push(if several {
                format!("report {i}: {e}")
            } else {
                e.to_string()
            });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn uuid_from(digest: &[u8]) -> uuid::Uuid {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// Gives a report the id it keeps for ever (see the module doc).
fn freeze_id(report: &mut Report, ids: Ids, index: usize) {
    match ids {
        Ids::FromFile {
            stable,
            hash,
            relative,
        } => {
            if stable && report.id.is_some() {
                return;
            }
            let mut h = Sha256::new();
            h.update(hash.as_bytes());
            h.update([0]);
            h.update(relative.to_string_lossy().as_bytes());
            h.update([0]);
            h.update(index.to_le_bytes());
            report.id = Some(uuid_from(&h.finalize()));
        }
        Ids::FromContent => {
            if report.id.is_none() {
                let digest = Sha256::digest(wats_report::wsjf::to_string(report).as_bytes());
                report.id = Some(uuid_from(&digest));
            }
        }
    }
}

/// Fills the station fields the file did not name: from the station's configuration (the
/// context), else the host name for the station and WATS's usual `Production`/`Test`.
fn stamp_station(report: &mut Report, context: &Context) {
    let fill = |field: &mut Option<String>, configured: &Option<String>, fallback: &str| {
        if field.as_deref().is_none_or(|f| f.trim().is_empty()) {
            *field = Some(
                configured
                    .clone()
                    .filter(|v| !v.trim().is_empty())
                    .unwrap_or_else(|| fallback.to_string()),
            );
        }
    };
    let host = wats_report::builder::host_name().unwrap_or("station");
    fill(&mut report.machine_name, &context.station_name, host);
    fill(&mut report.location, &context.location, "Production");
    fill(&mut report.purpose, &context.purpose, "Test");
}

/// The context of a converter: its arguments, and the station's identity: the
/// configuration's, else (for the station name) the converter's `station_name` argument, else
/// the host name. So no converter placeholder ("CSV", "ATML"…) ever names a station.
pub fn context(
    arguments: serde_json::Map<String, serde_json::Value>,
    config: Option<&crate::config::Config>,
) -> Context {
    let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.to_string());
    let station_argument = arguments
        .get("station_name")
        .and_then(|v| v.as_str())
        .is_some_and(|s| !s.trim().is_empty());
    let station_name = config.and_then(|c| non_empty(&c.station_name)).or_else(|| {
        (!station_argument)
            .then(|| wats_report::builder::host_name().map(str::to_string))
            .flatten()
    });
    Context {
        arguments,
        station_name,
        location: config.and_then(|c| non_empty(&c.location)),
        purpose: config.and_then(|c| non_empty(&c.purpose)),
    }
}
