//! `wats-client serial take TYPE [--count N]` and `wats-client serial status`: through the
//! running station's control API (the station owns the pool).

use anyhow::Context as _;
use clap::{Args as ClapArgs, Subcommand};

use crate::config::Instance;
use crate::control::client::ControlClient;

/// `wats-client serial …`
#[derive(Debug, ClapArgs)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Hand out serial numbers of a type from the station's pool, one a line.
    Take {
        /// The serial-number type (a pool in `serial_pools`).
        #[arg(value_name = "TYPE")]
        type_name: String,
        /// How many.
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// Print the answer as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The pools' levels.
    Status {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The pools' levels (the `serial_pools` of `/status`, or `GET /serial`) as text lines, one
/// per pool; `LOW` marks a pool below its low water.
pub fn status_lines(levels: &serde_json::Value) -> Vec<String> {
    levels
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            format!(
                "serial:  {} {} available, {} handed out (low water {}, batch {}){}",
                l["type"].as_str().unwrap_or_default(),
                l["available"],
                l["handed_out"],
                l["low_water"],
                l["batch_size"],
                if l["below_low_water"] == serde_json::Value::Bool(true) {
                    " LOW"
                } else {
                    ""
                }
            )
        })
        .collect()
}

/// Runs `serial …` for an instance.
pub fn run(instance_name: &str, args: Args) -> anyhow::Result<()> {
    let instance = Instance::resolve(instance_name)?;
    let station = ControlClient::find(&instance)?.with_context(|| {
        format!(
            "the station {instance_name:?} is not running: serial numbers are handed out by the \
             running station (wats-client start)"
        )
    })?;
    match args.command {
        Command::Take {
            type_name,
            count,
            json,
        } => {
            let answer = station.call(
                reqwest::Method::POST,
                &format!("/serial/{}/take?count={count}", encode(&type_name)),
            )?;
            if json {
                println!("{}", serde_json::to_string_pretty(&answer)?);
            } else {
                for sn in answer["serial_numbers"].as_array().into_iter().flatten() {
                    println!("{}", sn.as_str().unwrap_or_default());
                }
            }
        }
        Command::Status { json } => {
            let levels = station.get("/serial")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&levels)?);
            } else {
                for line in status_lines(&levels) {
                    println!("{line}");
                }
            }
        }
    }
    Ok(())
}
