-- Loaded rows are stored in chunks: one table row holds a run of a job's consecutive rows as a JSON array, the
-- first of them numbered first_row, and stays under the size at which PostgreSQL would move it out of line and
-- compress it (about 2 KB; the store closes a chunk at 1,900 bytes of JSON, so a 100-byte CSV row shares its
-- chunk with 17 others, and a row larger than that is a chunk of its own).
--
-- A table row per loaded row paid PostgreSQL's per-row costs a million times for a million-row load: a tuple
-- header, the COPY's per-row work and the index entry. The BRIN index of 0004 was the cheapest of those, and it
-- still cost a binary COPY of 1,000,000 rows about 0.25 s of its 1.5 s, for PostgreSQL 15 reads the index's
-- metapage and range map for every row inserted. Chunks pay those costs once per 18 rows (COPY of the same
-- 1,000,000 rows: 1.05-1.3 s against 1.45-1.5 s with the BRIN index), which leaves room for a b-tree primary key
-- again: (job_id, first_row) makes a row impossible to store twice whatever happens to a load, serves a page read
-- (one index probe for the chunk holding the cursor's next row, then a range), and serves purges by job.
CREATE TABLE record_chunks (
    job_id    uuid NOT NULL,
    first_row bigint NOT NULL,
    dataset   text NOT NULL,
    rows      json NOT NULL,
    PRIMARY KEY (job_id, first_row)
);

-- Rows loaded before this migration become chunks of one row each: correct, just not packed.
INSERT INTO record_chunks (job_id, first_row, dataset, rows)
SELECT job_id, row_number, dataset, json_build_array(data) FROM records;
DROP TABLE records;

-- records, as SPEC §4 names it (dataset, job, row number, JSON data): one row per loaded row, for anyone who
-- queries the database directly. The store reads the chunks.
CREATE VIEW records AS
SELECT c.dataset, c.job_id, c.first_row + e.n - 1 AS row_number, e.data
FROM record_chunks c CROSS JOIN LATERAL json_array_elements(c.rows) WITH ORDINALITY AS e (data, n);
