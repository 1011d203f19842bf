//! The connectivity gate: one per server, deciding whether queued reports may be sent.
//!
//! While the server is away, queued reports do not each retry on their own backoff (that was
//! ~12 connection attempts a second for 200 reports, and minutes to notice the server was
//! back). Instead:
//!
//! - A transport failure, a timeout or a 502/503/504 on any upload **closes** the gate; so does
//!   a refused token (401/403). The upload's entry goes back to pending with its attempt
//!   uncounted: the failure said nothing about the report.
//! - While closed, nothing is claimed. **One probe at a time** (`GET /api/App/Version` with the
//!   token, which separates "down" from "token refused") tests the server.
//! - The first success **opens** the gate, and the backlog drains at full concurrency, oldest
//!   first.
//!
//! ## Probe timing, and why a fleet does not come back in one second
//!
//! After the `n`-th failed probe of an outage (n = 0 for the one that closed the gate) the next
//! probe waits a draw from `[c/2, c]` with `c = min(reconnect_max, reconnect_min · 2ⁿ)`
//! ("equal jitter"). With the defaults (1 s, 30 s) the waits are ~1, 2, 4, 8, 16, then 15–30 s:
//! a 60 s outage costs about 8 probes, an hour about 150, all at DEBUG.
//!
//! Once waits reach the cap, each station probes at a time uniform over its last 15–30 s,
//! independently of the others, so when the server returns, the first successful probes of
//! `N` stations are spread over up to `reconnect_max`: for 100 stations and 30 s, on average
//! 100 / 30 ≈ 3.3 stations a second start draining, and the busiest second sees about 8
//! (the tail of a Poisson law with mean 3.3), instead of all 100 in the first second. The
//! price is the detection delay: at most `reconnect_max` after the server's return.
//!
//! A refused token is probed every `auth_probe_interval` (jittered the same way), or at once
//! when the operator resumes uploads after fixing it.
//!
//! ## What it logs
//!
//! One WARN when the server goes away (with the reason), one INFO when it is back (how long it
//! was away, the backlog), a DEBUG line per failed probe, and a WARN summary every
//! `summary_every` (10 min: backlog and its oldest entry's age) while it stays away: seven
//! lines at INFO for an hour's outage. The gate is a pure state machine over the instants it
//! is given, so its schedule and its log are tested over simulated hours.

use std::fmt;
use std::time::Duration;

use tokio::time::Instant;

/// Why the gate is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closed {
    /// No answer: transport failure, timeout, 502/503/504.
    Unreachable,
    /// The server answers but refuses the credentials (401/403).
    TokenRefused,
}

impl Closed {
    /// For people and for `/status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Closed::Unreachable => "server unreachable",
            Closed::TokenRefused => "token refused",
        }
    }
}

/// The gate's timing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GateSettings {
    /// The first probe's ceiling; doubles per failed probe.
    pub reconnect_min: Duration,
    /// The longest wait between two probes of an unreachable server.
    pub reconnect_max: Duration,
    /// The wait between two probes while the token is refused.
    pub auth_probe_interval: Duration,
    /// How often a WARN summary is logged while the gate stays closed.
    pub summary_every: Duration,
}

/// The backlog, for the log lines that mention it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Reports not yet delivered (pending and in flight; parked ones wait for people).
    pub reports: u64,
    /// Age of the oldest of them.
    pub oldest_age: Option<Duration>,
}

/// Something worth a log line, produced by a gate transition.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// The gate closed (or its reason changed).
    Closed { why: Closed, error: String },
    /// The gate opened again after `away`.
    Reopened { why: Closed, away: Duration },
    /// A probe failed; the next one is in `next_in`.
    ProbeFailed {
        why: Closed,
        error: String,
        next_in: Duration,
    },
    /// The periodic summary of an outage in progress.
    StillClosed {
        why: Closed,
        away: Duration,
        probes: u64,
        error: String,
    },
}

impl Notice {
    /// Whether [`log`](Self::log) shows the backlog (the caller then reads it from the queue).
    pub fn wants_backlog(&self) -> bool {
        !matches!(self, Notice::ProbeFailed { .. })
    }

