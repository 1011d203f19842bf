//! Circuit breaker: stop sending to a server that keeps failing, probe it after a cool-down.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Circuit-breaker settings.
///
/// Closed (normal) → **open** after `failure_threshold` consecutive failed requests: every
/// call then fails at once with [`Error::CircuitOpen`](crate::Error::CircuitOpen) → after
/// `cool_down`, **half-open**: one probe request is let through; its success closes the
/// breaker, its failure opens it again for another `cool_down`.
///
/// A failure is a request that ended (after its retries) in a connection error, a timeout or
/// a 5xx response. 4xx responses are the server working correctly and count as successes;
/// 429 counts as neither.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakerConfig {
    /// Consecutive failures that open the breaker.
    pub failure_threshold: u32,
    /// How long the breaker stays open before a probe.
    pub cool_down: Duration,
}

impl Default for BreakerConfig {
    /// pyWATS's defaults: 5 failures, 60 s.
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: 5,
            cool_down: Duration::from_secs(60),
        }
    }
}

/// The breaker's state, as reported by [`Wats::breaker_state`](crate::Wats::breaker_state).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Requests flow; counting consecutive failures.
    Closed,
    /// Requests are refused until the cool-down ends.
    Open,
    /// One probe request decides.
    HalfOpen,
}

#[derive(Debug)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { probing: bool },
}

#[derive(Debug)]
pub(crate) struct Breaker {
    config: BreakerConfig,
    state: Mutex<State>,
}

/// How a request ended, for the breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Success,
    Failure,
    Neutral,
}

/// Permission to send one request. Dropping it unrecorded (a cancelled call) frees the probe.
pub(crate) struct Permit<'a> {
    breaker: &'a Breaker,
    probe: bool,
    recorded: bool,
}

impl Breaker {
    pub(crate) fn new(config: BreakerConfig) -> Self {
        Breaker {
            config: BreakerConfig {
                failure_threshold: config.failure_threshold.max(1),
                ..config
            },
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    pub(crate) fn state(&self) -> BreakerState {
        match *self.state.lock().unwrap() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if Instant::now() >= until => BreakerState::HalfOpen,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// A permit to send, or the time until one may be given.
    pub(crate) fn permit(&self) -> Result<Permit<'_>, Duration> {
        let mut state = self.state.lock().unwrap();
        let now = Instant::now();
        let probe = match *state {
            State::Closed { .. } => false,
            State::Open { until } if now < until => return Err(until - now),
            State::Open { .. } | State::HalfOpen { probing: false } => {
                *state = State::HalfOpen { probing: true };
                true
            }
            State::HalfOpen { probing: true } => return Err(Duration::ZERO),
        };
        Ok(Permit {
            breaker: self,
            probe,
            recorded: false,
        })
    }

    fn record(&self, probe: bool, verdict: Verdict) {
        let mut state = self.state.lock().unwrap();
        let open = || State::Open {
            until: Instant::now() + self.config.cool_down,
        };
        *state = match (&*state, verdict) {
            (_, Verdict::Neutral) if probe => State::HalfOpen { probing: false },
            (State::HalfOpen { .. }, Verdict::Success) if probe => State::Closed { failures: 0 },
            (State::HalfOpen { .. }, Verdict::Failure) if probe => open(),
            (State::Closed { failures }, Verdict::Failure) => {
                let failures = failures + 1;
                if failures >= self.config.failure_threshold {
                    tracing::warn!(failures, "circuit breaker opened");
                    open()
                } else {
                    State::Closed { failures }
                }
            }
            (State::Closed { .. }, Verdict::Success) => State::Closed { failures: 0 },
            // Late results of requests sent before the state changed do not move it.
            _ => return,
        };
    }
}

impl Permit<'_> {
    pub(crate) fn record(mut self, verdict: Verdict) {
        self.recorded = true;
        self.breaker.record(self.probe, verdict);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.recorded {
            self.breaker.record(self.probe, Verdict::Neutral);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> Breaker {
        Breaker::new(BreakerConfig {
            failure_threshold: 3,
            cool_down: Duration::from_secs(30),
        })
    }

    fn fail(b: &Breaker) {
        b.permit().unwrap().record(Verdict::Failure);
    }

    #[tokio::test(start_paused = true)]
    async fn opens_after_consecutive_failures_only() {
        let b = breaker();
        fail(&b);
        fail(&b);
        b.permit().unwrap().record(Verdict::Success);
        fail(&b);
        fail(&b);
        assert_eq!(b.state(), BreakerState::Closed);
        fail(&b);
        assert_eq!(b.state(), BreakerState::Open);
        let wait = b.permit().err().unwrap();
        assert_eq!(wait, Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn half_open_probe_closes_or_reopens() {
        let b = breaker();
        (0..3).for_each(|_| fail(&b));
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(b.state(), BreakerState::HalfOpen);
        let probe = b.permit().unwrap();
        // Only one probe at a time.
        assert!(b.permit().is_err());
        probe.record(Verdict::Failure);
        assert_eq!(b.state(), BreakerState::Open);
        tokio::time::advance(Duration::from_secs(30)).await;
        b.permit().unwrap().record(Verdict::Success);
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.permit().is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_probe_frees_the_slot() {
        let b = breaker();
        (0..3).for_each(|_| fail(&b));
        tokio::time::advance(Duration::from_secs(31)).await;
        drop(b.permit().unwrap());
        assert_eq!(b.state(), BreakerState::HalfOpen);
        assert!(b.permit().is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn neutral_results_do_not_count() {
        let b = breaker();
        fail(&b);
        fail(&b);
        b.permit().unwrap().record(Verdict::Neutral);
        fail(&b);
        assert_eq!(b.state(), BreakerState::Open);
    }
}
