//! Retry: which failures are tried again, and how long to wait before each new attempt.

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

/// How failed requests are retried.
///
/// A request is retried when it failed transiently (connection error, timeout, or a 429, 500,
/// 502, 503 or 504 response) and repeating it cannot do harm: `GET`, `HEAD`, `PUT` and
/// `DELETE`, report submission (a report is idempotent by its client-minted id), and any
/// request whose connection could not even be opened or that the server refused with 429.
///
/// The wait before retry *n* (counting from 0) is drawn uniformly from
/// `[0, min(max_delay, base_delay · 2ⁿ))` ("full jitter"). A `Retry-After` header (seconds or
/// an HTTP date) replaces that wait; if it asks for longer than `max_delay`, the SDK does not
/// retry early but returns the error, whose `retry_after` tells the caller when to come back.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryConfig {
    /// Attempts in total, the first one included (1 disables retrying).
    pub max_attempts: u32,
    /// Upper bound of the first wait.
    pub base_delay: Duration,
    /// Cap of every wait, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryConfig {
    /// pyWATS's defaults: 3 attempts, 1 s base, 30 s cap.
    fn default() -> Self {
        RetryConfig {
            max_attempts: 3,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// What happened on one attempt, as far as retrying is concerned.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Attempt {
    /// A response arrived.
    Status(StatusCode, Option<Duration>),
    /// The connection could not be opened: nothing reached the server.
    ConnectFailed,
    /// The request may have reached the server (connection dropped, timeout).
    Broken,
}

/// Statuses worth trying again.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 500 | 502 | 503 | 504)
}

impl RetryConfig {
    /// No retries.
    pub fn disabled() -> Self {
        RetryConfig {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before the next attempt, or `None` to stop. `attempts` is how many were made.
    pub(crate) fn next_delay(
        &self,
        attempts: u32,
        outcome: Attempt,
        idempotent: bool,
    ) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let retry_after = match outcome {
            // 429 means "not processed": safe to repeat for any method.
            Attempt::Status(status, retry_after)
                if is_retryable_status(status)
                    && (idempotent || status == StatusCode::TOO_MANY_REQUESTS) =>
            {
                retry_after
            }
            Attempt::Status(..) => return None,
            // Nothing reached the server.
            Attempt::ConnectFailed => None,
            // It may have been processed: only repeat what is safe to repeat.
            Attempt::Broken if idempotent => None,
            Attempt::Broken => return None,
        };
        match retry_after {
            Some(wait) if wait > self.max_delay => None,
            Some(wait) => Some(wait),
            None => Some(self.backoff(attempts - 1)),
        }
    }

    /// Full-jitter exponential backoff for retry number `retry` (from 0).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(31)))
            .min(self.max_delay);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// Reads `Retry-After` as seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> RetryConfig {
        RetryConfig {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(250),
        }
    }

    #[test]
    fn backoff_is_full_jitter_under_a_cap() {
        let c = cfg();
        for _ in 0..1000 {
            assert!(c.backoff(0) < Duration::from_millis(100));
            assert!(c.backoff(1) < Duration::from_millis(200));
            assert!(c.backoff(5) < Duration::from_millis(250));
            assert!(c.backoff(100) <= Duration::from_millis(250));
        }
        // Full jitter spreads over the whole range, not just the top.
        let small = (0..1000)
            .filter(|_| c.backoff(1) < Duration::from_millis(50))
            .count();
        assert!(small > 100, "{small}");
    }

    #[test]
    fn which_outcomes_retry() {
        let c = cfg();
        let st = |s: u16| Attempt::Status(StatusCode::from_u16(s).unwrap(), None);
        for s in [429, 500, 502, 503, 504] {
            assert!(c.next_delay(1, st(s), true).is_some(), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 501, 505] {
            assert!(c.next_delay(1, st(s), true).is_none(), "{s}");
        }
        // Not idempotent: only "never arrived" and 429 are retried.
        assert!(c.next_delay(1, st(503), false).is_none());
        assert!(c.next_delay(1, st(429), false).is_some());
        assert!(c.next_delay(1, Attempt::ConnectFailed, false).is_some());
        assert!(c.next_delay(1, Attempt::Broken, false).is_none());
        assert!(c.next_delay(1, Attempt::Broken, true).is_some());
        // Attempts run out.
        assert!(c.next_delay(4, st(503), true).is_none());
        assert!(RetryConfig::disabled()
            .next_delay(1, st(503), true)
            .is_none());
    }

    #[test]
    fn retry_after_replaces_backoff_but_never_beyond_the_cap() {
        let c = cfg();
        let ra = |ms| {
            Attempt::Status(
                StatusCode::SERVICE_UNAVAILABLE,
                Some(Duration::from_millis(ms)),
            )
        };
        assert_eq!(
            c.next_delay(1, ra(200), true),
            Some(Duration::from_millis(200))
        );
        assert_eq!(c.next_delay(1, ra(251), true), None);
    }

    #[test]
    fn parses_retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(120);
        h.insert(RETRY_AFTER, httpdate::fmt_http_date(later).parse().unwrap());
        let d = retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(100) && d <= Duration::from_secs(120),
            "{d:?}"
        );
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
