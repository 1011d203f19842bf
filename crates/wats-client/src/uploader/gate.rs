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
//! - A probe that gets any answer but 502/503/504 (and 401/403) lets **one** upload through
//!   (the trial): the version endpoint answering does not prove that reports go through (a
//!   gateway timing out on one large report, a token without report rights). The trial's
//!   success **opens** the gate, and the backlog drains at full concurrency, oldest first. A
//!   failed trial closes it again on the same growing backoff, and its report is retried on a
//!   backoff of its own, so one report the server never takes cannot hold up the others or
//!   make the gate flap.
//! - A gate that closes again within `reconnect_max` of opening continues the last outage's
//!   backoff instead of starting over.
//!
//! ## Probe timing, and why a fleet does not come back in one second
//!
//! After the `n`-th failed probe of an outage (n = 0 for the one that closed the gate) the next
//! probe waits a draw from `[c/2, c]` with `c = min(reconnect_max, reconnect_min · 2ⁿ)`
//! ("equal jitter"). With the defaults (1 s, 30 s) the waits are ~1, 2, 4, 8, 16, then 15–30 s:
//! a 60 s outage costs about 8 probes, an hour about 150, all at DEBUG.
//!
//! Once waits reach the cap, each station waits 15–30 s between probes, independently of the
//! others, so when the server returns, the first successful probes of `N` stations are spread
//! over up to `reconnect_max`. The time from the return to a station's next probe has density
//! P(wait > t) / E[wait] (E = 22.5 s): for 100 stations, about 100 / 22.5 ≈ 4.4 a second
//! over the first 15 s, tapering to none at 30 s; the busiest second sees about 10 (the tail
//! of a Poisson law with mean 4.4) instead of all 100 in the first second. The price is the
//! detection delay: at most `reconnect_max` after the server's return.
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
    /// The periodic summary of an outage in progress (`probes`: sent during it).
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

    /// The level [`log`](Self::log) writes the notice at.
    pub fn level(&self) -> tracing::Level {
        match self {
            Notice::Closed {
                why: Closed::Unreachable,
                ..
            }
            | Notice::StillClosed { .. } => tracing::Level::WARN,
            Notice::Closed {
                why: Closed::TokenRefused,
                ..
            } => tracing::Level::ERROR,
            Notice::Reopened { .. } => tracing::Level::INFO,
            Notice::ProbeFailed { .. } => tracing::Level::DEBUG,
        }
    }

    /// Writes the notice's log line, at [`level`](Self::level).
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
    /// Failed probes (and trials) since the gate closed (or its reason last changed).
    failures: u32,
    next_probe: Instant,
    next_summary: Instant,
    last_error: String,
    /// A probe went through: one upload may test the way (see the module doc).
    trial: bool,
    /// Probes sent before this outage (for its summary).
    probes_before: u64,
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
    /// When the gate last opened, and the failures of the outage before.
    reopened: Option<(Instant, u32)>,
    /// The operator asked for a probe while one was in flight: the next one comes at once.
    resume_pending: bool,
}

