//! Local mode: the embedded `wats-server` under the instance's data folder, and the user and
//! password the station uses on it.

use std::path::Path;

use anyhow::Context as _;

use crate::config::Config;

/// The user the station uses on its embedded server in local mode.
pub const LOCAL_USER: &str = "station";

/// Starts the embedded server on the configured address, or on a free port when that one is
/// taken (another instance).
pub(super) async fn start_local_server(
    config: &Config,
    server_dir: &Path,
    password: &str,
) -> anyhow::Result<wats_server::Running> {
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
    match wats_server::start(server_config(wanted)).await {
        Ok(running) => Ok(running),
        Err(e) if wanted.port() != 0 && format!("{e:#}").contains("cannot listen") => {
            tracing::warn!(address = %wanted, "the local server address is taken; using a free port");
            let mut any = wanted;
            any.set_port(0);
            wats_server::start(server_config(any)).await
        }
        Err(e) => Err(e),
    }
}
