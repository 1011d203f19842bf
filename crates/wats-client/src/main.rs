//! `wats-client`: the WATS station service and its command line.
//!
//! Exit codes: `0` success; `1` failure (the input was refused: unreadable, malformed,
//! invalid; the server unreachable; a check failed); `2` bad usage (unknown option, missing
//! argument); `3` (`status`) the station is not running.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use wats_client::commands;

/// The WATS station client: converts test results into WATS reports.
#[derive(Debug, Parser)]
#[command(name = "wats-client", version, about, long_about = None)]
struct Cli {
    /// The instance to work on (its own configuration, queue and lock).
    #[arg(long, global = true, value_name = "NAME", default_value = wats_client::config::DEFAULT_INSTANCE,
          value_parser = instance_name)]
    instance: String,
    #[command(flatten)]
    log: wats_client::logging::LogArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the station in the foreground: watch folders, convert, queue, upload. Without a
    /// server configured it runs in local mode with an embedded WATS server.
    Start(commands::start::Args),
    /// Convert a test result file into validated WSJF JSON.
    Convert(commands::convert::Args),
    /// Create, show, query, change and check the instance's configuration.
    Config(commands::config::Args),
    /// Stop the running station (waits until it has stopped).
    Stop,
    /// Make the running station read its configuration again and start over.
    Restart,
    /// Show the running station's status (exit code 3 when it is not running).
    Status(commands::control::StatusArgs),
    /// Inspect the queue; retry or drop entries.
    Queue(commands::control::QueueArgs),
    /// Convert files and upload them now, without the queue (with a progress bar).
    Upload(commands::upload::Args),
    /// List the converters, score a file, enable or disable a configured converter.
    Converters(commands::converters::Args),
    /// Check that the server answers and accepts the credentials.
    TestConnection,
    /// Print (and on a desktop, open) the running station's web dashboard with a one-time
    /// login link.
    Dashboard(commands::dashboard::Args),
    /// Check the instance: configuration, token, folders, disk, queue, server.
    Doctor(commands::doctor::Args),
    /// Run this instance as a system service (systemd; launchd on macOS).
    InstallService(commands::service::InstallArgs),
    /// Stop and remove the instance's system service (its configuration and queue stay).
    UninstallService(commands::service::UninstallArgs),
    /// List released software packages; install one into the software folder.
    Software(commands::software::Args),
    /// Serial numbers from the station's pools (`serial take TYPE [--count N]`).
    Serial(wats_client::serial_pool::cli::Args),
}

fn instance_name(name: &str) -> Result<String, String> {
    wats_client::config::check_instance_name(name)
        .map(|()| name.to_string())
        .map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The station logs to its instance's files too (set up in `start`); one-shot commands
    // to standard error only.
    let _log = if matches!(cli.command, Command::Start(_)) {
        None
    } else {
        restore_sigpipe();
        match wats_client::logging::init_console(&cli.log.console()) {
            Ok(guard) => Some(guard),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    };
    let result = match cli.command {
        Command::Status(args) => match commands::control::status(&cli.instance, args) {
            Ok(code) => return ExitCode::from(code),
            Err(e) => Err(e),
        },
        Command::Stop => commands::control::stop(&cli.instance),
        Command::Restart => commands::control::restart(&cli.instance),
        Command::Queue(args) => commands::control::queue(&cli.instance, args),
        Command::Upload(args) => commands::upload::run(&cli.instance, args),
        Command::Converters(args) => commands::converters::run(&cli.instance, args),
        Command::TestConnection => commands::upload::test_connection(&cli.instance),
        Command::Dashboard(args) => commands::dashboard::run(&cli.instance, args),
        Command::Start(args) => commands::start::run(&cli.instance, &cli.log, args),
        Command::Doctor(args) => commands::doctor::run(&cli.instance, args),
        Command::InstallService(args) => commands::service::run_install(&cli.instance, args),
        Command::UninstallService(args) => commands::service::run_uninstall(&cli.instance, args),
        Command::Convert(args) => commands::convert::run(&cli.instance, args),
        Command::Config(args) => commands::config::run(&cli.instance, args),
        Command::Software(args) => commands::software::run(&cli.instance, args),
        Command::Serial(args) => wats_client::serial_pool::cli::run(&cli.instance, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}

/// One-shot commands die quietly when their output pipe closes (`wats-client queue list | head`)
/// instead of panicking on the failed print; the service keeps Rust's default (ignored), so a
/// closed socket is an error, not a kill.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal disposition to its default before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
