//! Users, their roles and their tokens (`users`, `user_tokens`; migration 0014).
//!
//! Passwords are Argon2 hashes; tokens are kept as the hex SHA-256 of their secret only.
//! Times are microseconds since the epoch, as everywhere in the store.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::Store;
use crate::authz::Role;

/// A user as stored (without the password hash).
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// GUID.
    pub user_id: String,
    /// The sign-in name (unique).
    pub username: String,
    /// The role.
    pub role: Role,
    /// False once deactivated: every credential of the user is refused.
    pub active: bool,
    /// The full name (`displayName`, `name.formatted`).
    pub display_name: Option<String>,
    /// First name.
    pub given_name: Option<String>,
    /// Last name.
    pub family_name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// The identity provider's id for the user (SCIM `externalId`).
    pub external_id: Option<String>,
    /// Whether the user has a password (else it signs in with tokens only).
    pub has_password: bool,
    /// Created, µs since the epoch.
    pub created_utc: i64,
    /// Last changed, µs since the epoch.
    pub modified_utc: i64,
}

impl User {
    /// A new active user with a fresh id and no password.
    pub fn new(username: &str, role: Role) -> User {
        let now = chrono::Utc::now().timestamp_micros();
        User {
            user_id: uuid::Uuid::new_v4().to_string(),
            username: username.to_owned(),
            role,
            active: true,
            display_name: None,
            given_name: None,
            family_name: None,
            email: None,
            external_id: None,
            has_password: false,
            created_utc: now,
            modified_utc: now,
        }
    }
}

/// What authentication needs of a user.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The user.
    pub user: User,
    /// The Argon2 password hash, if the user has a password.
    pub password_hash: Option<String>,
}

const COLUMNS: &str = "user_id, username, role, active, display_name, given_name, family_name, \
                       email, external_id, password_hash, created_utc, modified_utc";

fn credentials(r: &AnyRow) -> sqlx::Result<Credentials> {
    let role: String = r.try_get(2)?;
    let password_hash: Option<String> = r.try_get(9)?;
    Ok(Credentials {
        user: User {
            user_id: r.try_get(0)?,
            username: r.try_get(1)?,
            // An unknown role (written by a newer server) gets the least rights.
            role: Role::parse(&role).unwrap_or(Role::Station),
            active: r.try_get::<i64, _>(3)? != 0,
            display_name: r.try_get(4)?,
            given_name: r.try_get(5)?,
            family_name: r.try_get(6)?,
            email: r.try_get(7)?,
            external_id: r.try_get(8)?,
            has_password: password_hash.is_some(),
            created_utc: r.try_get(10)?,
            modified_utc: r.try_get(11)?,
        },
        password_hash,
    })
}

