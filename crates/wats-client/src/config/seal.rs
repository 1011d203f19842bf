//! The token sealed with a key bound to this machine and this instance.

use super::*;

/// Seals and opens the token with a key bound to this machine and this instance.
pub struct TokenSealer {
    key: [u8; 32],
}

impl TokenSealer {
    /// A sealer from a machine id and a salt (tests use this directly).
    pub fn new(machine_id: &[u8], salt: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(b"wats-client token key v1\0");
        h.update((machine_id.len() as u64).to_le_bytes());
        h.update(machine_id);
        h.update(salt);
        Self {
            key: h.finalize().into(),
        }
    }

    /// The sealer for an instance folder: this machine's id and the instance's salt file,
    /// created (owner-only) when missing.
    pub fn for_dir(dir: &Path) -> Result<Self, ConfigError> {
        let salt = read_or_create_salt(&dir.join(SALT_FILE))?;
        Ok(Self::new(&machine_id(), &salt))
    }

    /// `v1.<base64 nonce>.<base64 ciphertext>`
    pub fn seal(&self, token: &Secret) -> Result<String, ConfigError> {
        use chacha20poly1305::aead::{Aead, KeyInit};
        use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
        let cipher = ChaCha20Poly1305::new(&Key::from(self.key));
        let mut nonce = [0u8; 12];
        getrandom::getrandom(&mut nonce)
            .map_err(|e| ConfigError::Token(format!("no randomness for the token nonce: {e}")))?;
        let sealed = cipher
            .encrypt(&Nonce::from(nonce), token.expose().as_bytes())
            .map_err(|_| ConfigError::Token("cannot encrypt the token".into()))?;
        Ok(format!(
            "{TOKEN_PREFIX}{}.{}",
            B64.encode(nonce),
            B64.encode(sealed)
        ))
    }

    /// Opens what [`TokenSealer::seal`] made.
    pub fn open(&self, sealed: &str) -> Result<Secret, ConfigError> {
        use chacha20poly1305::aead::{Aead, KeyInit};
        use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
        let malformed = || ConfigError::Token(format!("{TOKEN_KEY}: not a sealed token"));
        let rest = sealed.strip_prefix(TOKEN_PREFIX).ok_or_else(malformed)?;
        let (nonce, body) = rest.split_once('.').ok_or_else(malformed)?;
        let nonce: [u8; 12] = B64
            .decode(nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(malformed)?;
        let body = B64.decode(body).map_err(|_| malformed())?;
        let cipher = ChaCha20Poly1305::new(&Key::from(self.key));
        let plain = cipher
            .decrypt(&Nonce::from(nonce), body.as_ref())
            .map_err(|_| {
                ConfigError::Token(format!(
                    "{TOKEN_KEY}: cannot be decrypted on this machine (was the config copied from \
                 another one, or {SALT_FILE} replaced?); set the token again with \
                 `wats-client config set api_token TOKEN`"
                ))
            })?;
        String::from_utf8(plain)
            .map(Secret)
            .map_err(|_| malformed())
    }
}

/// This machine's id: `/etc/machine-id` or `/var/lib/dbus/machine-id`; where there is none
/// (other platforms for now), the host and user names, which still binds the key to a place.
pub fn machine_id() -> Vec<u8> {
    for path in ["/etc/machine-id", "/var/lib/dbus/machine-id"] {
        if let Ok(id) = fs::read_to_string(path) {
            let id = id.trim();
            if !id.is_empty() {
                return id.as_bytes().to_vec();
            }
        }
    }
    let host = std::env::var("COMPUTERNAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .or_else(|_| fs::read_to_string("/etc/hostname").map(|s| s.trim().to_string()))
        .unwrap_or_default();
    let user = std::env::var("USERNAME")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_default();
    format!("fallback:{host}:{user}").into_bytes()
}

fn read_or_create_salt(path: &Path) -> Result<Vec<u8>, ConfigError> {
    match fs::read(path) {
        Ok(salt) if salt.len() >= 16 => return Ok(salt),
        Ok(_) => {
            return Err(ConfigError::Token(format!(
                "{}: too short to be a salt",
                path.display()
            )))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(path)(e)),
    }
    let mut salt = [0u8; 32];
    getrandom::getrandom(&mut salt)
        .map_err(|e| ConfigError::Token(format!("no randomness for the salt: {e}")))?;
    write_atomic(path, &salt, false)?;
    Ok(salt.to_vec())
}
