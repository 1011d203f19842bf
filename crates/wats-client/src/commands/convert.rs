//! `wats-client convert FILE`: convert a test result file with a converter (detected from the
//! content unless `--converter` names one), validate, print WSJF (an array when the file holds
//! several reports).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::intake;
use anyhow::{bail, Context as _};
use serde_json::{Map, Value};
use wats_convert::Registry;
use wats_report::format::DEFAULT_MAX_FILE_BYTES;

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
    /// Whose rules to check: `wats` (a WATS server's, its import rules included) or `local`
    /// (the embedded server's, which takes WATS's own exports back). Default: the configured
    /// target (`local` without a `service_address` or without a configuration).
    #[arg(long, value_enum, value_name = "RULES")]
    rules: Option<intake::Rules>,
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

/// Converts, validates and prints; an error names the file and the place in it. The station
/// identity and ids are the ones the station would give the file (`instance_name`'s
/// configuration, when it has one).
pub fn run(instance_name: &str, args: Args) -> anyhow::Result<()> {
    let registry = Registry::builtin();
    let forced = match &args.converter {
        Some(name) => Some(registry.get(name).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown converter {name:?}; available: {}",
                registry.names().join(", ")
            )
        })?),
        None => None,
    };
    let config = configured(instance_name);
    let context = intake::context(parse_args(&args.args)?, config.as_ref());
    let rules = args
        .rules
        .unwrap_or_else(|| intake::Rules::for_config(config.as_ref()));
    let mut validator = rules.validator();
    if args.allow_wildcards {
        validator = validator.allow_search_wildcards(true);
    }
    let recipe = intake::Recipe {
        registry: &registry,
        converter: forced.as_ref(),
        context: &context,
        validator: &validator,
        auto_truncate: None,
    };
    let relative = Path::new(args.file.file_name().unwrap_or(args.file.as_os_str()));
    let converted = intake::convert_file(&args.file, relative, args.max_bytes, &recipe)
        .map_err(|e| anyhow::anyhow!(e.describe(&args.file)))?;
    for cut in &converted.truncated {
        eprintln!(
            "{}: cut to WATS's limit (AutoTruncate): {cut}",
            args.file.display()
        );
    }
    let reports = converted.reports;
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

/// The instance's configuration, when it has one (`convert` works without).
pub fn configured(instance_name: &str) -> Option<crate::config::Config> {
    let instance = crate::config::Instance::resolve(instance_name).ok()?;
    if !instance.exists() {
        return None;
    }
    instance.load_effective().ok().map(|(config, _)| config)
}
