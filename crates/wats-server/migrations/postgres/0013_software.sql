-- The Software domain (keep the sqlite and postgres files in step): packages (one row per
-- version), their folders and files (content kept here), virtual folders, and the download
-- log. `doc` keeps the object's JSON; `*_key` columns hold upper-cased names and paths, as
-- WATS compares them without regard to case.

CREATE TABLE sw_packages (
    package_id TEXT PRIMARY KEY,
    name_key TEXT NOT NULL,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    doc TEXT NOT NULL,
    UNIQUE (name_key, version)
);

CREATE TABLE sw_folders (
    folder_id TEXT PRIMARY KEY,
    package_id TEXT NOT NULL REFERENCES sw_packages (package_id) ON DELETE CASCADE,
    path_key TEXT NOT NULL,
    doc TEXT NOT NULL,
    UNIQUE (package_id, path_key)
);

CREATE TABLE sw_files (
    file_id TEXT PRIMARY KEY,
    package_id TEXT NOT NULL REFERENCES sw_packages (package_id) ON DELETE CASCADE,
    path_key TEXT NOT NULL,
    doc TEXT NOT NULL,
    content BYTEA NOT NULL,
    UNIQUE (package_id, path_key)
);

CREATE TABLE sw_virtual_folders (
    folder_id TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);

CREATE TABLE sw_downloads (
    download_id BIGSERIAL PRIMARY KEY,
    package_id TEXT NOT NULL,
    client_id BIGINT,
    date_utc BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX sw_downloads_client ON sw_downloads (client_id);
