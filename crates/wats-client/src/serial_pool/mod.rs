//! Serial numbers that keep working offline: a pool per serial-number type, reserved from the
//! server ahead of need and kept in the station's durable store, so labels can be printed while
//! the server is unreachable.
//!
//! Configuration (`serial_pools` in `config.json`):
//!
//! ```json
//! "serial_pools": [{ "type": "PCB-SN", "low_water": 20, "batch_size": 100 }]
//! ```
//!
//! While online the station tops a pool up to `low_water + batch_size` numbers whenever it is
//! below `low_water` (checked every [`REFILL_INTERVAL`] and after each hand-out). Numbers are
//! handed out lowest first through `wats-client serial take TYPE [--count N]` or the control
//! API (`POST /serial/{type}/take?count=N`, authenticated like every mutation). When the pool
//! has too few numbers, the station refills first; when the server cannot be reached for that,
//! the call fails with a clear error and nothing is handed out.
//!
//! Durability (`serial_pool.sqlite` in the data folder, WAL, `synchronous=FULL`):
//!
//! * A hand-out marks its numbers handed out and commits before they are answered, so a crash
//!   at any moment never hands a number out twice; numbers not yet handed out stay in the pool.
//! * A refill takes numbers from the server with `refSN` set to a token written to the store
//!   first (`pool:<station>:<uuid>`). If the station dies between the server's answer and
//!   storing the numbers, the next start asks the server for the numbers taken under that token
//!   (`SerialNumbers/ByReference`) and stores them: a reserved number is never lost.

mod control;
mod store;

pub mod cli;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use wats::production::TakeOptions;

pub use control::{levels_json, metrics_text, routes};
pub use store::{Level, Store};

use crate::config::Problem;

/// How often the station checks whether a pool needs refilling (and retries a refill that
/// could not reach the server): often enough that a pool refills within a minute of the
/// server's return, rarely enough to cost nothing.
pub const REFILL_INTERVAL: Duration = Duration::from_secs(15);

/// The data-folder file of the pools.
pub const POOL_FILE: &str = "serial_pool.sqlite";

/// The configuration key.
pub const CONFIG_KEY: &str = "serial_pools";

/// One configured pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// The server's serial-number type.
    pub type_name: String,
    /// Refill when fewer numbers than this are left.
    pub low_water: u32,
    /// How many numbers one refill takes beyond `low_water`.
    pub batch_size: u32,
}

fn problem(path: String, message: impl Into<String>) -> Problem {
    Problem {
        path,
        message: message.into(),
    }
}

/// The configured pools, or what is wrong with the configuration (each problem naming its
/// key path).
pub fn configs(extra: &Map<String, Value>) -> Result<Vec<PoolConfig>, Vec<Problem>> {
    let Some(v) = extra.get(CONFIG_KEY) else {
        return Ok(Vec::new());
    };
    let Some(list) = v.as_array() else {
        return Err(vec![problem(CONFIG_KEY.into(), "expected a list of pools")]);
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let at = |k: &str| format!("{CONFIG_KEY}[{i}].{k}");
        let type_name = item
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .trim();
        if type_name.is_empty() {
            problems.push(problem(
                at("type"),
                "is required (a serial-number type on the server)",
            ));
        } else if out
            .iter()
            .any(|c: &PoolConfig| c.type_name.eq_ignore_ascii_case(type_name))
        {
            problems.push(problem(
                at("type"),
                format!("{type_name:?} has an earlier pool"),
            ));
        }
        let number = |k: &str, default: u64, min: u64| match item.get(k) {
            None => Ok(default),
            Some(v) => v
                .as_u64()
                .filter(|n| (min..=100_000).contains(n))
                .ok_or_else(|| problem(at(k), format!("expected a whole number {min}..100000"))),
        };
        let low = number("low_water", 20, 0);
        let batch = number("batch_size", 100, 1);
        match (low, batch) {
            (Ok(low), Ok(batch)) if !type_name.is_empty() => out.push(PoolConfig {
                type_name: type_name.to_owned(),
                low_water: low as u32,
                batch_size: batch as u32,
            }),
            (low, batch) => {
                problems.extend(low.err());
                problems.extend(batch.err());
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The configuration's problems with `serial_pools` (for `Config::problems`).
pub fn config_problems(extra: &Map<String, Value>) -> Vec<Problem> {
    configs(extra).err().unwrap_or_default()
}

/// Why numbers could not be handed out.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// No pool of this type is configured.
    #[error(
        "no serial-number pool for type {0:?} is configured ({CONFIG_KEY} in the configuration)"
    )]
    Unknown(String),
    /// A count of 0 or more than a refill could ever bring.
    #[error("count must be between 1 and {max}, not {count}")]
    BadCount {
        /// Asked.
        count: u32,
        /// The most one call may take.
        max: u32,
    },
    /// Too few numbers, and the server could not be reached to refill.
    #[error(
        "serial-number pool {type_name:?} has {available} number(s), {asked} were asked for, and \
         the server cannot be reached to refill it ({reason}); nothing was handed out"
    )]
    EmptyOffline {
        /// The type.
        type_name: String,
        /// Numbers in the pool.
        available: u64,
        /// Numbers asked for.
        asked: u32,
        /// Why the server could not be reached.
        reason: String,
    },
    /// The server refused the refill (e.g. its type has too few free numbers).
    #[error("the server refused to refill serial-number pool {type_name:?}: {reason}")]
    Refused {
        /// The type.
        type_name: String,
        /// The server's message.
        reason: String,
    },
    /// The local store failed.
    #[error("the serial-number store: {0:#}")]
    Store(#[from] anyhow::Error),
}

