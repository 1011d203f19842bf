//! Client-side rate limit: at most `max_requests` HTTP attempts in any `window`.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// A client-side rate limit (default: 500 requests per 60 s, WATS's own limit as pyWATS
/// assumes it).
///
/// Every HTTP attempt, retries included, takes a slot. It is a sliding window, not a token
/// bucket: no `window` ever contains more than `max_requests` requests, even right after an
/// idle period. A caller over the limit waits asynchronously (the runtime keeps running other
/// tasks); waiters are served in arrival order.
#[derive(Clone, Debug, PartialEq)]
pub struct RateLimit {
    /// Requests allowed per window (at least 1).
    pub max_requests: u32,
    /// The window length.
    pub window: Duration,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            max_requests: 500,
            window: Duration::from_secs(60),
        }
    }
}

/// The limiter: the send times of the last `max_requests` requests.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: RateLimit,
    sent: Mutex<VecDeque<Instant>>,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        let limit = RateLimit {
            max_requests: limit.max_requests.max(1),
            ..limit
        };
        RateLimiter {
            sent: Mutex::new(VecDeque::with_capacity(limit.max_requests as usize)),
            limit,
        }
    }

    /// Waits until one more request fits in the window, then takes its slot.
    pub(crate) async fn acquire(&self) {
        // Holding the (fair, FIFO) async lock while sleeping serves waiters in order.
        let mut sent = self.sent.lock().await;
        let now = Instant::now();
        while sent
            .front()
            .is_some_and(|&t| now.duration_since(t) >= self.limit.window)
        {
            sent.pop_front();
        }
        if sent.len() >= self.limit.max_requests as usize {
            let oldest = sent.pop_front().expect("the window is full");
            tracing::debug!(wait = ?(oldest + self.limit.window - now), "rate limit reached, waiting");
            tokio::time::sleep_until(oldest + self.limit.window).await;
        }
        sent.push_back(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_limit_in_any_window() {
        let limiter = Arc::new(RateLimiter::new(RateLimit {
            max_requests: 5,
            window: Duration::from_secs(10),
        }));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..12 {
            let l = limiter.clone();
            tasks.push(tokio::spawn(async move {
                l.acquire().await;
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap().duration_since(start));
        }
        times.sort();
        // 5 at once, 5 after one window, 2 after two.
        assert!(times[..5].iter().all(|t| *t < Duration::from_secs(1)));
        assert!(times[5..10]
            .iter()
            .all(|t| *t >= Duration::from_secs(10) && *t < Duration::from_secs(11)));
        assert!(times[10..].iter().all(|t| *t >= Duration::from_secs(20)));
        for w in times.windows(6) {
            assert!(w[5] - w[0] >= Duration::from_secs(10), "{times:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn idle_time_frees_slots() {
        let limiter = RateLimiter::new(RateLimit {
            max_requests: 2,
            window: Duration::from_secs(1),
        });
        limiter.acquire().await;
        limiter.acquire().await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let before = Instant::now();
        limiter.acquire().await;
        limiter.acquire().await;
        assert_eq!(Instant::now(), before);
    }
}
