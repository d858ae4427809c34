-- A tabular load (CSV) stores each row as a JSON array of values and its column names once, here; reads
-- give objects back. The column names were about a third of every CSV row's bytes.
CREATE TABLE record_columns (
    job_id  TEXT PRIMARY KEY NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    columns TEXT NOT NULL
);
