-- Users with roles, and their tokens (keep the sqlite and postgres files in step). Replaces
-- api_users: each of its users becomes an active admin with the same password, so a server
-- started with WATS_SERVER_ADMIN keeps working.

CREATE TABLE users (
    user_id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    -- admin, engineer, operator or station (crate::authz::Role).
    role TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    -- Argon2; NULL for a user that signs in with tokens only (SCIM-provisioned).
    password_hash TEXT,
    display_name TEXT,
    given_name TEXT,
    family_name TEXT,
    email TEXT,
    external_id TEXT,
    created_utc BIGINT NOT NULL,
    modified_utc BIGINT NOT NULL
);

INSERT INTO users (user_id, username, role, active, password_hash, created_utc, modified_utc)
SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))), username, 'admin', 1, password_hash, created_utc, created_utc FROM api_users;

DROP TABLE api_users;

-- A token is a random secret shown once; only its SHA-256 is kept (a token has 190 bits of
-- entropy, so a fast hash is enough and lets a request find its token by the hash).
CREATE TABLE user_tokens (
    token_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_utc BIGINT NOT NULL,
    expires_utc BIGINT NOT NULL
);

CREATE INDEX user_tokens_user ON user_tokens (user_id);
