//! HTTP Basic authentication against the users table, then the role check of
//! [`crate::authz`].
//!
//! The header is `base64(user:secret)`, as WATS and pyWATS use it; the secret is one of the
//! user's tokens (kept as SHA-256, found by that hash, each with an expiry) or its password
//! (an Argon2 hash). A deactivated user is refused whatever it sends. A verified header is
//! remembered (by its SHA-256, never in clear) so that a station posting thousands of reports
//! pays the hash once; failures are never cached. Password checks go through
//! [`crate::login`]: bounded in number, equal in time for unknown users, rate-limited on
//! failure (token checks are counted by the same limits).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::authz::Role;
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
/// through this server (deactivation, deletion, a role change, a new password) forget the
/// user's tokens at once ([`TokenCache::forget_user`]), and an expired token is never served
/// from the cache; the bound is for changes made by another server sharing the database, or
/// by `wats-server user` while this one runs.
pub const TOKEN_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// Who is calling, once authenticated: available to handlers as an extension.
#[derive(Clone, Debug, PartialEq)]
pub struct Principal {
    /// The user's GUID.
    pub user_id: String,
    /// The sign-in name.
    pub username: String,
    /// The role, which [`crate::authz`] checks.
    pub role: Role,
}

struct Cached {
    principal: Principal,
    verified: std::time::Instant,
    /// A token's expiry (µs since the epoch); `None` for a password.
    expires_utc: Option<i64>,
}

/// The remembered credentials (by SHA-256 of the header, never in clear).
pub struct TokenCache {
    entries: std::sync::Mutex<HashMap<[u8; 32], Cached>>,
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

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Cached>> {
        // Entries are inserted whole: a panic elsewhere cannot leave one half-written.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, key: &[u8; 32]) -> Option<Principal> {
        let mut m = self.lock();
        let c = m.get(key)?;
        let expired = c
            .expires_utc
            .is_some_and(|e| e <= chrono::Utc::now().timestamp_micros());
        if expired || c.verified.elapsed() >= self.ttl {
            m.remove(key);
            return None;
        }
        Some(c.principal.clone())
    }

    fn put(&self, key: [u8; 32], principal: Principal, expires_utc: Option<i64>) {
        let mut m = self.lock();
        if m.len() >= MAX_CACHED_TOKENS {
            m.clear();
        }
        m.insert(
            key,
            Cached {
                principal,
                verified: std::time::Instant::now(),
                expires_utc,
            },
        );
    }

    /// Forgets every credential of a user (deactivated, deleted, role changed, new password
    /// or token revoked): its next request is checked against the database.
    pub fn forget_user(&self, user_id: &str) {
        self.lock().retain(|_, c| c.principal.user_id != user_id);
    }

    /// Forgets every token.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// How many credentials are remembered (for tests).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::Unauthorized(message.to_owned())
}

