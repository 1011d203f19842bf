-- The Product domain (keep the sqlite and postgres files in step). Each row keeps the
-- object's JSON as WATS answers it (`doc`, with any fields a client sent that this server
-- does not know) beside the columns that are looked up or constrained. `*_key` columns hold
-- the upper-cased name: WATS compares part numbers, revisions and names without regard to
-- case (SQL Server's default collation), and the UNIQUE constraint then enforces it.

CREATE TABLE product_categories (
    category_id TEXT PRIMARY KEY,
    name_key TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL
);

CREATE TABLE products (
    product_id TEXT PRIMARY KEY,
    pn_key TEXT NOT NULL UNIQUE,
    category_id TEXT REFERENCES product_categories (category_id) ON DELETE SET NULL,
    doc TEXT NOT NULL
);

CREATE TABLE product_revisions (
    revision_id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (product_id) ON DELETE CASCADE,
    rev_key TEXT NOT NULL,
    doc TEXT NOT NULL,
    UNIQUE (product_id, rev_key)
);

-- Box-build templates: a parent revision needs child revisions.
CREATE TABLE revision_relations (
    relation_id TEXT PRIMARY KEY,
    parent_revision_id TEXT NOT NULL REFERENCES product_revisions (revision_id) ON DELETE CASCADE,
    child_revision_id TEXT NOT NULL REFERENCES product_revisions (revision_id) ON DELETE CASCADE,
    doc TEXT NOT NULL
);
CREATE INDEX revision_relations_parent ON revision_relations (parent_revision_id);
CREATE INDEX revision_relations_child ON revision_relations (child_revision_id);

CREATE TABLE bom_items (
    revision_id TEXT NOT NULL REFERENCES product_revisions (revision_id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    vendor_key TEXT,
    doc TEXT NOT NULL,
    PRIMARY KEY (revision_id, position)
);
CREATE INDEX bom_items_vendor ON bom_items (vendor_key);

CREATE TABLE vendors (
    vendor_id TEXT PRIMARY KEY,
    name_key TEXT NOT NULL UNIQUE,
    doc TEXT NOT NULL
);

-- Product groups (created in 0001) get a description and a visibility.
ALTER TABLE product_groups ADD COLUMN description TEXT;
ALTER TABLE product_groups ADD COLUMN is_public BIGINT NOT NULL DEFAULT 1;

-- Which products a product group holds: part-number patterns (`%` at the end: a prefix),
-- optionally one revision pattern, included or excluded.
CREATE TABLE product_group_filters (
    filter_id BIGINT PRIMARY KEY,
    product_group_id BIGINT NOT NULL REFERENCES product_groups (product_group_id) ON DELETE CASCADE,
    part_number TEXT NOT NULL,
    revision TEXT,
    exclude BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX product_group_filters_group ON product_group_filters (product_group_id);
