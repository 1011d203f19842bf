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
    /// The instance to work on (its own configuration, queue and lock).
    #[arg(long, global = true, value_name = "NAME", default_value = wats_client::config::DEFAULT_INSTANCE,
          value_parser = instance_name)]
    instance: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Convert a test result file into validated WSJF JSON.
    Convert(commands::convert::Args),
    /// Create, show, query, change and check the instance's configuration.
    Config(commands::config::Args),
}

fn instance_name(name: &str) -> Result<String, String> {
    wats_client::config::check_instance_name(name)
        .map(|()| name.to_string())
        .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => commands::convert::run(args),
        Command::Config(args) => commands::config::run(&cli.instance, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}
