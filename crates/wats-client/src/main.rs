//! `wats-client`: the WATS station service and its command line.
//!
//! Exit codes: `0` success; `1` the input was refused (unreadable, malformed, invalid);
//! `2` bad usage (unknown option, missing argument).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;

/// The WATS station client: converts test results into WATS reports.
#[derive(Debug, Parser)]
#[command(name = "wats-client", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Convert a test result file into validated WSJF JSON.
    Convert(commands::convert::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => commands::convert::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}
