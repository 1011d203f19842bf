//! The control API's client, for the CLI (`stop`, `restart`, `status`, `queue …`, `upload`
//! to a running station): finds the running station through `control.json`, authenticates
//! mutating calls with `control.secret`, and calls it synchronously (the CLI has no runtime).

use anyhow::{bail, Context as _};
use serde_json::Value;

use super::ControlInfo;
use crate::config::Instance;

/// A running station's control API.
pub struct ControlClient {
    base: String,
    secret: Option<String>,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl ControlClient {
    /// The running station of `instance`, or `None` when it is not running.
    pub fn find(instance: &Instance) -> anyhow::Result<Option<ControlClient>> {
        let info_path = instance.control_info_path();
        let info: ControlInfo = match std::fs::read(&info_path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("reading {}", info_path.display()))?,
            Err(_) => return Ok(None),
        };
        let secret = std::fs::read_to_string(instance.control_secret_path())
            .ok()
            .map(|s| s.trim().to_string());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let http = reqwest::Client::builder()
            .timeout(crate::durations::CONTROL_CALL_TIMEOUT)
            .no_proxy()
            .build()?;
        let station = ControlClient {
            base: format!("http://{}", info.address),
            secret,
            http,
            runtime,
        };
        // A stale file from a station that died: nobody answers.
        match station.get("/health/live") {
            Ok(_) => Ok(Some(station)),
            Err(_) => Ok(None),
        }
    }

    /// `http://<address>` of the running station.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// GET a path, as JSON (or text wrapped in a JSON string).
    pub fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.call(reqwest::Method::GET, path)
    }

    /// POST (or another mutating method) with the secret.
    pub fn call(&self, method: reqwest::Method, path: &str) -> anyhow::Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut req = self.http.request(method.clone(), &url);
        // Reads need the secret too when the station listens beyond loopback.
        match self.secret.as_deref() {
            Some(secret) => req = req.bearer_auth(secret),
            None if method != reqwest::Method::GET => anyhow::bail!(
                "cannot read the instance's control secret (run as the user the station runs as)"
            ),
            None => {}
        }
        self.runtime.block_on(async {
            let resp = req.send().await.with_context(|| format!("calling {url}"))?;
            let status = resp.status();
            let text = resp.text().await?;
            let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            if !status.is_success() {
                let msg = value
                    .get("error")
                    .and_then(|e| e.as_str())
                    .map(str::to_string)
                    .unwrap_or_else(|| value.to_string());
                bail!("{status}: {msg}");
            }
            Ok(value)
        })
    }
}
