//! Commands that talk to a running station through its control API, or work on its queue file
//! when it is not running: `stop`, `restart`, `status`, `queue …`.

use std::time::Duration;

use crate::config::Instance;
use crate::control::client::ControlClient as Station;
use crate::control::entry_json;
use crate::queue::{State, Which};
use crate::station;
use anyhow::{bail, Context as _};
use serde_json::Value;

fn require_running(instance: &Instance) -> anyhow::Result<Station> {
    Station::find(instance)?.with_context(|| {
        format!(
            "the station {:?} is not running (start it with `wats-client --instance {} start`)",
            instance.name(),
            instance.name()
        )
    })
}

/// `stop`: asks the running station to stop and waits until it has.
pub fn stop(instance_name: &str) -> anyhow::Result<()> {
    let instance = Instance::resolve(instance_name)?;
    let station = require_running(&instance)?;
    station.call(reqwest::Method::POST, "/stop")?;
    for _ in 0..300 {
        std::thread::sleep(Duration::from_millis(100));
        if station.get("/health/live").is_err() {
            println!("stopped");
            return Ok(());
        }
    }
    bail!("the station accepted the stop but is still running after 30 s")
}

/// `restart`: the running station reads its configuration again and starts over.
pub fn restart(instance_name: &str) -> anyhow::Result<()> {
    let instance = Instance::resolve(instance_name)?;
    require_running(&instance)?.call(reqwest::Method::POST, "/restart")?;
    println!("restarting");
    Ok(())
}

/// Arguments of `status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Print the status as JSON.
    #[arg(long)]
    json: bool,
}

/// `status`: the running station's status, or the queue's when it is not running.
/// Exit code 3 when the station is not running.
pub fn status(instance_name: &str, args: StatusArgs) -> anyhow::Result<u8> {
    let instance = Instance::resolve(instance_name)?;
    let Some(station) = Station::find(&instance)? else {
        let queue = station::open_queue(&instance)
            .ok()
            .and_then(|q| q.stats().ok());
        if args.json {
            println!(
                "{}",
                serde_json::json!({ "running": false, "queue": queue.map(|s| serde_json::json!({
                    "pending": s.pending, "uploading": s.uploading, "parked": s.parked, "done": s.done })) })
            );
        } else {
            println!("station {:?}: not running", instance.name());
            if let Some(s) = queue {
                println!(
                    "queue: {} pending, {} parked, {} delivered (kept)",
                    s.pending + s.uploading,
                    s.parked,
                    s.done
                );
            }
            for line in super::software::installed_lines(&instance) {
                println!("{line}");
            }
        }
        return Ok(3);
    };
    let s = station.get("/status")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(0);
    }
    let get = |p: &str| s.pointer(p).cloned().unwrap_or(Value::Null);
    println!(
        "station {}: running (pid {}, {} mode, up {} s)",
        get("/instance"),
        get("/pid"),
        get("/mode").as_str().unwrap_or("?"),
        get("/uptime_seconds")
    );
    println!(
        "server:  {} ({})",
        get("/server").as_str().unwrap_or("?"),
        get("/connectivity").as_str().unwrap_or("?")
    );
    if get("/intake/paused") == Value::Bool(true) {
        println!("INTAKE PAUSED: {}", get("/intake/reason"));
    }
    if let Some(skipped) = get("/intake/skipped").as_array().filter(|a| !a.is_empty()) {
        println!("not taken from the watch folders ({}):", skipped.len());
        for e in skipped.iter().take(10) {
            println!(
                "  {}: {}",
                e["path"].as_str().unwrap_or("?"),
                e["reason"].as_str().unwrap_or("?")
            );
        }
    }
    if get("/gate/state").as_str() == Some("closed") {
        let ago = |p: &str| {
            get(p)
                .as_u64()
                .map(|t| unix_now().saturating_sub(t))
                .map_or("?".to_string(), |s| format!("{s} s ago"))
        };
        let soon = |p: &str| {
            get(p)
                .as_u64()
                .map(|t| t.saturating_sub(unix_now()))
                .map_or("now (probing)".to_string(), |s| format!("in {s} s"))
        };
        println!(
            "UPLOADS WAITING ({}) since {}; next probe {}; last probe error: {}",
            get("/gate/reason").as_str().unwrap_or("?"),
            ago("/gate/since"),
            soon("/gate/next_probe"),
            get("/gate/last_probe_error").as_str().unwrap_or("-")
        );
    }
    if let Some(age) = get("/backlog/oldest_age_seconds").as_u64() {
        println!("backlog: oldest report waiting {age} s");
    }
    println!(
        "files:   {} seen, {} converted, {} failed",
        get("/files/seen"),
        get("/files/converted"),
        get("/files/failed")
    );
    println!(
        "queue:   {} pending, {} uploading, {} parked, {} delivered (kept)",
        get("/queue/pending"),
        get("/queue/uploading"),
        get("/queue/parked"),
        get("/queue/done")
    );
    println!(
        "reports: {} uploaded, {} retries since start",
        get("/reports/uploaded"),
        get("/reports/retries")
    );
    println!(
        "server:  offline {} s in all since start, {} reconnects, {} probes",
        get("/gate/offline_seconds_total")
            .as_f64()
            .map_or(0, |s| s as u64),
        get("/gate/reconnects"),
        get("/gate/probes")
    );
    for line in crate::serial_pool::cli::status_lines(&get("/serial_pools")) {
        println!("{line}");
    }
    if let Some(e) = s.get("last_error").and_then(|e| e.as_str()) {
        println!("last error: {e}");
    }
    for line in super::software::installed_lines(&instance) {
        println!("{line}");
    }
    Ok(0)
}