/// The hex SHA-256 of a token's secret: what the database keeps.
pub fn token_hash(secret: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(64);
    for b in Sha256::digest(secret.as_bytes()) {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A new token's secret: 32 letters and digits (190 bits).
pub fn new_token_secret() -> String {
    random_alphanumeric(32)
}

/// Days a token lasts unless asked otherwise (WATS's SCIM default).
pub const DEFAULT_TOKEN_DAYS: i64 = 90;

/// The longest a token may last.
pub const MAX_TOKEN_DAYS: i64 = 3650;

/// Mints a token for a user lasting `days` (1..=[`MAX_TOKEN_DAYS`]): its secret (shown once,
/// only its hash is kept) and its expiry (µs since the epoch).
pub async fn mint_token(
    store: &crate::store::Store,
    user_id: &str,
    days: i64,
) -> anyhow::Result<(String, i64)> {
    anyhow::ensure!(
        (1..=MAX_TOKEN_DAYS).contains(&days),
        "a token lasts 1 to {MAX_TOKEN_DAYS} days, not {days}"
    );
    let secret = new_token_secret();
    let expires = chrono::Utc::now().timestamp_micros() + days * 86_400 * 1_000_000;
    store
        .insert_token(user_id, &token_hash(&secret), expires)
        .await?;
    Ok((secret, expires))
}

/// Checks `user:secret` against the database: a token of the user, else its password
/// (through the login guard: bounded Argon2, equal time for unknown users, rate limits).
async fn verify(
    state: &AppState,
    user: &str,
    secret: &str,
    address: Option<std::net::IpAddr>,
) -> Result<(Principal, Option<i64>), ApiError> {
    let denied = || unauthorized("Authorization has been denied for this request.");
    let attempt = state.login.begin(user, address).inspect_err(|_| {
        state.metrics.logins_limited.fetch_add(1, Ordering::Relaxed);
    })?;
    let now = chrono::Utc::now().timestamp_micros();
    let principal = |u: &crate::store::users::User| Principal {
        user_id: u.user_id.clone(),
        username: u.username.clone(),
        role: u.role,
    };
    // A token is found by its hash (the comparison is on hashes, so its time tells nothing
    // about the secret); it must belong to the user named.
    if let Some((u, expires)) = state.store.token_user(&token_hash(secret), now).await? {
        if u.username == user && u.active {
            attempt.succeeded();
            return Ok((principal(&u), Some(expires)));
        }
    }
    // An unknown user, or one without a password, is verified against a dummy hash: same
    // time, same answer.
    let credentials = state.store.user_credentials(user).await?;
    let hash = credentials.as_ref().and_then(|c| c.password_hash.clone());
    let ok = state.login.verify(secret, hash).await?;
    match credentials {
        Some(c) if ok && c.user.active => {
            attempt.succeeded();
            Ok((principal(&c.user), None))
        }
        _ => {
            state.metrics.logins_failed.fetch_add(1, Ordering::Relaxed);
            Err(denied())
        }
    }
}

/// Middleware: authenticates the request (401 if it cannot), checks its role against
/// [`crate::authz`] (403 naming the permission), and lets it through with [`Principal`] and
/// [`AuthUser`] extensions.
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
    let principal = match state.tokens.get(&key) {
        Some(p) => p,
        None => {
            let denied = || unauthorized("Authorization has been denied for this request.");
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(token)
                .map_err(|_| denied())?;
            let text = String::from_utf8(decoded).map_err(|_| denied())?;
            let (user, secret) = text.split_once(':').ok_or_else(denied)?;
            let address = request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip());
            let (principal, expires) = verify(&state, user, secret, address).await?;
            state.tokens.put(key, principal.clone(), expires);
            principal
        }
    };
    // The route's template when matched (`/api/Product/{partNumber}`), as the table and its
    // test name routes.
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| request.uri().path().to_owned());
    crate::authz::authorize(principal.role, request.method(), &path)?;
    request
        .extensions_mut()
        .insert(AuthUser(principal.username.clone()));
    request.extensions_mut().insert(principal);
    Ok(next.run(request).await)
}

/// A random password of 24 letters and digits.
pub fn random_password() -> String {
    random_alphanumeric(24)
}

fn random_alphanumeric(n: usize) -> String {
    use rand::Rng as _;
    rand::rngs::OsRng
        .sample_iter(&rand::distributions::Alphanumeric)
        .take(n)
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

    fn alice() -> Principal {
        Principal {
            user_id: "u1".into(),
            username: "alice".into(),
            role: Role::Operator,
        }
    }

    #[test]
    fn a_cached_token_is_trusted_only_for_the_ttl() {
        let cache = TokenCache::with_ttl(std::time::Duration::from_millis(50));
        cache.put([1; 32], alice(), None);
        assert_eq!(cache.get(&[1; 32]), Some(alice()));
        assert_eq!(cache.get(&[2; 32]), None);
        std::thread::sleep(std::time::Duration::from_millis(80));
        assert_eq!(
            cache.get(&[1; 32]),
            None,
            "checked against the database again"
        );
    }

    #[test]
    fn an_expired_token_is_forgotten_at_once() {
        let cache = TokenCache::default();
        let soon = chrono::Utc::now().timestamp_micros() + 30_000;
        cache.put([1; 32], alice(), Some(soon));
        assert!(cache.get(&[1; 32]).is_some());
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(cache.get(&[1; 32]), None, "past its expiry, within the TTL");
        assert!(cache.is_empty());
    }

    #[test]
    fn forgetting_a_user_forgets_all_its_tokens_only() {
        let cache = TokenCache::default();
        let bob = Principal {
            user_id: "u2".into(),
            ..alice()
        };
        cache.put([1; 32], alice(), None);
        cache.put([2; 32], alice(), Some(i64::MAX));
        cache.put([3; 32], bob.clone(), None);
        cache.forget_user("u1");
        assert_eq!(cache.get(&[1; 32]), None);
        assert_eq!(cache.get(&[2; 32]), None);
        assert_eq!(cache.get(&[3; 32]), Some(bob));
    }

    #[test]
    fn token_secrets_are_fresh_and_hashed_in_hex() {
        let (a, b) = (new_token_secret(), new_token_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
