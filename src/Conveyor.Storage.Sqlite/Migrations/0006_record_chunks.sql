-- Loaded rows are stored in record chunks (RecordChunks in the code, as on PostgreSQL): one table row holds a run of
-- a load's consecutive rows as a JSON array, the first of them numbered first_row, closed before 1,900 bytes. A row
-- per loaded row cost the load a bound statement, a step and a b-tree insert per row, most of its time; a chunk pays
-- them once per ~18 rows of a typical CSV. A rowid table, not WITHOUT ROWID: a WITHOUT ROWID row over ~1 KB would
-- spill to overflow pages; the key (load_id, first_row) is its own index.
CREATE TABLE record_chunks (
    load_id   INTEGER NOT NULL,
    first_row INTEGER NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (load_id, first_row)
);

-- Rows loaded before this migration become chunks of one row each: correct, just not packed.
INSERT INTO record_chunks (load_id, first_row, data)
SELECT load_id, row_number, '[' || data || ']' FROM record_rows ORDER BY load_id, row_number;
DROP VIEW records;
DROP TABLE record_rows;

-- The records of the spec (dataset, job_id, row_number, data), for reading: each row of each chunk with its job.
CREATE VIEW records (job_id, row_number, dataset, data) AS
SELECT l.job_id, c.first_row + e.key, l.dataset, e.value
FROM record_loads l JOIN record_chunks c ON c.load_id = l.id, json_each(c.data) AS e;
