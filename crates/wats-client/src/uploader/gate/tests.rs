//! The gate over simulated time: its probe schedule, its log, a fleet's return.

use std::collections::HashMap;

use tracing::Level;

use super::*;

fn defaults() -> GateSettings {
    GateSettings {
        reconnect_min: Duration::from_secs(1),
        reconnect_max: Duration::from_secs(30),
        auth_probe_interval: Duration::from_secs(300),
        summary_every: Duration::from_secs(600),
    }
}

/// Log lines by level. Counted from [`Notice::level`], not through a tracing subscriber:
/// a scoped subscriber misses events when another test thread registers the same callsite
/// first (tracing caches a callsite's interest process-wide), which made this test flaky.
#[derive(Default)]
struct Lines(HashMap<Level, usize>);

impl Lines {
    fn log(&mut self, n: &Notice, backlog: Option<Backlog>) {
        *self.0.entry(n.level()).or_default() += 1;
        n.log(backlog);
    }

    fn get(&self, level: Level) -> usize {
        self.0.get(&level).copied().unwrap_or(0)
    }
}

/// Drives `gate` from `from` to `until` as the uploader does while the server stays away:
/// a probe whenever one is due (failing with `why`), a summary whenever one is due, every
/// notice logged. Returns the instants probes were sent.
fn outage(
    gate: &mut Gate,
    lines: &mut Lines,
    from: Instant,
    until: Instant,
    why: Closed,
) -> Vec<Instant> {
    let mut probes = Vec::new();
    let mut now = from;
    while let Some(wake) = gate.next_wake(false) {
        now = now.max(wake);
        if now >= until {
            break;
        }
        if let Some(n) = gate.summary(now) {
            lines.log(&n, Some(Backlog::default()));
        }
        if gate.probe_due(now) {
            gate.probe_started();
            probes.push(now);
            if let Some(n) = gate.probe_failed(now, why, "connection refused".into()) {
                lines.log(&n, None);
            }
        }
    }
    probes
}

#[test]
fn an_hour_of_outage_is_seven_lines_at_info_and_a_probe_every_15_to_30_s() {
    let mut lines = Lines::default();
    let mut gate = Gate::new(defaults());
    let t0 = Instant::now();
    // Five uploads in flight fail at once: one line.
    for _ in 0..5 {
        if let Some(n) = gate.close(t0, Closed::Unreachable, "connection refused".into()) {
            lines.log(&n, Some(Backlog::default()));
        }
    }
    let hour = t0 + Duration::from_secs(3600);
    let probes = outage(&mut gate, &mut lines, t0, hour, Closed::Unreachable);
    let back = gate.open(hour).expect("reopened");
    assert_eq!(
        back,
        Notice::Reopened {
            why: Closed::Unreachable,
            away: Duration::from_secs(3600)
        }
    );
    lines.log(&back, Some(Backlog::default()));
    let view = gate.view();
    assert_eq!(view.reconnects, 1);
    assert_eq!(view.offline_before, Duration::from_secs(3600));
    assert_eq!(view.probes, probes.len() as u64);
    // WARN when it went away, five summaries (10…50 min), INFO when it is back.
    assert_eq!(lines.get(Level::WARN), 6);
    assert_eq!(lines.get(Level::INFO), 1);
    assert_eq!(lines.get(Level::ERROR), 0);
    // A DEBUG line per probe; ~8 probes reach the cap, then one every 15–30 s.
    assert_eq!(lines.get(Level::DEBUG), probes.len());
    assert!(
        (3600 / 30..=3600 / 15 + 10).contains(&probes.len()),
        "{} probes in an hour",
        probes.len()
    );
    let gaps: Vec<Duration> = probes.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[0] <= Duration::from_secs(2), "backoff starts small");
    assert!(gaps.iter().all(|g| *g <= Duration::from_secs(30)));
    assert!(gaps[10..].iter().all(|g| *g >= Duration::from_secs(15)));
}

