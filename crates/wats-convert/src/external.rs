//! External converters: any program that reads a file and prints WSJF on standard output, so
//! converters can be written in any language without recompiling.
//!
//! ## Protocol
//!
//! * The program is run as `command… <file>`: the configured command (an array, or a string
//!   split at spaces) with the source file's path appended as the last argument. Standard
//!   input is empty.
//! * Its environment also holds `WATS_CONVERTER_FILE` (the path), `WATS_CONVERTER_ARGUMENTS`
//!   (the converter's `arguments` as a JSON object), `WATS_STATION_NAME`, `WATS_LOCATION` and
//!   `WATS_PURPOSE` (empty when not configured).
//! * On success it prints one WSJF report, or a JSON array of reports, on standard output and
//!   exits with 0. Anything else on standard output is an error naming the position.
//! * A non-zero exit is a conversion failure; the last 4 KiB of standard error are the
//!   message (the station writes it into the `.error` note).
//! * It must finish within `timeout_seconds` (default 60): otherwise it and every process it
//!   started (its process group, on Unix) are killed and the conversion fails.
//! * Standard output is limited to `max_output_bytes` (default 64 MiB); a program that prints
//!   more is killed and the conversion fails.
//!
//! Configuration (a converter entry of the station configuration):
//!
//! ```json
//! { "name": "my-tester", "converter": "external",
//!   "command": ["python3", "/opt/converters/my_tester.py"],
//!   "watch_folder": "/data/my-tester", "file_patterns": ["*.mtl"],
//!   "timeout_seconds": 30, "arguments": { "part_number": "PCBA-1" } }
//! ```
//!
//! Detection: an external converter is only chosen for its own watch folder (or by name); its
//! confidence is 0.5 for a file matching its patterns, 0 otherwise.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde_json::Value;
use wait_timeout::ChildExt;
use wats_report::format::Format;
use wats_report::Report;

use crate::{Confidence, Context, ConvertError, Converter, Source};

/// Default time a program may run.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default limit of a program's standard output.
pub const DEFAULT_MAX_OUTPUT: u64 = 64 * 1024 * 1024;
/// How much of standard error is kept for the message.
const STDERR_TAIL: usize = 4096;

/// A converter that runs a program.
#[derive(Debug)]
pub struct ExternalConverter {
    name: String,
    command: Vec<String>,
    patterns: Vec<String>,
    globs: GlobSet,
    timeout: Duration,
    max_output: u64,
}

impl ExternalConverter {
    /// A converter running `command` (program and its first arguments).
    pub fn new(name: impl Into<String>, command: Vec<String>) -> Result<Self, ConvertError> {
        let name = name.into();
        if command.is_empty() || command[0].trim().is_empty() {
            return Err(ConvertError::new(format!(
                "external converter {name:?}: \"command\" is empty"
            )));
        }
        Ok(ExternalConverter {
            name,
            command,
            patterns: vec!["*".into()],
            globs: globs(&["*".to_string()])?,
            timeout: DEFAULT_TIMEOUT,
            max_output: DEFAULT_MAX_OUTPUT,
        })
    }

    /// Sets the time limit.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the output limit.
    pub fn max_output_bytes(mut self, bytes: u64) -> Self {
        self.max_output = bytes;
        self
    }

    /// Sets the file patterns used for detection.
    pub fn patterns_from(mut self, patterns: Vec<String>) -> Result<Self, ConvertError> {
        self.globs = globs(&patterns)?;
        self.patterns = patterns;
        Ok(self)
    }

    /// Builds the converter from its configuration entry: `name`, `command` (array or
    /// string), `file_patterns`, `timeout_seconds`, `max_output_bytes`.
    pub fn from_config(config: &Value) -> Result<Self, ConvertError> {
        let name = config
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("external")
            .to_string();
        let bad = |what: &str| ConvertError::new(format!("external converter {name:?}: {what}"));
        let command: Vec<String> = match config.get("command") {
            Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or_else(|| bad("\"command\" must be an array of strings"))?,
            _ => return Err(bad("\"command\" is missing (the program to run)")),
        };
        let mut converter = ExternalConverter::new(name.clone(), command)?;
        if let Some(patterns) = config.get("file_patterns").and_then(Value::as_array) {
            let patterns: Vec<String> = patterns
                .iter()
                .filter_map(|p| p.as_str().map(str::to_string))
                .collect();
            converter = converter.patterns_from(patterns)?;
        }
        match config.get("timeout_seconds") {
            None | Some(Value::Null) => {}
            Some(v) => {
                let secs = v
                    .as_f64()
                    .filter(|s| *s > 0.0 && *s <= 86_400.0)
                    .ok_or_else(|| {
                        bad("\"timeout_seconds\" must be a number of seconds (0–86400)")
                    })?;
                converter.timeout = Duration::from_secs_f64(secs);
            }
        }
        match config.get("max_output_bytes") {
            None | Some(Value::Null) => {}
            Some(v) => {
                converter.max_output = v
                    .as_u64()
                    .filter(|b| *b > 0)
                    .ok_or_else(|| bad("\"max_output_bytes\" must be a positive integer"))?;
            }
        }
        Ok(converter)
    }
}

