-- `reports_run (sn, pn, process_code, start_utc)` starts with the serial number, so it serves
-- every lookup `reports_sn` served; the second index only cost a page write per report.
DROP INDEX IF EXISTS reports_sn;
