//! What a password check may cost: Argon2 runs bounded in number, unknown users cost the same
//! as known ones, and failures are rate-limited per user and per address.
//!
//! Before this, 400 concurrent wrong passwords ran 400 Argon2 verifications at once (8 MiB
//! each: 3.1 GB RSS), and an unknown user was answered in 0.6 ms against 12 ms for a known one,
//! which told which user names exist.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::limits::Limits;

/// Keys remembered per counter table; past it, expired windows are dropped, and if that is
/// not enough the table starts over (an attacker rotating keys can then only reset counts,
/// never grow memory).
const MAX_TRACKED: usize = 10_000;

/// The largest Argon2 memory a pooled buffer grows to (1 KiB blocks): twice this server's
/// own 8 MiB.
const MAX_POOLED_BLOCKS: usize = 16 * 1024;

/// Failures counted in one window.
struct Window {
    started: Instant,
    count: u32,
}

/// Failed-login counters for one kind of key (user name or address).
struct Counter<K> {
    windows: Mutex<HashMap<K, Window>>,
    max: u32,
    window: Duration,
}

impl<K: std::hash::Hash + Eq + Clone> Counter<K> {
    fn new(max: u32, window: Duration) -> Self {
        Counter {
            windows: Mutex::new(HashMap::new()),
            max,
            window,
        }
    }

    /// Counts an attempt; `Err(seconds to wait)` when the key used up its window.
    fn take(&self, key: &K, now: Instant) -> Result<(), u64> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= MAX_TRACKED && !windows.contains_key(key) {
            windows.retain(|_, w| now.duration_since(w.started) < self.window);
            if windows.len() >= MAX_TRACKED {
                windows.clear();
            }
        }
        let w = windows.entry(key.clone()).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(w.started) >= self.window {
            *w = Window {
                started: now,
                count: 0,
            };
        }
        if w.count >= self.max {
            let left = self.window.saturating_sub(now.duration_since(w.started));
            return Err(left.as_secs().max(1));
        }
        w.count += 1;
        Ok(())
    }

    /// Gives back an attempt that succeeded.
    fn give_back(&self, key: &K) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = windows.get_mut(key) {
            w.count = w.count.saturating_sub(1);
        }
    }
}

/// The login guard every uncached authentication goes through.
pub struct LoginGuard {
    argon2: Semaphore,
    /// Argon2 working memory, one buffer per verification running (reused: see
    /// [`verify_password_in`]).
    memory: Mutex<Vec<Vec<Block>>>,
    waiting: AtomicUsize,
    dummy_hash: String,
    /// Keyed by the SHA-256 of the user name: a name can be as long as a header.
    per_user: Counter<[u8; 32]>,
    per_address: Counter<IpAddr>,
}

/// A counted login attempt: call [`Attempt::succeeded`] when the password was right; dropped
/// otherwise, it stays counted as a failure.
pub struct Attempt<'a> {
    guard: &'a LoginGuard,
    user: [u8; 32],
    address: Option<IpAddr>,
}

impl Attempt<'_> {
    /// The password was right: the attempt does not count against the user or address.
    pub fn succeeded(self) {
        self.guard.per_user.give_back(&self.user);
        if let Some(a) = &self.address {
            self.guard.per_address.give_back(a);
        }
    }
}

impl LoginGuard {
    /// A guard with the limits' bounds. Hashes a random password once (~12 ms) to have a
    /// hash to verify unknown users against.
    pub fn new(limits: &Limits) -> anyhow::Result<Self> {
        Ok(LoginGuard {
            argon2: Semaphore::new(limits.argon2_concurrency.max(1)),
            memory: Mutex::new(Vec::new()),
            waiting: AtomicUsize::new(0),
            dummy_hash: crate::auth::hash_password(&crate::auth::random_password())?,
            per_user: Counter::new(limits.login_failures_per_user, limits.login_window),
            per_address: Counter::new(limits.login_failures_per_address, limits.login_window),
        })
    }