impl Store {
    /// A user and its password hash, by sign-in name.
    pub async fn user_credentials(&self, username: &str) -> sqlx::Result<Option<Credentials>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE username = $1");
        let row = sqlx::query(&sql)
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(credentials).transpose()
    }

    /// The user owning the token with this hash, if it is not expired at `now` (µs), and the
    /// token's expiry.
    pub async fn token_user(
        &self,
        token_hash: &str,
        now: i64,
    ) -> sqlx::Result<Option<(User, i64)>> {
        let sql = format!(
            "SELECT {}, t.expires_utc FROM user_tokens t JOIN users u ON u.user_id = t.user_id \
             WHERE t.token_hash = $1 AND t.expires_utc > $2",
            COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((credentials(&r)?.user, r.try_get(12)?)))
            .transpose()
    }

    /// Creates or resets an admin with a password (the user from `WATS_SERVER_ADMIN`): active,
    /// role admin. One statement, so that servers starting together on one database do not
    /// race.
    pub async fn put_user(&self, username: &str, password_hash: &str) -> sqlx::Result<()> {
        let _w = self.write_guard().await;
        let now = chrono::Utc::now().timestamp_micros();
        sqlx::query(
            "INSERT INTO users (user_id, username, role, active, password_hash, created_utc, \
             modified_utc) VALUES ($1, $2, 'admin', 1, $3, $4, $4) \
             ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, \
             role = 'admin', active = 1, modified_utc = excluded.modified_utc",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(username)
        .bind(password_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// How many users exist.
    pub async fn user_count(&self) -> sqlx::Result<i64> {
        sqlx::query("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)
    }

    /// How many active admins exist.
    pub async fn active_admin_count(&self) -> sqlx::Result<i64> {
        sqlx::query("SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)
    }

    /// Inserts a user; `password_hash` sets its password. A taken name is a unique violation
    /// (the caller checks first for a clear message).
    pub async fn insert_user(&self, u: &User, password_hash: Option<&str>) -> sqlx::Result<()> {
        let _w = self.write_guard().await;
        let sql = format!(
            "INSERT INTO users ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        sqlx::query(&sql)
            .bind(&u.user_id)
            .bind(&u.username)
            .bind(u.role.as_str())
            .bind(u.active as i64)
            .bind(u.display_name.clone())
            .bind(u.given_name.clone())
            .bind(u.family_name.clone())
            .bind(u.email.clone())
            .bind(u.external_id.clone())
            .bind(password_hash.map(str::to_owned))
            .bind(u.created_utc)
            .bind(u.modified_utc)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Writes a user's fields (not its password); false when there is no such user.
    pub async fn update_user(&self, u: &User) -> sqlx::Result<bool> {
        let _w = self.write_guard().await;
        let done = sqlx::query(
            "UPDATE users SET username = $2, role = $3, active = $4, display_name = $5, \
             given_name = $6, family_name = $7, email = $8, external_id = $9, modified_utc = $10 \
             WHERE user_id = $1",
        )
        .bind(&u.user_id)
        .bind(&u.username)
        .bind(u.role.as_str())
        .bind(u.active as i64)
        .bind(u.display_name.clone())
        .bind(u.given_name.clone())
        .bind(u.family_name.clone())
        .bind(u.email.clone())
        .bind(u.external_id.clone())
        .bind(u.modified_utc)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// A user by id.
    pub async fn user(&self, user_id: &str) -> sqlx::Result<Option<User>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE user_id = $1");
        let row = sqlx::query(&sql)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| credentials(&r).map(|c| c.user)).transpose()
    }

    /// A user by sign-in name.
    pub async fn user_by_name(&self, username: &str) -> sqlx::Result<Option<User>> {
        Ok(self.user_credentials(username).await?.map(|c| c.user))
    }

    /// A page of users by name (`offset` from 0), and how many there are in all.
    pub async fn users(&self, offset: i64, limit: i64) -> sqlx::Result<(i64, Vec<User>)> {
        let total = self.user_count().await?;
        let sql = format!("SELECT {COLUMNS} FROM users ORDER BY username LIMIT $1 OFFSET $2");
        let rows = sqlx::query(&sql)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        let users = rows
            .iter()
            .map(|r| credentials(r).map(|c| c.user))
            .collect::<sqlx::Result<_>>()?;
        Ok((total, users))
    }

    /// Deletes a user and its tokens; false when there was none.
    pub async fn delete_user(&self, user_id: &str) -> sqlx::Result<bool> {
        let _w = self.write_guard().await;
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM user_tokens WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let done = sqlx::query("DELETE FROM users WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Stores a token (its hash) for a user, expiring at `expires_utc` (µs).
    pub async fn insert_token(
        &self,
        user_id: &str,
        token_hash: &str,
        expires_utc: i64,
    ) -> sqlx::Result<()> {
        let _w = self.write_guard().await;
        sqlx::query(
            "INSERT INTO user_tokens (token_id, user_id, token_hash, created_utc, expires_utc) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(user_id)
        .bind(token_hash)
        .bind(chrono::Utc::now().timestamp_micros())
        .bind(expires_utc)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