    /// Writes the notice's log line.
    pub fn log(&self, backlog: Option<Backlog>) {
        let reports = backlog.map(|b| b.reports);
        let oldest = backlog.and_then(|b| b.oldest_age).map(Secs);
        match self {
            Notice::Closed {
                why: Closed::Unreachable,
                error,
            } => tracing::warn!(
                %error, backlog = reports,
                "the server is unreachable; reports wait in the queue until it answers (nothing is lost)"
            ),
            Notice::Closed {
                why: Closed::TokenRefused,
                error,
            } => tracing::error!(
                %error, backlog = reports,
                "the server refused the credentials; uploads wait until the token is fixed (nothing is lost)"
            ),
            Notice::Reopened { why, away } => tracing::info!(
                away = %Secs(*away), was = why.as_str(), backlog = reports,
                "the server answers again; delivering the backlog"
            ),
            Notice::ProbeFailed {
                why,
                error,
                next_in,
            } => tracing::debug!(
                %error, next_probe_in = %Secs(*next_in), "probe failed: {}", why.as_str()
            ),
            Notice::StillClosed {
                why,
                away,
                probes,
                error,
            } => tracing::warn!(
                away = %Secs(*away), backlog = reports, oldest = oldest.map(tracing::field::display),
                probes, last_error = %error, "uploads still waiting: {}", why.as_str()
            ),
        }
    }
}

/// A duration in whole seconds, for log fields.
struct Secs(Duration);

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}s", self.0.as_secs())
    }
}

/// An outage in progress.
#[derive(Clone, Debug)]
struct Outage {
    why: Closed,
    since: Instant,
    /// Failed probes since the gate closed (or its reason last changed).
    failures: u32,
    next_probe: Instant,
    next_summary: Instant,
    last_error: String,
}

/// The gate. See the module doc.
#[derive(Clone, Debug)]
pub struct Gate {
    settings: GateSettings,
    outage: Option<Outage>,
    probes: u64,
    reconnects: u64,
    /// Unreachable time of outages that ended.
    offline_before: Duration,
    /// Since when the server is unreachable (not counting a refused token).
    offline_since: Option<Instant>,
}

/// What the status shows of the gate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateView {
    /// `None` while open.
    pub closed: Option<Closed>,
    /// When it closed (for an open gate: `None`).
    pub since: Option<Instant>,
    /// The last failure that kept it closed.
    pub last_error: Option<String>,
    /// When the next probe is due, while closed.
    pub next_probe: Option<Instant>,
    /// Probes sent.
    pub probes: u64,
    /// Times it opened again.
    pub reconnects: u64,
    /// Unreachable time of outages that ended.
    pub offline_before: Duration,
    /// Since when the server is unreachable, during an outage.
    pub offline_since: Option<Instant>,
}

impl Gate {
    /// An open gate.
    pub fn new(settings: GateSettings) -> Gate {
        Gate {
            settings,
            outage: None,
            probes: 0,
            reconnects: 0,
            offline_before: Duration::ZERO,
            offline_since: None,
        }
    }

    /// Reports may be sent.
    pub fn is_open(&self) -> bool {
        self.outage.is_none()
    }

    /// Why it is closed, if it is.
    pub fn closed(&self) -> Option<Closed> {
        self.outage.as_ref().map(|o| o.why)
    }

    /// The wait before the next probe after `failures` failed ones.
    fn probe_delay(&self, why: Closed, failures: u32) -> Duration {
        let s = &self.settings;
        let ceiling = match why {
            Closed::Unreachable => s
                .reconnect_min
                .saturating_mul(1u32 << failures.min(30))
                .min(s.reconnect_max),
            Closed::TokenRefused => s.auth_probe_interval,
        };
        let ms = ceiling.as_millis().min(u64::MAX as u128) as u64;
        Duration::from_millis(fastrand::u64(ms / 2..=ms))
    }

    fn set_offline(&mut self, now: Instant, unreachable: bool) {
        match (self.offline_since, unreachable) {
            (None, true) => self.offline_since = Some(now),
            (Some(since), false) => {
                self.offline_before += now.saturating_duration_since(since);
                self.offline_since = None;
            }
            _ => {}
        }
    }