#[test]
fn the_first_probe_comes_within_a_second_and_waits_double_to_the_cap() {
    let mut gate = Gate::new(defaults());
    let t0 = Instant::now();
    gate.close(t0, Closed::Unreachable, "x".into()).unwrap();
    let first = gate.next_wake(false).unwrap() - t0;
    assert!(first >= Duration::from_millis(500) && first <= Duration::from_secs(1));
    let mut now;
    let mut waits = Vec::new();
    for _ in 0..10 {
        now = gate.next_wake(false).unwrap();
        gate.probe_failed(now, Closed::Unreachable, "x".into());
        waits.push(gate.next_wake(false).unwrap() - now);
    }
    for (i, w) in waits.iter().enumerate() {
        let ceiling = Duration::from_secs(2u64 << i).min(Duration::from_secs(30));
        assert!(*w >= ceiling / 2 && *w <= ceiling, "wait {i}: {w:?}");
    }
}

#[test]
fn a_fleet_returning_together_is_spread_over_the_cap() {
    // 100 stations lost the server at different moments of the last hour; it returns at `back`.
    let t0 = Instant::now();
    let back = t0 + Duration::from_secs(3600);
    let mut per_second: HashMap<u64, usize> = HashMap::new();
    for _ in 0..100 {
        let mut gate = Gate::new(defaults());
        let lost = t0 + Duration::from_millis(fastrand::u64(0..600_000));
        gate.close(lost, Closed::Unreachable, "x".into());
        outage(
            &mut gate,
            &mut Lines::default(),
            lost,
            back,
            Closed::Unreachable,
        );
        // Its first probe after the return succeeds.
        let first = gate.next_wake(false).unwrap();
        let first = if gate.probe_due(first) { first } else { back };
        let after = first.saturating_duration_since(back);
        assert!(after <= Duration::from_secs(30), "{after:?}");
        *per_second.entry(after.as_secs()).or_default() += 1;
    }
    let busiest = per_second.values().max().copied().unwrap();
    assert!(busiest <= 20, "{busiest} stations in one second");
    assert!(
        per_second.len() >= 15,
        "spread over {} seconds",
        per_second.len()
    );
}

#[test]
fn a_refused_token_is_its_own_closed_state_probed_at_the_auth_interval() {
    let mut gate = Gate::new(defaults());
    let t0 = Instant::now();
    gate.close(t0, Closed::Unreachable, "refused".into());
    let t1 = t0 + Duration::from_secs(60);
    // The server is back, refusing the token: one notice, the outage's start kept.
    let n = gate.probe_failed(t1, Closed::TokenRefused, "401".into());
    assert_eq!(
        n,
        Some(Notice::Closed {
            why: Closed::TokenRefused,
            error: "401".into()
        })
    );
    let view = gate.view();
    assert_eq!(view.closed, Some(Closed::TokenRefused));
    assert_eq!(view.since, Some(t0));
    assert_eq!(view.offline_before, Duration::from_secs(60));
    assert_eq!(view.offline_since, None);
    let wait = gate.next_wake(false).unwrap() - t1;
    assert!(wait >= Duration::from_secs(150) && wait <= Duration::from_secs(300));
    // Another refusal: DEBUG, same schedule length.
    let n = gate.probe_failed(t1, Closed::TokenRefused, "401".into());
    assert!(matches!(n, Some(Notice::ProbeFailed { .. })));
    // The operator fixed the token: probe now.
    gate.resume(t1);
    assert!(gate.probe_due(t1));
    assert!(matches!(gate.open(t1), Some(Notice::Reopened { .. })));
    assert!(gate.is_open());
    assert_eq!(gate.open(t1), None, "opening an open gate says nothing");
}