/// Arguments of `queue`.
#[derive(Debug, clap::Args)]
pub struct QueueArgs {
    #[command(subcommand)]
    command: QueueCommand,
}

#[derive(Debug, clap::Subcommand)]
enum QueueCommand {
    /// Counts by state.
    Status,
    /// List entries (default: pending and parked).
    List {
        /// Only this state: pending, uploading, parked, done.
        #[arg(long)]
        state: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Send one parked entry again.
    Retry {
        /// The report id.
        id: String,
    },
    /// Send every parked entry again.
    RetryFailed,
    /// Forget delivered entries now (they are pruned after `keep_done_hours` anyway).
    ClearCompleted,
    /// Drop an entry: its report is NOT sent. Needs --yes.
    Drop {
        /// The report id.
        id: String,
        /// Confirm that the report is to be dropped.
        #[arg(long)]
        yes: bool,
    },
}

/// `queue …`: through the running station when there is one (so it acts at once), else on
/// the queue file directly.
pub fn queue(instance_name: &str, args: QueueArgs) -> anyhow::Result<()> {
    let instance = Instance::resolve(instance_name)?;
    let running = Station::find(&instance)?;
    let queue = station::open_queue(&instance)?;
    match args.command {
        QueueCommand::Status => {
            let s = queue.stats()?;
            println!(
                "pending {}\nuploading {}\nparked {}\ndone {}\nundelivered bytes {}",
                s.pending, s.uploading, s.parked, s.done, s.bytes
            );
        }
        QueueCommand::List { state, limit, json } => {
            let states = match state.as_deref() {
                Some(s) => vec![s
                    .parse::<State>()
                    .map_err(|_| anyhow::anyhow!("unknown state {s:?}"))?],
                None => vec![State::Pending, State::Uploading, State::Parked],
            };
            let mut all = Vec::new();
            for s in states {
                all.extend(queue.list(Some(s), limit)?);
            }
            if json {
                let list: Vec<Value> = all.iter().map(entry_json).collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for e in &all {
                    let err = e
                        .last_error
                        .as_ref()
                        .map(|l| format!("  [{}] {}", l.kind, l.text.lines().next().unwrap_or("")))
                        .unwrap_or_default();
                    let src = e
                        .source
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default();
                    println!(
                        "{}  {:<9} attempts {}  {src}{err}",
                        e.id, e.state, e.attempts
                    );
                }
                if all.is_empty() {
                    println!("(no entries)");
                }
            }
        }
        QueueCommand::Retry { id } => {
            let id = station::parse_id(&id)?;
            let n = match &running {
                Some(st) => st.call(reqwest::Method::POST, &format!("/queue/{id}/retry"))?
                    ["retried"]
                    .as_u64()
                    .unwrap_or(0),
                None => queue.retry_parked(Which::One(id))?,
            };
            if n == 0 {
                bail!("no parked entry {id}");
            }
            println!("{id} will be sent again");
        }
        QueueCommand::RetryFailed => {
            let n = match &running {
                Some(st) => st.call(reqwest::Method::POST, "/queue/retry-parked")?["retried"]
                    .as_u64()
                    .unwrap_or(0),
                None => queue.retry_parked(Which::All)?,
            };
            println!("{n} parked entries will be sent again");
        }
        QueueCommand::ClearCompleted => {
            let n = queue.prune_done(std::time::SystemTime::now() + Duration::from_secs(1))?;
            println!("{n} delivered entries forgotten");
        }
        QueueCommand::Drop { id, yes } => {
            let id = station::parse_id(&id)?;
            if !yes {
                bail!("dropping {id} loses its report; repeat with --yes to confirm");
            }
            match &running {
                Some(st) => {
                    st.call(reqwest::Method::DELETE, &format!("/queue/{id}"))?;
                }
                None => queue.drop_entry(id)?,
            }
            println!("{id} dropped");
        }
    }
    Ok(())
}

/// Seconds since the Unix epoch, now.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
