-- Levels (client groups) form WATS's system-manager hierarchy (site > department > line...):
-- a level has a parent, and names are unique among siblings, compared without regard to case
-- (`name_key`, upper-cased). The table is rebuilt because the name was unique on its own.
CREATE TABLE levels_tree (
    level_id BIGINT PRIMARY KEY,
    level_name TEXT NOT NULL,
    parent_id BIGINT REFERENCES levels_tree (level_id) ON DELETE CASCADE,
    name_key TEXT NOT NULL
);
INSERT INTO levels_tree (level_id, level_name, parent_id, name_key)
    SELECT level_id, level_name, NULL, UPPER(level_name) FROM levels;
DROP TABLE levels;
ALTER TABLE levels_tree RENAME TO levels;
CREATE UNIQUE INDEX levels_sibling_names ON levels (COALESCE(parent_id, -1), name_key);