fn globs(patterns: &[String]) -> Result<GlobSet, ConvertError> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| ConvertError::new(format!("file pattern {p:?}: {e}")))?);
    }
    b.build()
        .map_err(|e| ConvertError::new(format!("file patterns: {e}")))
}

impl Converter for ExternalConverter {
    fn name(&self) -> &str {
        &self.name
    }
    fn description(&self) -> &str {
        "an external program that prints WSJF"
    }
    fn patterns(&self) -> &[&str] {
        &[]
    }
    fn detect(&self, source: &Source<'_>) -> Confidence {
        if self.globs.is_match(source.file_name()) {
            0.5
        } else {
            0.0
        }
    }

    fn convert(&self, source: &Source<'_>, cx: &Context) -> Result<Vec<Report>, ConvertError> {
        self.run(Some(source.path), cx)
    }
}

impl ExternalConverter {
    /// Runs the program: with the file (or folder) as its last argument, or with no file for a
    /// scheduled converter (then `WATS_CONVERTER_FILE` is empty and `[]` means "nothing new").
    pub fn run(
        &self,
        file: Option<&std::path::Path>,
        cx: &Context,
    ) -> Result<Vec<Report>, ConvertError> {
        let program = &self.command[0];
        let mut cmd = Command::new(program);
        cmd.args(&self.command[1..]);
        if let Some(file) = file {
            cmd.arg(file);
        }
        cmd.env(
            "WATS_CONVERTER_FILE",
            file.map(|f| f.as_os_str()).unwrap_or_default(),
        )
        .env(
            "WATS_CONVERTER_ARGUMENTS",
            Value::Object(cx.arguments.clone()).to_string(),
        )
        .env(
            "WATS_STATION_NAME",
            cx.station_name.clone().unwrap_or_default(),
        )
        .env("WATS_LOCATION", cx.location.clone().unwrap_or_default())
        .env("WATS_PURPOSE", cx.purpose.clone().unwrap_or_default())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            // Its own process group, so a timeout kills what it started too.
            cmd.process_group(0);
        }
        let mut child = cmd.spawn().map_err(|e| {
            ConvertError::new(format!(
                "external converter {:?}: cannot run {program:?}: {e}",
                self.name
            ))
        })?;
        let max = self.max_output;
        let mut stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let out_reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = (&mut stdout).take(max + 1).read_to_end(&mut buf);
            // Keep draining so the program is not blocked on a full pipe while we decide.
            let _ = std::io::copy(&mut stdout, &mut std::io::sink());
            buf
        });
        let err_reader = std::thread::spawn(move || {
            let mut tail: Vec<u8> = Vec::new();
            let mut chunk = [0u8; 8192];
            while let Ok(n) = stderr.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                tail.extend_from_slice(&chunk[..n]);
                if tail.len() > STDERR_TAIL * 2 {
                    tail.drain(..tail.len() - STDERR_TAIL);
                }
            }
            tail
        });
        let status = match child.wait_timeout(self.timeout) {
            Ok(Some(status)) => status,
            Ok(None) => {
                kill(&mut child);
                let _ = out_reader.join();
                let _ = err_reader.join();
                return Err(ConvertError::new(format!(
                    "external converter {:?} did not finish within {:.0} s and was killed",
                    self.name,
                    self.timeout.as_secs_f64()
                )));
            }
            Err(e) => {
                kill(&mut child);
                return Err(ConvertError::new(format!(
                    "external converter {:?}: waiting failed: {e}",
                    self.name
                )));
            }
        };
        // The program has exited; its children may still hold the pipes open.
        kill_group(&child);
        let out = out_reader.join().unwrap_or_default();
        let err = err_reader.join().unwrap_or_default();
        let err_text = String::from_utf8_lossy(&err[err.len().saturating_sub(STDERR_TAIL)..])
            .trim()
            .to_string();
        if !status.success() {
            return Err(ConvertError::new(format!(
                "external converter {:?} failed ({status}){}",
                self.name,
                if err_text.is_empty() {
                    String::new()
                } else {
                    format!(": {err_text}")
                }
            )));
        }
        if out.len() as u64 > max {
            return Err(ConvertError::new(format!(
                "external converter {:?} printed more than {max} bytes",
                self.name
            )));
        }
        if file.is_none() && out.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(Vec::new());
        }
        if out.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(ConvertError::new(format!(
                "external converter {:?} printed nothing (it must print WSJF on standard output)",
                self.name
            )));
        }
        if file.is_none() && out.trim_ascii() == b"[]" {
            return Ok(Vec::new());
        }
        Format::Wsjf.read(&out).map_err(|e| {
            let e = ConvertError::from(e);
            ConvertError {
                message: format!(
                    "external converter {:?} printed no valid WSJF (output {}): {}",
                    self.name, e.location, e.message
                ),
                location: Default::default(),
            }
        })
    }
}

fn kill(child: &mut std::process::Child) {
    kill_group(child);
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(unix)]
fn kill_group(child: &std::process::Child) {
    // SAFETY: killpg only sends a signal; the group id is the child's pid (process_group(0)).
    unsafe {
        libc::killpg(child.id() as libc::pid_t, libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_group(_: &std::process::Child) {}