    /// Counts an attempt by `user` from `address` before its password is checked (so that
    /// concurrent attempts count too, not only finished ones); `429` when either has used up
    /// its failures.
    pub fn begin(&self, user: &str, address: Option<IpAddr>) -> Result<Attempt<'_>, ApiError> {
        let now = Instant::now();
        let limited = |seconds: u64, whose: &str, max: u32| ApiError::Limited {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: format!(
                "Too many failed logins {whose} (at most {max} per {} s); retry in {seconds} s",
                self.per_user.window.as_secs()
            ),
            retry_after: Some(seconds),
        };
        if let Some(a) = &address {
            self.per_address
                .take(a, now)
                .map_err(|s| limited(s, "from this address", self.per_address.max))?;
        }
        let user: [u8; 32] = Sha256::digest(user.as_bytes()).into();
        if let Err(s) = self.per_user.take(&user, now) {
            if let Some(a) = &address {
                self.per_address.give_back(a);
            }
            return Err(limited(s, "for this user", self.per_user.max));
        }
        Ok(Attempt {
            guard: self,
            user,
            address,
        })
    }

    /// Verifies `password` against `hash`, or against a dummy hash when the user is unknown
    /// (`None`) so that both take the same time; at most `argon2_concurrency` at once.
    pub async fn verify(&self, password: &str, hash: Option<String>) -> Result<bool, ApiError> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| self.dummy_hash.clone());
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let permit = self.argon2.acquire().await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        let _permit = permit.map_err(|e| ApiError::Internal(e.into()))?;
        let password = password.to_owned();
        let mut memory = self.memory().pop().unwrap_or_default();
        let (ok, memory) = tokio::task::spawn_blocking(move || {
            let ok = verify_password_in(&password, &hash, &mut memory);
            (ok, memory)
        })
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
        self.memory().push(memory);
        Ok(ok && known)
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Vec<Vec<Block>>> {
        self.memory.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Verifications waiting for a turn now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }
}

/// [`crate::auth`]'s verification with Argon2's working memory given (resized as the hash's parameters
/// need): a server reuses a few buffers instead of allocating 8 MiB per login, which the
/// allocator kept (400 logins, two at a time, still grew RSS by 250–500 MB).
fn verify_password_in(password: &str, hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(h) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) = (Params::try_from(&h), Algorithm::try_from(h.algorithm))
    else {
        return false;
    };
    let version = match h.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    if params.block_count() > MAX_POOLED_BLOCKS {
        // A hash made elsewhere with more memory: verified in memory of its own, so that
        // the pooled buffers keep their size.
        return crate::auth::verify_password(password, hash);
    }
    memory.resize(params.block_count(), Block::default());
    let mut out = vec![0u8; expected.len()];
    if Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..])
        .is_err()
    {
        return false;
    }
    // `Output`'s equality is constant-time.
    Output::new(&out).is_ok_and(|o| o == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_with_given_memory_agrees() {
        let hash = crate::auth::hash_password("pw:with:colons").unwrap();
        let mut memory = Vec::new();
        assert!(verify_password_in("pw:with:colons", &hash, &mut memory));
        assert_eq!(memory.len(), 8 * 1024);
        assert!(!verify_password_in("pw:with:colon", &hash, &mut memory));
        assert!(!verify_password_in("pw", "not a hash", &mut memory));
    }

    #[test]
    fn counter_limits_per_window_and_gives_back_successes() {
        let c = Counter::new(2, Duration::from_secs(60));
        let t = Instant::now();
        assert!(c.take(&"a", t).is_ok());
        assert!(c.take(&"a", t).is_ok());
        let wait = c.take(&"a", t + Duration::from_secs(10)).unwrap_err();
        assert_eq!(wait, 50);
        assert!(c.take(&"b", t).is_ok(), "other keys are counted apart");
        c.give_back(&"a");
        assert!(c.take(&"a", t).is_ok());
        assert!(
            c.take(&"a", t + Duration::from_secs(61)).is_ok(),
            "a new window"
        );
    }

    #[test]
    fn counter_memory_is_bounded() {
        let c = Counter::new(1, Duration::from_secs(60));
        let t = Instant::now();
        for i in 0..(MAX_TRACKED * 3) {
            let _ = c.take(&i, t);
        }
        assert!(c.windows.lock().unwrap().len() <= MAX_TRACKED);
    }
}
