//! `wats-client convert FILE`: read a report file, validate it, print WSJF.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use wats_report::format::{self, Format, DEFAULT_MAX_FILE_BYTES};
use wats_report::validate::Validator;

/// Arguments of `convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to convert.
    file: PathBuf,
    /// Use this converter instead of detecting the format (`wsjf`, `wsxf`).
    #[arg(long, value_name = "NAME")]
    converter: Option<String>,
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

/// Converts, validates and prints; an error names the file and the place in it.
pub fn run(args: Args) -> anyhow::Result<()> {
    let forced = match &args.converter {
        Some(name) => match Format::from_name(name) {
            Some(f) => Some(f),
            None => bail!("unknown converter {name:?}; available: wsjf, wsxf"),
        },
        None => None,
    };
    let (_, reports) = format::read_file(&args.file, forced, args.max_bytes)?;
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
