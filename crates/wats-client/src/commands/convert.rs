//! `wats-client convert FILE`: convert a test result file with a converter (detected from the
//! content unless `--converter` names one), validate, print WSJF (an array when the file holds
//! several reports).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context as _};
use serde_json::{Map, Value};
use wats_convert::{Context, Registry, Source};
use wats_report::format::{read_limited, DEFAULT_MAX_FILE_BYTES};
use wats_report::validate::Validator;

/// Arguments of `convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to convert.
    file: PathBuf,
    /// Use this converter instead of detecting the format (`wsjf`, `wsxf`, `teradyne-gr228x`,
    /// …; `wats-client converters list` shows them all).
    #[arg(long, value_name = "NAME")]
    converter: Option<String>,
    /// A converter argument, `key=value` (repeatable), as `arguments` in the configuration.
    #[arg(long = "arg", value_name = "KEY=VALUE")]
    args: Vec<String>,
    /// Write the WSJF here instead of standard output.
    #[arg(long, short, value_name = "PATH")]
    out: Option<PathBuf>,
    /// Print compact JSON instead of indented JSON.
    #[arg(long)]
    compact: bool,
    /// Accept the characters `* % ? [ ] ^ ! / \` in serial and part numbers (they act as
    /// wildcards in WATS searches).
    #[arg(long)]
    allow_wildcards: bool,
    /// Refuse files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_BYTES)]
    max_bytes: u64,
}

/// `key=value` pairs into an arguments object (values that parse as JSON numbers or booleans
/// are kept typed).
pub fn parse_args(pairs: &[String]) -> anyhow::Result<Map<String, Value>> {
    let mut out = Map::new();
    for pair in pairs {
        let Some((k, v)) = pair.split_once('=') else {
            bail!("--arg {pair:?}: expected KEY=VALUE");
        };
        let value = match serde_json::from_str::<Value>(v) {
            Ok(n @ (Value::Number(_) | Value::Bool(_))) => n,
            _ => Value::String(v.to_string()),
        };
        out.insert(k.trim().to_string(), value);
    }
    Ok(out)
}

/// Converts, validates and prints; an error names the file and the place in it.
pub fn run(args: Args) -> anyhow::Result<()> {
    let registry = Registry::builtin();
    if let Some(name) = &args.converter {
        if registry.get(name).is_none() {
            bail!(
                "unknown converter {name:?}; available: {}",
                registry.names().join(", ")
            );
        }
    }
    let bytes = read_limited(&args.file, args.max_bytes)?;
    let context = Context::with_arguments(parse_args(&args.args)?);
    let source = Source::new(&args.file, &bytes);
    let (_, reports) = registry.convert(args.converter.as_deref(), &source, &context)?;
    let validator = Validator::default().allow_search_wildcards(args.allow_wildcards);
    let mut problems = Vec::new();
    for (i, report) in reports.iter().enumerate() {
        for error in validator.validate(report) {
            let which = if reports.len() > 1 {
                format!("[{i}].")
            } else {
                String::new()
            };
            problems.push(format!("{}: {which}{error}", args.file.display()));
        }
    }
    if !problems.is_empty() {
        bail!(
            "{} is not a valid WATS report:\n  {}",
            args.file.display(),
            problems.join("\n  ")
        );
    }
    let submitted: Vec<_> = reports.iter().map(|r| r.for_submission()).collect();
    let json = match (submitted.as_slice(), args.compact) {
        ([one], true) => serde_json::to_string(one),
        ([one], false) => serde_json::to_string_pretty(one),
        (many, true) => serde_json::to_string(many),
        (many, false) => serde_json::to_string_pretty(many),
    }?;
    match &args.out {
        Some(path) => std::fs::write(path, json + "\n")
            .with_context(|| format!("writing {}", path.display()))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{json}")?;
        }
    }
    Ok(())
}
