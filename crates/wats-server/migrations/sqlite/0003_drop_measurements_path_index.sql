-- The step-path index on measurements served no query, and cost most of the ingest time:
-- each report's ~100 step paths land on ~100 different index pages, every one of them written
-- to the WAL and checkpointed again per report (78 → 259 reports/s of 200 steps without it).
-- Measurement analytics reach measurements through the reports they filter (primary key
-- `report_id, …`); an index for them belongs with the queries that need it.
DROP INDEX IF EXISTS measurements_path;
