//! `wats-server user add|list|deactivate|token`: users managed on the database directly, so
//! the first ones can be made before any API client can sign in.
//!
//! A server running on the same database notices these changes within
//! `wats_server::auth::TOKEN_CACHE_TTL` (30 s); changes made through its SCIM API take effect
//! at once.

use anyhow::Context as _;
use clap::Subcommand;
use wats_server::auth::{basic_token, mint_token, DEFAULT_TOKEN_DAYS};
use wats_server::authz::Role;
use wats_server::store::users::User;
use wats_server::store::Store;

/// What to do.
#[derive(Subcommand)]
pub enum Action {
    /// Create a user (no password: it signs in with tokens) and print a first token.
    Add {
        /// The sign-in name.
        name: String,
        /// admin, engineer, operator or station.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The full name.
        #[arg(long)]
        display_name: Option<String>,
        /// Days the first token lasts.
        #[arg(long, default_value_t = DEFAULT_TOKEN_DAYS)]
        token_days: i64,
    },
    /// List the users: name, role, active, id.
    List,
    /// Deactivate a user: every token and password of it stops working.
    Deactivate {
        /// The sign-in name.
        name: String,
    },
    /// Mint a token for a user and print it (shown once; only its hash is kept).
    Token {
        /// The sign-in name.
        name: String,
        /// Days it lasts.
        #[arg(long, default_value_t = DEFAULT_TOKEN_DAYS)]
        days: i64,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| {
        format!("the role '{s}' does not exist (admin, engineer, operator, station)")
    })
}

/// Runs `action` on `store`, printing to standard output.
pub async fn run(store: &Store, action: Action) -> anyhow::Result<()> {
    match action {
        Action::Add {
            name,
            role,
            display_name,
            token_days,
        } => {
            anyhow::ensure!(
                !name.trim().is_empty() && !name.contains(':'),
                "a user name must not be empty or contain ':'"
            );
            anyhow::ensure!(
                store.user_by_name(&name).await?.is_none(),
                "a user named '{name}' exists already"
            );
            let mut u = User::new(name.trim(), role);
            u.display_name = display_name;
            store.insert_user(&u, None).await?;
            println!("Created {} '{}' ({})", u.role, u.username, u.user_id);
            print_token(store, &u, token_days).await
        }
        Action::List => {
            let (_, users) = store.users(0, i64::MAX).await?;
            println!("{:<32} {:<9} {:<8} id", "name", "role", "active");
            for u in users {
                println!(
                    "{:<32} {:<9} {:<8} {}",
                    u.username,
                    u.role.as_str(),
                    if u.active { "yes" } else { "no" },
                    u.user_id
                );
            }
            Ok(())
        }
        Action::Deactivate { name } => {
            let mut u = find(store, &name).await?;
            anyhow::ensure!(
                !(u.active && u.role == Role::Admin && store.active_admin_count().await? <= 1),
                "'{name}' is the last active admin: make another user an admin first"
            );
            u.active = false;
            u.modified_utc = chrono::Utc::now().timestamp_micros();
            store.update_user(&u).await?;
            println!("Deactivated '{name}'");
            Ok(())
        }
        Action::Token { name, days } => {
            let u = find(store, &name).await?;
            anyhow::ensure!(u.active, "'{name}' is deactivated");
            print_token(store, &u, days).await
        }
    }
}

async fn find(store: &Store, name: &str) -> anyhow::Result<User> {
    store
        .user_by_name(name)
        .await?
        .with_context(|| format!("no user named '{name}'"))
}

async fn print_token(store: &Store, u: &User, days: i64) -> anyhow::Result<()> {
    let (secret, expires) = mint_token(store, &u.user_id, days).await?;
    let expires = chrono::DateTime::from_timestamp_micros(expires).unwrap_or_default();
    println!("Token (shown once, expires {expires}): {secret}");
    println!("Authorization: Basic {}", basic_token(&u.username, &secret));
    Ok(())
}