#[test]
fn a_probe_answer_lets_one_upload_test_the_way_and_a_failed_trial_backs_off() {
    let mut gate = Gate::new(defaults());
    let t0 = Instant::now();
    gate.close(t0, Closed::Unreachable, "refused".into());
    assert_eq!(gate.room(5, 0), 0);
    gate.probe_started();
    gate.probe_answered();
    assert!(gate.in_trial() && !gate.is_open());
    assert_eq!((gate.room(5, 0), gate.room(5, 1)), (1, 0));
    assert!(
        !gate.probe_due(t0 + Duration::from_secs(3600)),
        "no probe during a trial"
    );
    // The trial upload times out: closed again, the backoff goes on growing (2nd wait: 1–2 s).
    let t1 = t0 + Duration::from_secs(1);
    let n = gate.close(t1, Closed::Unreachable, "timed out".into());
    assert!(matches!(n, Some(Notice::ProbeFailed { .. })), "{n:?}");
    assert!(!gate.in_trial());
    let wait = gate.next_wake(false).unwrap() - t1;
    assert!(wait >= Duration::from_secs(1) && wait <= Duration::from_secs(2));
    // The next trial goes through.
    gate.probe_answered();
    assert!(matches!(
        gate.open(t1 + Duration::from_secs(2)),
        Some(Notice::Reopened { .. })
    ));
    assert_eq!(gate.room(5, 2), 3);
}

#[test]
fn closing_again_soon_after_opening_continues_the_backoff() {
    let mut gate = Gate::new(defaults());
    let t0 = Instant::now();
    gate.close(t0, Closed::Unreachable, "x".into());
    let mut now = t0;
    for _ in 0..6 {
        now = gate.next_wake(false).unwrap();
        gate.probe_failed(now, Closed::Unreachable, "x".into());
    }
    gate.open(now);
    // Within reconnect_max of opening: the 7th wait (at the cap), not the first.
    let soon = now + Duration::from_secs(5);
    gate.close(soon, Closed::Unreachable, "x".into());
    assert!(gate.next_wake(false).unwrap() - soon >= Duration::from_secs(15));
    // Long after opening: a fresh outage starts small.
    let later = soon + Duration::from_secs(10);
    gate.open(later);
    let much_later = later + Duration::from_secs(600);
    gate.close(much_later, Closed::Unreachable, "x".into());
    assert!(gate.next_wake(false).unwrap() - much_later <= Duration::from_secs(1));
}

#[test]
fn a_late_probe_failure_does_not_close_an_open_gate_and_resume_waits_for_the_probe() {
    let mut gate = Gate::new(defaults());
    let t0 = Instant::now();
    gate.close(t0, Closed::TokenRefused, "401".into());
    gate.probe_started();
    // The operator resumes while the probe is in flight; it fails: the next comes at once.
    gate.resume(t0);
    gate.probe_failed(t0, Closed::TokenRefused, "401".into());
    assert!(gate.probe_due(t0));
    gate.probe_started();
    // An upload in flight went through meanwhile: the late failure says nothing.
    gate.open(t0);
    assert_eq!(gate.probe_failed(t0, Closed::Unreachable, "x".into()), None);
    assert!(gate.is_open());
}

#[test]
fn settings_out_of_range_neither_spin_nor_overflow() {
    let mut gate = Gate::new(GateSettings {
        reconnect_min: Duration::ZERO,
        reconnect_max: Duration::ZERO,
        auth_probe_interval: Duration::MAX,
        summary_every: Duration::ZERO,
    });
    let t0 = Instant::now();
    gate.close(t0, Closed::Unreachable, "x".into());
    assert!(gate.next_wake(false).unwrap() - t0 >= Duration::from_millis(5));
    // Summaries at least a second apart, and computing one terminates.
    let t1 = t0 + Duration::from_secs(10);
    assert!(gate.summary(t1).is_some());
    assert!(gate.summary(t1).is_none());
    gate.probe_failed(t1, Closed::TokenRefused, "401".into());
    let wait = gate.next_wake(false).unwrap() - t1;
    assert!(wait <= Duration::from_secs(86_400));
}
