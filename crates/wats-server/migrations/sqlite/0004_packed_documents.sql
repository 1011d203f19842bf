-- Report documents are stored LZ4-compressed in `packed` (WSJF shrinks 5-7x): each report
-- then writes a page or two instead of an overflow chain into the WAL and again at the
-- checkpoint. Reports stored before keep their plain `document` (and `packed` NULL).
ALTER TABLE reports ADD COLUMN packed BLOB;
