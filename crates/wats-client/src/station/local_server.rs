//! Local mode: the embedded `wats-server` under the instance's data folder, and the user and
//! password the station uses on it.

use std::path::Path;

#[cfg(feature = "local-server")]
use anyhow::Context as _;

use crate::config::Config;

/// The user the station uses on its embedded server in local mode.
pub const LOCAL_USER: &str = "station";

/// The running embedded server.
pub(super) struct LocalServer {
    /// The address it listens on.
    pub addr: std::net::SocketAddr,
    #[cfg(feature = "local-server")]
    running: wats_server::Running,
}

impl LocalServer {
    /// Stops it and closes its database.
    pub async fn stop(self) -> anyhow::Result<()> {
        #[cfg(feature = "local-server")]
        self.running.stop().await?;
        Ok(())
    }
}

/// Starts the embedded server on the configured address, or on a free port when that one is
/// taken (another instance).
#[cfg(feature = "local-server")]
pub(super) async fn start_local_server(
    config: &Config,
    server_dir: &Path,
    password: &str,
) -> anyhow::Result<LocalServer> {
    let wanted: std::net::SocketAddr = config.local_server_address.parse().with_context(|| {
        format!(
            "local_server_address {:?} is not an address like 127.0.0.1:8780",
            config.local_server_address
        )
    })?;
    let server_config = |listen| wats_server::Config {
        listen,
        database: wats_server::Database::Dir(server_dir.to_path_buf()),
        admin: Some((LOCAL_USER.to_string(), password.to_string())),
        max_body_bytes: wats_server::DEFAULT_MAX_BODY_BYTES,
    };
    let running = match wats_server::start(server_config(wanted)).await {
        Ok(running) => running,
        Err(e) if wanted.port() != 0 && format!("{e:#}").contains("cannot listen") => {
            tracing::warn!(address = %wanted, "the local server address is taken; using a free port");
            let mut any = wanted;
            any.set_port(0);
            wats_server::start(server_config(any)).await?
        }
        Err(e) => return Err(e),
    };
    Ok(LocalServer {
        addr: running.addr,
        running,
    })
}

/// A build without the `local-server` feature has no embedded server: local mode is refused
/// with what to do instead.
#[cfg(not(feature = "local-server"))]
pub(super) async fn start_local_server(
    _config: &Config,
    _server_dir: &Path,
    _password: &str,
) -> anyhow::Result<LocalServer> {
    anyhow::bail!(
        "this wats-client was built without the embedded server (cargo feature `local-server`), \
         so local mode is not available: set service_address to a WATS server \
         (wats-client config set service_address https://…), or build with the default features"
    )
}
