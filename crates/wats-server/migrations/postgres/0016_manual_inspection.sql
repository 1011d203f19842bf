-- Manual inspection (keep the sqlite and postgres files in step): test-sequence definitions
-- and their relations, each kept as the JSON WATS answers (`doc`, PascalCase, with any keys a
-- client sent that this server does not know) beside the columns that are looked up. A
-- definition's XAML is kept apart, as given, since it is large and lists do not carry it.

CREATE TABLE mi_definitions (
    definition_id TEXT PRIMARY KEY,
    is_global BIGINT NOT NULL,
    doc TEXT NOT NULL,
    xaml TEXT
);

CREATE TABLE mi_relations (
    relation_id TEXT PRIMARY KEY,
    definition_id TEXT NOT NULL REFERENCES mi_definitions (definition_id) ON DELETE CASCADE,
    doc TEXT NOT NULL
);

CREATE INDEX mi_relations_definition ON mi_relations (definition_id);
