-- Processing-order numbers (`seq`, the legacy Report_ID) from a sequence: `MAX(seq) + 1` read
-- inside concurrent transactions handed the same number to several reports.
CREATE SEQUENCE IF NOT EXISTS reports_seq_gen;
SELECT setval('reports_seq_gen', COALESCE((SELECT MAX(seq) FROM reports), 0) + 1, false);
-- Runs are renumbered per unit at every insert (see store/reports.rs); repair the runs that
-- reports arriving out of order left wrong.
UPDATE reports SET run = ranked.n
FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY sn, pn, process_code, report_type
                                    ORDER BY start_utc, id) AS n
      FROM reports) AS ranked
WHERE reports.id = ranked.id AND reports.run <> ranked.n;
