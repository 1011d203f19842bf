//! `wats-server serve --listen ADDR (--data DIR | --database-url URL)`, and
//! `wats-server user add|list|deactivate|token` on the database directly.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

mod users;

#[derive(Parser)]
#[command(name = "wats-server", version, about = "A WATS-compatible server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the WATS REST API.
    Serve(ServeArgs),
    /// Manage users on the database directly (no server needed: makes the first users).
    User {
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        action: users::Action,
    },
}

/// `serve`'s options.
#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Data directory (SQLite database `wats.db`, WAL mode).
    #[arg(
        long,
        conflicts_with = "database_url",
        required_unless_present = "database_url"
    )]
    data: Option<PathBuf>,
    /// Database URL instead of a data directory, e.g. postgres://user:pw@host/db.
    #[arg(long)]
    database_url: Option<String>,
    /// Largest request body in MiB.
    #[arg(long, default_value_t = 64)]
    max_body_mib: usize,
    /// Request bodies over 1 MiB held at once, in MiB, across requests (a report costs
    /// about 13 times its size while it is stored); more wait their turn. Default: the
    /// largest body.
    #[arg(long)]
    body_budget_mib: Option<usize>,
    /// Open connections at most (idle ones are closed to make room; beyond, 503).
    #[arg(long, default_value_t = 4096)]
    max_connections: usize,
    /// Seconds to receive a request's headers; also the idle keep-alive time.
    #[arg(long, default_value_t = 30)]
    header_timeout_secs: u64,
    /// Seconds a request body may go without a byte arriving.
    #[arg(long, default_value_t = 30)]
    body_idle_timeout_secs: u64,
    /// Failed logins per client address per minute (raise it behind a reverse proxy,
    /// where every client has the proxy's address).
    #[arg(long, default_value_t = 30)]
    login_failures_per_address: u32,
}

/// Where the database is, for commands working on it directly.
#[derive(clap::Args)]
struct DbArgs {
    /// Data directory (SQLite database `wats.db`).
    #[arg(long, global = true, conflicts_with = "database_url")]
    data: Option<PathBuf>,
    /// Database URL instead of a data directory.
    #[arg(long, global = true)]
    database_url: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::User { db, action } => {
            let store = match (db.data, db.database_url) {
                (_, Some(url)) => wats_server::store::Store::open(&url).await?,
                (Some(dir), None) => wats_server::store::Store::open_dir(&dir).await?,
                (None, None) => anyhow::bail!("give --data DIR or --database-url URL"),
            };
            let result = users::run(&store, action).await;
            store.close().await;
            result
        }
        Command::Serve(args) => serve(args).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let ServeArgs {
        listen,
        data,
        database_url,
        max_body_mib,
        body_budget_mib,
        max_connections,
        header_timeout_secs,
        body_idle_timeout_secs,
        login_failures_per_address,
    } = args;
    let database = match (data, database_url) {
        (_, Some(url)) => wats_server::Database::Url(url),
        (Some(dir), None) => wats_server::Database::Dir(dir),
        (None, None) => anyhow::bail!("give --data DIR or --database-url URL"),
    };
    let admin = match std::env::var("WATS_SERVER_ADMIN") {
        Ok(v) => {
            let (user, password) = v
                .split_once(':')
                .filter(|(u, p)| !u.is_empty() && !p.is_empty())
                .context("WATS_SERVER_ADMIN must be user:password")?;
            Some((user.to_owned(), password.to_owned()))
        }
        Err(_) => None,
    };
    // The default soft limit (often 1024 files) would cap the server at ~1000 clients.
    wats_server::limits::raise_open_file_limit();
    let max_body_bytes = max_body_mib * 1024 * 1024;
    let limits = wats_server::Limits {
        max_connections,
        header_timeout: std::time::Duration::from_secs(header_timeout_secs),
        body_idle_timeout: std::time::Duration::from_secs(body_idle_timeout_secs),
        body_budget_bytes: body_budget_mib.map_or(max_body_bytes, |m| m * 1024 * 1024),
        login_failures_per_address,
        ..wats_server::Limits::default()
    };
    let server = wats_server::start_with_limits(
        wats_server::Config {
            listen,
            database,
            admin,
            max_body_bytes,
        },
        limits,
    )
    .await?;
    if let Some(password) = &server.generated_password {
        println!("Created API user 'admin' with password: {password}");
        println!(
            "Token (HTTP Basic): {}",
            wats_server::auth::basic_token("admin", password)
        );
    }
    println!("wats-server listening on http://{}", server.addr);
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    println!("stopping");
    server.stop().await
}