/// What the status shows of the gate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateView {
    /// `None` while open.
    pub closed: Option<Closed>,
    /// When it closed (for an open gate: `None`).
    pub since: Option<Instant>,
    /// A probe went through and one upload tests the way.
    pub trial: bool,
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
    /// An open gate. Settings out of range are brought into it (10 ms to a day; summaries at
    /// least a second apart): a zero would probe in a tight loop, a huge one overflow.
    pub fn new(settings: GateSettings) -> Gate {
        const DAY: Duration = Duration::from_secs(86_400);
        let bound = |d: Duration, min: Duration| d.clamp(min, DAY);
        let reconnect_min = bound(settings.reconnect_min, Duration::from_millis(10));
        let settings = GateSettings {
            reconnect_min,
            reconnect_max: bound(settings.reconnect_max, reconnect_min),
            auth_probe_interval: bound(settings.auth_probe_interval, Duration::from_millis(10)),
            summary_every: bound(settings.summary_every, Duration::from_secs(1)),
        };
        Gate {
            settings,
            outage: None,
            probes: 0,
            reconnects: 0,
            offline_before: Duration::ZERO,
            offline_since: None,
            reopened: None,
            resume_pending: false,
        }
    }

    /// Reports may be sent at full concurrency.
    pub fn is_open(&self) -> bool {
        self.outage.is_none()
    }

    /// A probe went through and one upload may test the way.
    pub fn in_trial(&self) -> bool {
        self.outage.as_ref().is_some_and(|o| o.trial)
    }

    /// How many uploads may start now, with `in_flight` running.
    pub fn room(&self, concurrency: usize, in_flight: usize) -> usize {
        match &self.outage {
            None => concurrency.saturating_sub(in_flight),
            Some(o) if o.trial => usize::from(in_flight == 0),
            Some(_) => 0,
        }
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
    /// is closed; another failure of the same kind only updates the error, except that a
    /// failed trial pushes the next probe back as a failed probe does.
    pub fn close(&mut self, now: Instant, why: Closed, error: String) -> Option<Notice> {
        if let Some(o) = &self.outage {
            if o.why == why {
                if o.trial {
                    return self.probe_failed(now, why, error);
                }
                self.outage.as_mut()?.last_error = error;
                return None;
            }
        }
        let failures = match (&self.outage, self.reopened) {
            // Closed again soon after it opened: that outage goes on.
            (None, Some((at, failures)))
                if why == Closed::Unreachable
                    && now.saturating_duration_since(at) < self.settings.reconnect_max =>
            {
                failures + 1
            }
            _ => 0,
        };
        let next_probe = now + self.probe_delay(why, failures);
        let summary_every = self.settings.summary_every;
        let probes_before = self.probes;
        match &mut self.outage {
            // The reason changed (the server came back refusing the token, or went away
            // again): a fresh schedule, the outage's start kept.
            Some(o) => {
                o.why = why;
                o.failures = 0;
                o.next_probe = next_probe;
                o.last_error = error.clone();
                o.trial = false;
            }
            None => {
                self.outage = Some(Outage {
                    why,
                    since: now,
                    failures,
                    next_probe,
                    next_summary: now + summary_every,
                    last_error: error.clone(),
                    trial: false,
                    probes_before,
                })
            }
        }
        self.set_offline(now, why == Closed::Unreachable);
        Some(Notice::Closed { why, error })
    }

    /// A report went through (or the server answered about one during a trial): the gate
    /// opens.
    pub fn open(&mut self, now: Instant) -> Option<Notice> {
        let outage = self.outage.take()?;
        self.set_offline(now, false);
        self.reconnects += 1;
        self.reopened = Some((now, outage.failures));
        Some(Notice::Reopened {
            why: outage.why,
            away: now.saturating_duration_since(outage.since),
        })
    }

    /// The probe got an answer: one upload tests the way ([`room`](Self::room) is 1).
    pub fn probe_answered(&mut self) {
        if let Some(o) = &mut self.outage {
            o.trial = true;
        }
    }

    /// A probe should start now (the caller runs one at a time).
    pub fn probe_due(&self, now: Instant) -> bool {
        self.outage
            .as_ref()
            .is_some_and(|o| !o.trial && now >= o.next_probe)
    }

    /// Counts a probe sent.
    pub fn probe_started(&mut self) {
        self.probes += 1;
        self.resume_pending = false;
    }

    /// A probe (or the trial upload) failed with `why`. Says nothing if the gate opened
    /// meanwhile (an upload in flight went through).
    pub fn probe_failed(&mut self, now: Instant, why: Closed, error: String) -> Option<Notice> {
        match &self.outage {
            None => return None,
            Some(o) if o.why == why => {}
            Some(_) => return self.close(now, why, error),
        }
        let failures = self.outage.as_ref().map_or(0, |o| o.failures + 1);
        let next_in = if std::mem::take(&mut self.resume_pending) {
            Duration::ZERO
        } else {
            self.probe_delay(why, failures)
        };
        let o = self.outage.as_mut()?;
        o.failures = failures;
        o.next_probe = now + next_in;
        o.last_error = error.clone();
        o.trial = false;
        Some(Notice::ProbeFailed {
            why,
            error,
            next_in,
        })
    }

    /// Probe at once (the operator fixed the token and resumed); if a probe is in flight,
    /// the next one comes at once after it.
    pub fn resume(&mut self, now: Instant) {
        if let Some(o) = &mut self.outage {
            o.next_probe = now;
            self.resume_pending = true;
        }
    }

    /// The summary due at `now`, if one is (then the next is scheduled).
    pub fn summary(&mut self, now: Instant) -> Option<Notice> {
        let probes = self.probes;
        let every = self.settings.summary_every.max(Duration::from_secs(1));
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
            probes: probes - o.probes_before,
            error: o.last_error.clone(),
        })
    }

    /// When the gate next needs attention without an event: a probe (unless one is in
    /// flight) or a summary.
    pub fn next_wake(&self, probe_in_flight: bool) -> Option<Instant> {
        self.outage.as_ref().map(|o| {
            if probe_in_flight || o.trial {
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
            trial: self.in_trial(),
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
