-- Loaded rows keyed by a small integer per load instead of the 36-character job id (and the dataset) repeated on
-- every row: the key and the repeated text were a third of each stored CSV row and most of its comparison cost.
-- A load is one job's rows; its id is the key prefix of record_rows.
CREATE TABLE record_loads (
    id      INTEGER PRIMARY KEY,
    job_id  TEXT NOT NULL UNIQUE,
    dataset TEXT NOT NULL
);

-- No foreign key, as before: rows are only written by their job's fenced load, and removed with their load.
CREATE TABLE record_rows (
    load_id    INTEGER NOT NULL,
    row_number INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (load_id, row_number)
) WITHOUT ROWID;

INSERT INTO record_loads (job_id, dataset) SELECT job_id, min(dataset) FROM records GROUP BY job_id ORDER BY job_id;
INSERT INTO record_rows (load_id, row_number, data)
SELECT l.id, r.row_number, r.data FROM records r JOIN record_loads l ON l.job_id = r.job_id ORDER BY l.id, r.row_number;
DROP TABLE records;

-- The records of the spec (dataset, job_id, row_number, data), for reading: each row of record_rows with its job.
CREATE VIEW records (job_id, row_number, dataset, data) AS
SELECT l.job_id, r.row_number, l.dataset, r.data FROM record_loads l JOIN record_rows r ON r.load_id = l.id;

-- The same index, declared unique (id is the key): only then does SQLite see that a dataset's jobs in id order,
-- each job's rows in key order, are already in (job id, row number) order, and page without sorting a job's rows.
DROP INDEX jobs_dataset_idx;
CREATE UNIQUE INDEX jobs_dataset_idx ON jobs (dataset, id) WHERE dataset IS NOT NULL;