    /// An upload or a probe failed for the server's sake. Closes the gate, or changes why it
    /// is closed; another failure of the same kind only updates the error.
    pub fn close(&mut self, now: Instant, why: Closed, error: String) -> Option<Notice> {
        if let Some(o) = &mut self.outage {
            if o.why == why {
                o.last_error = error;
                return None;
            }
        }
        let next_probe = now + self.probe_delay(why, 0);
        let summary_every = self.settings.summary_every;
        match &mut self.outage {
            // The reason changed (the server came back refusing the token, or went away
            // again): a fresh schedule, the outage's start kept.
            Some(o) => {
                o.why = why;
                o.failures = 0;
                o.next_probe = next_probe;
                o.last_error = error.clone();
            }
            None => {
                self.outage = Some(Outage {
                    why,
                    since: now,
                    failures: 0,
                    next_probe,
                    next_summary: now + summary_every,
                    last_error: error.clone(),
                })
            }
        }
        self.set_offline(now, why == Closed::Unreachable);
        Some(Notice::Closed { why, error })
    }

    /// The server answered (a report delivered, or a probe went through).
    pub fn open(&mut self, now: Instant) -> Option<Notice> {
        let outage = self.outage.take()?;
        self.set_offline(now, false);
        self.reconnects += 1;
        Some(Notice::Reopened {
            why: outage.why,
            away: now.saturating_duration_since(outage.since),
        })
    }

    /// A probe should start now (the caller runs one at a time).
    pub fn probe_due(&self, now: Instant) -> bool {
        self.outage.as_ref().is_some_and(|o| now >= o.next_probe)
    }

    /// Counts a probe sent.
    pub fn probe_started(&mut self) {
        self.probes += 1;
    }

    /// A probe failed with `why`.
    pub fn probe_failed(&mut self, now: Instant, why: Closed, error: String) -> Option<Notice> {
        match &self.outage {
            Some(o) if o.why == why => {}
            _ => return self.close(now, why, error),
        }
        let failures = self.outage.as_ref().map_or(0, |o| o.failures + 1);
        let next_in = self.probe_delay(why, failures);
        let o = self.outage.as_mut()?;
        o.failures = failures;
        o.next_probe = now + next_in;
        o.last_error = error.clone();
        Some(Notice::ProbeFailed {
            why,
            error,
            next_in,
        })
    }

    /// Probe at once (the operator fixed the token and resumed).
    pub fn resume(&mut self, now: Instant) {
        if let Some(o) = &mut self.outage {
            o.next_probe = now;
        }
    }

    /// The summary due at `now`, if one is (then the next is scheduled).
    pub fn summary(&mut self, now: Instant) -> Option<Notice> {
        let probes = self.probes;
        let every = self.settings.summary_every;
        let o = self.outage.as_mut()?;
        if now < o.next_summary {
            return None;
        }
        while o.next_summary <= now {
            o.next_summary += every;
        }
        Some(Notice::StillClosed {
            why: o.why,
            away: now.saturating_duration_since(o.since),
            probes,
            error: o.last_error.clone(),
        })
    }

    /// When the gate next needs attention without an event: a probe (unless one is in
    /// flight) or a summary.
    pub fn next_wake(&self, probe_in_flight: bool) -> Option<Instant> {
        self.outage.as_ref().map(|o| {
            if probe_in_flight {
                o.next_summary
            } else {
                o.next_probe.min(o.next_summary)
            }
        })
    }

    /// What the status shows.
    pub fn view(&self) -> GateView {
        GateView {
            closed: self.closed(),
            since: self.outage.as_ref().map(|o| o.since),
            last_error: self.outage.as_ref().map(|o| o.last_error.clone()),
            next_probe: self.outage.as_ref().map(|o| o.next_probe),
            probes: self.probes,
            reconnects: self.reconnects,
            offline_before: self.offline_before,
            offline_since: self.offline_since,
        }
    }
}

#[cfg(test)]
mod tests;
