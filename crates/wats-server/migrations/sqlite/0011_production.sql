-- The Production domain (keep the sqlite and postgres files in step). As for products, rows
-- keep the object's JSON (`doc`) beside upper-cased `*_key` columns: WATS compares serial
-- numbers, part numbers and names without regard to case.

-- Units: one serial number of one part number. The parent link is a column so children are
-- found by index and a unit has at most one parent.
CREATE TABLE units (
    sn_key TEXT NOT NULL,
    pn_key TEXT NOT NULL,
    parent_sn_key TEXT,
    parent_pn_key TEXT,
    batch_key TEXT,
    doc TEXT NOT NULL,
    PRIMARY KEY (sn_key, pn_key)
);
CREATE INDEX units_parent ON units (parent_sn_key, parent_pn_key);
CREATE INDEX units_batch ON units (batch_key);

-- Changes to units (phase, parent, part number, revision) until a client acknowledges them.
CREATE TABLE unit_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sn_key TEXT NOT NULL,
    pn_key TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX unit_changes_unit ON unit_changes (sn_key, pn_key);

-- Every state change of a unit, kept (`GetUnitStateHistory`).
CREATE TABLE unit_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sn_key TEXT NOT NULL,
    pn_key TEXT NOT NULL,
    at_utc BIGINT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX unit_history_unit ON unit_history (sn_key, pn_key, id);

CREATE TABLE production_batches (
    batch_key TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);

CREATE TABLE serial_number_types (
    name_key TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);

-- Serial numbers of a type: `address` is the number's place in the type's sequence (NULL
-- for imported numbers the type's format does not read). state: 0 free, 1 reserved, 2 taken.
CREATE TABLE serial_numbers (
    type_key TEXT NOT NULL REFERENCES serial_number_types (name_key) ON DELETE CASCADE,
    sn_key TEXT NOT NULL,
    sn TEXT NOT NULL,
    address BIGINT,
    state BIGINT NOT NULL,
    ref_sn TEXT,
    ref_pn TEXT,
    station TEXT,
    taken_utc BIGINT,
    PRIMARY KEY (type_key, sn_key)
);
CREATE INDEX serial_numbers_free ON serial_numbers (type_key, state, address);
CREATE INDEX serial_numbers_address ON serial_numbers (type_key, address);
CREATE INDEX serial_numbers_ref ON serial_numbers (type_key, ref_sn);
