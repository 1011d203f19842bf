-- The Asset domain (keep the sqlite and postgres files in step). Rows keep the object's JSON
-- (`doc`) beside the columns that are looked up or constrained; `*_key` columns hold the
-- upper-cased name or serial number, as WATS compares them without regard to case.

CREATE TABLE asset_types (
    type_id TEXT PRIMARY KEY,
    name_key TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL
);

CREATE TABLE assets (
    asset_id TEXT PRIMARY KEY,
    sn_key TEXT NOT NULL UNIQUE,
    type_id TEXT NOT NULL REFERENCES asset_types (type_id),
    parent_id TEXT,
    doc TEXT NOT NULL
);
CREATE INDEX assets_parent ON assets (parent_id);
CREATE INDEX assets_type ON assets (type_id);

-- Every change to an asset, with who and when (kept until the asset is deleted).
CREATE TABLE asset_log (
    log_id BIGSERIAL PRIMARY KEY,
    asset_id TEXT NOT NULL,
    date_utc BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX asset_log_asset ON asset_log (asset_id);

-- Files stored with an asset (calibration certificates, fixture configurations).
CREATE TABLE asset_files (
    asset_id TEXT NOT NULL REFERENCES assets (asset_id) ON DELETE CASCADE,
    name_key TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    uploaded_utc BIGINT NOT NULL,
    content BYTEA NOT NULL,
    PRIMARY KEY (asset_id, name_key)
);

-- The reports whose assets were counted: a report counts once per id, even when it is sent
-- again after an answer was lost.
CREATE TABLE asset_counted_reports (
    report_id TEXT PRIMARY KEY,
    counted_utc BIGINT NOT NULL
);
