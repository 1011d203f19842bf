//! A `wats-server` process (the real binary), for tests and benches that run several.
//! Included by path (`#[path = "common/process.rs"] mod process;`) beside `mod common;`, by
//! this crate's targets only: the binary's path is known to them alone.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{PASSWORD, USER};

/// A server process.
pub struct Process {
    child: Child,
    pub base: String,
}

impl Process {
    /// Starts one on a free loopback port over `database` (`--database-url` for a URL,
    /// `--data` for a folder).
    pub fn spawn(database: &str) -> Process {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_wats-server"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(if database.contains("://") {
                ["--database-url", database]
            } else {
                ["--data", database]
            })
            .env("WATS_SERVER_ADMIN", format!("{USER}:{PASSWORD}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        Process {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Waits until it answers (panics if it exits or takes 30 s).
    pub async fn wait_ready(&mut self, client: &reqwest::Client) {
        let start = Instant::now();
        loop {
            let answered = client
                .get(format!("{}/api/App/Version", self.base))
                .basic_auth(USER, Some(PASSWORD))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if answered {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the server exited at start: {status}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "server not ready"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `kill -9`.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}
