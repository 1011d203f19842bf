-- wats-server schema, SQLite flavour (keep in step with ../postgres/0001_initial.sql).
-- Times are microseconds since the Unix epoch (UTC); booleans are 0/1 integers; ids are
-- lower-case hyphenated UUID text. The same SQL types decode the same way through sqlx Any.

CREATE TABLE api_users (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_utc BIGINT NOT NULL
);

CREATE TABLE processes (
    code BIGINT PRIMARY KEY,
    process_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    is_test_operation BIGINT NOT NULL DEFAULT 0,
    is_repair_operation BIGINT NOT NULL DEFAULT 0,
    is_wip_operation BIGINT NOT NULL DEFAULT 0,
    process_index BIGINT NOT NULL DEFAULT 0,
    state BIGINT NOT NULL DEFAULT 1,
    properties TEXT
);

CREATE TABLE levels (
    level_id BIGINT PRIMARY KEY,
    level_name TEXT NOT NULL UNIQUE
);

CREATE TABLE product_groups (
    product_group_id BIGINT PRIMARY KEY,
    product_group_name TEXT NOT NULL UNIQUE
);

CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    report_type TEXT NOT NULL,
    pn TEXT NOT NULL,
    sn TEXT NOT NULL,
    rev TEXT,
    product_name TEXT,
    process_code BIGINT NOT NULL,
    process_name TEXT,
    result TEXT NOT NULL,
    station TEXT,
    location TEXT,
    purpose TEXT,
    start_text TEXT NOT NULL,
    start_utc BIGINT NOT NULL,
    operator TEXT,
    comment TEXT,
    batch_sn TEXT,
    fixture_id TEXT,
    exec_time REAL,
    test_socket_index BIGINT,
    error_code BIGINT,
    error_message TEXT,
    sw_filename TEXT,
    sw_version TEXT,
    caused_uut_failure TEXT,
    caused_uut_failure_path TEXT,
    referenced_uut TEXT,
    origin TEXT,
    run BIGINT NOT NULL,
    receive_count BIGINT NOT NULL,
    report_size BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    received_utc BIGINT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX reports_sn ON reports (sn);
CREATE INDEX reports_pn_rev ON reports (pn, rev);
CREATE INDEX reports_start ON reports (start_utc);
CREATE INDEX reports_type_start ON reports (report_type, start_utc);
CREATE INDEX reports_process ON reports (process_code);
CREATE INDEX reports_result ON reports (result);
CREATE INDEX reports_station ON reports (station);
CREATE INDEX reports_operator ON reports (operator);
CREATE INDEX reports_seq ON reports (seq);
CREATE INDEX reports_referenced_uut ON reports (referenced_uut);
CREATE INDEX reports_run ON reports (sn, pn, process_code, start_utc);

CREATE TABLE report_misc_infos (
    report_id TEXT NOT NULL,
    idx BIGINT NOT NULL,
    description TEXT,
    text_value TEXT,
    numeric_value REAL,
    PRIMARY KEY (report_id, idx)
);
CREATE INDEX report_misc_infos_value ON report_misc_infos (description, text_value);

CREATE TABLE report_sub_units (
    report_id TEXT NOT NULL,
    idx BIGINT NOT NULL,
    part_type TEXT,
    pn TEXT,
    sn TEXT,
    rev TEXT,
    PRIMARY KEY (report_id, idx)
);
CREATE INDEX report_sub_units_sn ON report_sub_units (sn);
CREATE INDEX report_sub_units_pn ON report_sub_units (pn);

CREATE TABLE report_assets (
    report_id TEXT NOT NULL,
    idx BIGINT NOT NULL,
    asset_sn TEXT,
    usage_count BIGINT,
    PRIMARY KEY (report_id, idx)
);
CREATE INDEX report_assets_sn ON report_assets (asset_sn);

CREATE TABLE report_attachments (
    report_id TEXT NOT NULL,
    idx BIGINT NOT NULL,
    step_id BIGINT,
    attachment_id TEXT,
    name TEXT,
    content_type TEXT,
    size BIGINT NOT NULL,
    PRIMARY KEY (report_id, idx)
);

CREATE TABLE measurements (
    report_id TEXT NOT NULL,
    step_index BIGINT NOT NULL,
    meas_index BIGINT NOT NULL,
    step_id BIGINT,
    step_path TEXT NOT NULL,
    step_name TEXT,
    step_type TEXT,
    step_status TEXT,
    kind TEXT NOT NULL,
    meas_name TEXT,
    value REAL,
    string_value TEXT,
    unit TEXT,
    low_limit REAL,
    high_limit REAL,
    string_limit TEXT,
    comp_op TEXT,
    status TEXT,
    PRIMARY KEY (report_id, step_index, meas_index)
);
CREATE INDEX measurements_path ON measurements (step_path);
