-- Analytics facts kept at ingest (see store/reports.rs and store/analytics/), so that yield and
-- top-failed read thousands of rows at a million reports instead of millions. Keep in step
-- with ../postgres/0018_analytics_facts.sql.
--
-- 1. A unit's facts, on its first run's row (NULL on the other runs): how many runs it has,
--    the first run that passed, and its last start. DynamicYield then reads one row per unit
--    instead of joining every run. They are written where runs are renumbered.
ALTER TABLE reports ADD COLUMN unit_runs BIGINT;
ALTER TABLE reports ADD COLUMN unit_pass_run BIGINT;
ALTER TABLE reports ADD COLUMN unit_last_utc BIGINT;
UPDATE reports SET unit_runs = a.n, unit_pass_run = a.p, unit_last_utc = a.l
FROM (SELECT sn, pn, process_code, report_type, COUNT(*) AS n,
             MIN(CASE WHEN result = 'Passed' THEN run END) AS p, MAX(start_utc) AS l
      FROM reports GROUP BY sn, pn, process_code, report_type) AS a
WHERE reports.run = 1 AND reports.sn = a.sn AND reports.pn = a.pn
  AND reports.process_code = a.process_code AND reports.report_type = a.report_type;

-- 2. The columns yield groups by most (part number, revision, process) with the unit facts,
--    after the type and start it filters on: the yield queries read this index, not the
--    reports' rows (which carry the documents). It serves what `reports_type_start` served.
DROP INDEX IF EXISTS reports_type_start;
CREATE INDEX reports_yield ON reports (report_type, start_utc, pn, rev, process_code,
                                       process_name, result, run, unit_runs, unit_pass_run,
                                       unit_last_utc);
-- A part number given without wildcards is compared for equality without regard to case
-- (store/analytics/filter.rs): this index finds its reports, newest first, for step analysis
-- and measurements (a LIKE pattern cannot use an index on either backend).
CREATE INDEX reports_pn_nocase ON reports (pn COLLATE NOCASE, start_utc);

-- The backfills (the UPDATE above, the INSERTs … ON CONFLICT DO NOTHING below) may run again on a
-- filled database: tests/analytics.rs runs them after wiping one fixture's facts.
--
-- 3. A step dictionary: each (path, name, type) once. `name_key`/`type_key` are the name and
--    type with NULL told apart from '' ('=' prefix, '' for NULL), for the unique key.
CREATE TABLE step_dict (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    name TEXT,
    type TEXT,
    name_key TEXT NOT NULL,
    type_key TEXT NOT NULL,
    UNIQUE (path, name_key, type_key)
);
INSERT INTO step_dict (path, name, type, name_key, type_key)
SELECT DISTINCT step_path, step_name, step_type, COALESCE('=' || step_name, ''),
       COALESCE('=' || step_type, '')
FROM measurements WHERE meas_index = 0
ON CONFLICT (path, name_key, type_key) DO NOTHING;

-- 4. Step executions and failures of UUT reports per UTC day, part number, revision
--    (`rev_key` as above), process and step: TopFailed sums these for whole days.
CREATE TABLE step_day_facts (
    day BIGINT NOT NULL,
    pn TEXT NOT NULL,
    rev TEXT,
    rev_key TEXT NOT NULL,
    process_code BIGINT NOT NULL,
    step_id BIGINT NOT NULL,
    executions BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    first_fail_utc BIGINT,
    last_fail_utc BIGINT,
    PRIMARY KEY (day, pn, rev_key, process_code, step_id)
);
INSERT INTO step_day_facts (day, pn, rev, rev_key, process_code, step_id, executions, failures,
                            first_fail_utc, last_fail_utc)
SELECT CASE WHEN r.start_utc >= 0 THEN r.start_utc / 86400000000
            ELSE (r.start_utc + 1) / 86400000000 - 1 END,
       r.pn, r.rev, COALESCE('=' || r.rev, ''), r.process_code, d.id, COUNT(*),
       SUM(CASE WHEN m.step_status = 'F' THEN 1 ELSE 0 END),
       MIN(CASE WHEN m.step_status = 'F' THEN r.start_utc END),
       MAX(CASE WHEN m.step_status = 'F' THEN r.start_utc END)
FROM reports r
JOIN measurements m ON m.report_id = r.id AND m.meas_index = 0
JOIN step_dict d ON d.path = m.step_path AND d.name_key = COALESCE('=' || m.step_name, '')
                AND d.type_key = COALESCE('=' || m.step_type, '')
WHERE r.report_type = 'T'
GROUP BY 1, r.pn, r.rev, r.process_code, d.id
ON CONFLICT (day, pn, rev_key, process_code, step_id) DO NOTHING;
