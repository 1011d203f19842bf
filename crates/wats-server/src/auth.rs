//! HTTP Basic authentication against the API users table.
//!
//! The token is `base64(user:password)`, as WATS and pyWATS use it. Passwords are stored as
//! Argon2 hashes. A verified token is remembered (by its SHA-256, never in clear) so that a
//! station posting thousands of reports pays the hash once; failures are never cached.
//! Verifications go through [`crate::login`]: bounded in number, equal in time for unknown
//! users, rate-limited on failure.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::AppState;

/// Verified tokens kept at most (the cache is emptied when full).
const MAX_CACHED_TOKENS: usize = 1024;

/// The authenticated API user, available to handlers as an extension.
#[derive(Clone, Debug)]
pub struct AuthUser(pub String);

/// The Argon2 instance: 8 MiB, 2 passes, 1 lane (fast enough per login, costly to brute-force
/// from a stolen database).
fn argon2() -> Argon2<'static> {
    let params = argon2::Params::new(8 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Hashes a password for storage.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// How long a verified token is trusted without checking the database again. Changes made
/// through this server clear the cache at once; the bound is for another server sharing the
/// database (a password changed there stops working here within this time).
pub const TOKEN_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// The remembered tokens (by SHA-256 of the header): user and when it was verified.
pub struct TokenCache {
    entries: std::sync::Mutex<HashMap<[u8; 32], (String, std::time::Instant)>>,
    ttl: std::time::Duration,
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache::with_ttl(TOKEN_CACHE_TTL)
    }
}

impl TokenCache {
    /// A cache trusting a verified token for `ttl`.
    pub fn with_ttl(ttl: std::time::Duration) -> Self {
        TokenCache {
            entries: Default::default(),
            ttl,
        }
    }

    fn get(&self, key: &[u8; 32]) -> Option<String> {
        let m = self.entries.lock().ok()?;
        let (user, at) = m.get(key)?;
        (at.elapsed() < self.ttl).then(|| user.clone())
    }

    fn put(&self, key: [u8; 32], user: String) {
        if let Ok(mut m) = self.entries.lock() {
            if m.len() >= MAX_CACHED_TOKENS {
                m.clear();
            }
            m.insert(key, (user, std::time::Instant::now()));
        }
    }

    /// Forgets every token (after a password change).
    pub fn clear(&self) {
        if let Ok(mut m) = self.entries.lock() {
            m.clear();
        }
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::Unauthorized(message.to_owned())
}

/// Middleware: lets the request through with an [`AuthUser`] extension, or answers 401.
pub async fn require_auth(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let header = request
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("Authorization has been denied for this request."))?;
    let token = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))
        .map(str::trim)
        .ok_or_else(|| {
            unauthorized("Authorization has been denied for this request: use HTTP Basic.")
        })?;
    let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let user = match state.tokens.get(&key) {
        Some(user) => user,
        None => {
            let denied = || unauthorized("Authorization has been denied for this request.");
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(token)
                .map_err(|_| denied())?;
            let text = String::from_utf8(decoded).map_err(|_| denied())?;
            let (user, password) = text.split_once(':').ok_or_else(denied)?;
            let address = request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip());
            let attempt = state.login.begin(user, address).inspect_err(|_| {
                state.metrics.logins_limited.fetch_add(1, Ordering::Relaxed);
            })?;
            // An unknown user is verified against a dummy hash: same time, same answer.
            let hash = state.store.user_password_hash(user).await?;
            if !state.login.verify(password, hash).await? {
                state.metrics.logins_failed.fetch_add(1, Ordering::Relaxed);
                return Err(denied());
            }
            attempt.succeeded();
            state.tokens.put(key, user.to_owned());
            user.to_owned()
        }
    };
    request.extensions_mut().insert(AuthUser(user));
    Ok(next.run(request).await)
}

/// A random password of 24 letters and digits.
pub fn random_password() -> String {
    use rand::Rng as _;
    rand::thread_rng()
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}

/// The Basic token of a user and password.
pub fn basic_token(user: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_token_is_trusted_only_for_the_ttl() {
        let cache = TokenCache::with_ttl(std::time::Duration::from_millis(50));
        cache.put([1; 32], "alice".into());
        assert_eq!(cache.get(&[1; 32]).as_deref(), Some("alice"));
        assert_eq!(cache.get(&[2; 32]), None);
        std::thread::sleep(std::time::Duration::from_millis(80));
        assert_eq!(
            cache.get(&[1; 32]),
            None,
            "checked against the database again"
        );
    }
}