/// Whether an SDK error means the server was not reached (or did not decide): the request may
/// be sent again later.
fn unreachable(e: &wats::Error) -> bool {
    !matches!(
        e,
        wats::Error::Validation { .. }
            | wats::Error::NotFound { .. }
            | wats::Error::Unauthorized { .. }
            | wats::Error::Forbidden { .. }
            | wats::Error::Conflict { .. }
    )
}

/// The station's serial-number pools.
pub struct SerialPool {
    store: Store,
    configs: Vec<PoolConfig>,
    client: wats::Wats,
    station: String,
    /// One refill at a time.
    refilling: tokio::sync::Mutex<()>,
}

impl SerialPool {
    /// Opens the pools' store at `path`.
    pub fn open(
        path: &Path,
        configs: Vec<PoolConfig>,
        client: wats::Wats,
        station: &str,
    ) -> anyhow::Result<SerialPool> {
        Ok(SerialPool {
            store: Store::open(path)?,
            configs,
            client,
            station: if station.trim().is_empty() {
                "station".to_owned()
            } else {
                station.to_owned()
            },
            refilling: tokio::sync::Mutex::new(()),
        })
    }

    fn config(&self, type_name: &str) -> Result<&PoolConfig, PoolError> {
        self.configs
            .iter()
            .find(|c| c.type_name.eq_ignore_ascii_case(type_name))
            .ok_or_else(|| PoolError::Unknown(type_name.to_owned()))
    }

    /// Numbers in each configured pool.
    pub fn levels(&self) -> anyhow::Result<Vec<Level>> {
        self.configs
            .iter()
            .map(|c| {
                Ok(Level {
                    type_name: c.type_name.clone(),
                    available: self.store.available(&c.type_name)?,
                    handed_out: self.store.handed_out(&c.type_name)?,
                    low_water: c.low_water,
                    batch_size: c.batch_size,
                })
            })
            .collect()
    }

    /// Hands out `count` numbers of a type, lowest first: from the pool, refilled first when
    /// it has too few. All or none.
    pub async fn take(&self, type_name: &str, count: u32) -> Result<Vec<String>, PoolError> {
        let cfg = self.config(type_name)?.clone();
        let max = cfg.low_water + cfg.batch_size;
        if count == 0 || count > max.max(1) {
            return Err(PoolError::BadCount { count, max });
        }
        let available = self.store.available(&cfg.type_name)?;
        if available < u64::from(count) {
            self.refill(&cfg, u64::from(count))
                .await
                .map_err(|e| match e {
                    RefillError::Unreachable(reason) => PoolError::EmptyOffline {
                        type_name: cfg.type_name.clone(),
                        available,
                        asked: count,
                        reason,
                    },
                    RefillError::Refused(reason) => PoolError::Refused {
                        type_name: cfg.type_name.clone(),
                        reason,
                    },
                    RefillError::Store(e) => PoolError::Store(e),
                })?;
        }
        let got = self.store.hand_out(&cfg.type_name, count)?;
        Ok(got)
    }

