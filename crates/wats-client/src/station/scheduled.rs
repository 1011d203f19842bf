//! Scheduled converters: a program run on a timer whose printed reports go to the queue (no
//! watch folder, no file to move).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;
use wats_convert::external::ExternalConverter;
use wats_convert::Context;
use wats_report::Validator;

use crate::config::{Config, ConverterConfig};
use crate::control::Exit;
use crate::intake::{self, Ids};
use crate::metrics::Metrics;
use crate::queue::Queue;

/// A scheduled converter: a program run every `schedule_interval_seconds` (and at start when
/// `run_on_startup`), whose printed reports are queued.
pub(super) struct ScheduledJob {
    name: String,
    converter: ExternalConverter,
    context: Context,
    validator: Validator,
    interval: Duration,
    run_on_startup: bool,
}

pub(super) fn scheduled_job(c: &ConverterConfig, config: &Config) -> anyhow::Result<ScheduledJob> {
    let spec = serde_json::to_value(c)?;
    let converter = ExternalConverter::from_config(&spec)
        .map_err(|e| anyhow::anyhow!("scheduled converter {:?}: {e}", c.name))?;
    let seconds = c
        .extra
        .get("schedule_interval_seconds")
        .and_then(Value::as_f64)
        .filter(|s| *s >= 1.0)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "scheduled converter {:?}: schedule_interval_seconds (at least 1) is required",
                c.name
            )
        })?;
    Ok(ScheduledJob {
        name: c.name.clone(),
        converter,
        context: crate::intake::context(c.arguments.clone(), Some(config)),
        validator: intake::Rules::for_config(Some(config)).validator(),
        interval: Duration::from_secs_f64(seconds),
        run_on_startup: c
            .extra
            .get("run_on_startup")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// Runs the scheduled converters until the station stops; one run of a job at a time.
pub(super) async fn run_scheduled(
    jobs: Vec<ScheduledJob>,
    queue: Arc<Queue>,
    metrics: Arc<Metrics>,
    mut exit: watch::Receiver<Option<Exit>>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    for job in jobs {
        let (queue, metrics) = (queue.clone(), metrics.clone());
        let job = Arc::new(job);
        tasks.spawn(async move {
            let start = if job.run_on_startup {
                tokio::time::Instant::now()
            } else {
                tokio::time::Instant::now() + job.interval
            };
            let mut ticks = tokio::time::interval_at(start, job.interval);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                ticks.tick().await;
                let (job, queue, metrics) = (job.clone(), queue.clone(), metrics.clone());
                let _ = tokio::task::spawn_blocking(move || run_job(&job, &queue, &metrics)).await;
            }
        });
    }
    let _ = exit.changed().await;
    tasks.abort_all();
}

fn run_job(job: &ScheduledJob, queue: &Queue, metrics: &Metrics) {
    let mut reports = match job.converter.run(None, &job.context) {
        Ok(r) => r,
        Err(e) => {
            metrics.files_failed.fetch_add(1, Ordering::Relaxed);
            tracing::error!(converter = %job.name, error = %e, "scheduled converter failed");
            return;
        }
    };
    if let Err(problems) =
        intake::prepare(&mut reports, Ids::FromContent, &job.context, &job.validator)
    {
        metrics.files_failed.fetch_add(1, Ordering::Relaxed);
        tracing::error!(converter = %job.name, error = %problems.join("; "), "scheduled converter printed an invalid report; nothing queued");
        return;
    }
    for report in &reports {
        match queue.enqueue(report, None) {
            Ok(_) => {
                metrics.reports_queued.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::error!(converter = %job.name, error = %e, "cannot queue a scheduled report")
            }
        }
    }
}
