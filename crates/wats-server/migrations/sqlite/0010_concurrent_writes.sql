-- SQLite has one writer, so `seq` stays `MAX(seq) + 1` (PostgreSQL takes it from a sequence).
-- Runs are renumbered per unit at every insert (see store/reports.rs); repair the runs that
-- reports arriving out of order left wrong.
UPDATE reports SET run = ranked.n
FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY sn, pn, process_code, report_type
                                    ORDER BY start_utc, id) AS n
      FROM reports) AS ranked
WHERE reports.id = ranked.id AND reports.run <> ranked.n;