    /// Tops a pool up to `low_water + batch_size` (and at least `need`) when it is below
    /// `low_water` or `need`.
    async fn refill(&self, cfg: &PoolConfig, need: u64) -> Result<(), RefillError> {
        let _one = self.refilling.lock().await;
        self.recover().await?;
        let available = self.store.available(&cfg.type_name)?;
        if available >= u64::from(cfg.low_water).max(need) {
            return Ok(());
        }
        let target = (u64::from(cfg.low_water) + u64::from(cfg.batch_size)).max(need);
        let quantity = (target - available) as u32;
        let token = format!("pool:{}:{}", self.station, uuid::Uuid::new_v4().simple());
        self.store.begin_refill(&token, &cfg.type_name, quantity)?;
        let options = TakeOptions {
            ref_sn: Some(token.clone()),
            ref_pn: None,
            station_name: Some(self.station.clone()),
        };
        match self
            .client
            .production()
            .take_serial_numbers(&cfg.type_name, quantity, &options)
            .await
        {
            Ok(numbers) => {
                self.store.finish_refill(&token, &cfg.type_name, &numbers)?;
                tracing::info!(r#type = %cfg.type_name, added = numbers.len(), "serial-number pool refilled");
                Ok(())
            }
            Err(e) if unreachable(&e) => Err(RefillError::Unreachable(e.to_string())),
            Err(e) => {
                // The server decided: nothing was taken under this token.
                self.store.finish_refill(&token, &cfg.type_name, &[])?;
                Err(RefillError::Refused(e.to_string()))
            }
        }
    }

    /// Stores the numbers of refills whose answer was lost (the station died, or the
    /// connection dropped, after the server took them).
    async fn recover(&self) -> Result<(), RefillError> {
        for (token, type_name) in self.store.open_refills()? {
            match self
                .client
                .production()
                .serial_numbers_by_reference(&type_name, Some(&token), None)
                .await
            {
                Ok(records) => {
                    let numbers: Vec<String> = records
                        .into_iter()
                        .filter_map(|r| r.serial_number)
                        .collect();
                    if !numbers.is_empty() {
                        tracing::info!(r#type = %type_name, recovered = numbers.len(), "serial numbers of an interrupted refill recovered");
                    }
                    self.store.finish_refill(&token, &type_name, &numbers)?;
                }
                Err(e) if unreachable(&e) => return Err(RefillError::Unreachable(e.to_string())),
                Err(e) => return Err(RefillError::Refused(e.to_string())),
            }
        }
        Ok(())
    }

    /// Refills every pool below its low water (errors are logged: offline is normal).
    pub async fn refill_all(&self) {
        for cfg in &self.configs {
            if let Err(e) = self.refill(cfg, 0).await {
                match e {
                    RefillError::Unreachable(reason) => {
                        tracing::debug!(r#type = %cfg.type_name, %reason, "serial-number pool not refilled: server unreachable")
                    }
                    other => {
                        tracing::warn!(r#type = %cfg.type_name, error = %other, "serial-number pool not refilled")
                    }
                }
            }
        }
    }

    /// Refills the pools now and every [`REFILL_INTERVAL`] until `stop` changes.
    pub async fn run(self: Arc<Self>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(REFILL_INTERVAL);
        loop {
            tokio::select! {
                _ = tick.tick() => self.refill_all().await,
                _ = stop.changed() => break,
            }
        }
    }
}

/// Why a refill did not happen.
#[derive(Debug, thiserror::Error)]
enum RefillError {
    #[error("the server cannot be reached: {0}")]
    Unreachable(String),
    #[error("the server refused: {0}")]
    Refused(String),
    #[error("{0:#}")]
    Store(#[from] anyhow::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_is_checked_by_key_path() {
        let extra: Map<String, Value> = serde_json::from_str(
            r#"{"serial_pools": [{"type": "A", "low_water": 5}, {"type": "a"}, {"batch_size": 0}]}"#,
        )
        .unwrap();
        let problems = configs(&extra).unwrap_err();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "serial_pools[1].type",
                "serial_pools[2].type",
                "serial_pools[2].batch_size"
            ]
        );
        let ok: Map<String, Value> =
            serde_json::from_str(r#"{"serial_pools": [{"type": "A", "low_water": 5}]}"#).unwrap();
        assert_eq!(
            configs(&ok).unwrap(),
            [PoolConfig {
                type_name: "A".into(),
                low_water: 5,
                batch_size: 100
            }]
        );
    }

    /// A refill whose answer was lost (the station died after the server took the numbers):
    /// the next refill finds them on the server by their token and stores them first.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_interrupted_refill_is_recovered() {
        use wats::production::SerialNumberType;
        let dir = tempfile::tempdir().unwrap();
        let server = wats_server::start(wats_server::Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            database: wats_server::Database::Dir(dir.path().join("server")),
            admin: Some(("u".into(), "p".into())),
            max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
        })
        .await
        .unwrap();
        let wats = wats::Wats::builder()
            .base_url(format!("http://{}", server.addr))
            .credentials("u", "p")
            .no_cache()
            .build()
            .unwrap();
        let p = wats.production();
        p.save_serial_number_types(&[SerialNumberType {
            name: Some("T".into()),
            format: Some("N-####".into()),
            ..Default::default()
        }])
        .await
        .unwrap();
        p.generate_serial_numbers("T", "1", "100").await.unwrap();
        let pool = SerialPool::open(
            &dir.path().join("pool.sqlite"),
            vec![PoolConfig {
                type_name: "T".into(),
                low_water: 2,
                batch_size: 3,
            }],
            wats.clone(),
            "ST",
        )
        .unwrap();
        // The refill was recorded and the server took 4 numbers; then the station died.
        pool.store.begin_refill("pool:ST:lost", "T", 4).unwrap();
        let lost = p
            .take_serial_numbers("T", 4, &TakeOptions::for_unit("pool:ST:lost", ""))
            .await
            .unwrap();
        assert_eq!(lost, ["N-0001", "N-0002", "N-0003", "N-0004"]);
        let got = pool.take("T", 5).await.unwrap();
        assert_eq!(got, ["N-0001", "N-0002", "N-0003", "N-0004", "N-0005"]);
        assert!(pool.store.open_refills().unwrap().is_empty());
        let text = metrics_text(Some(&pool));
        assert!(
            text.contains("wats_client_serial_pool_handed_out_total{type=\"T\"} 5"),
            "{text}"
        );
        assert!(matches!(
            pool.take("T", 0).await,
            Err(PoolError::BadCount { .. })
        ));
        assert!(matches!(
            pool.take("U", 1).await,
            Err(PoolError::Unknown(_))
        ));
        server.stop().await.unwrap();
    }
}
