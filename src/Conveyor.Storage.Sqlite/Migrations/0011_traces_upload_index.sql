-- The upload sweeper asks which files on disk are a job's stored file.
CREATE INDEX stored_files_path_idx ON stored_files (path);

-- Traces: the W3C traceparent of the request that created a job, so the worker's span of the job continues its trace.
ALTER TABLE jobs ADD COLUMN trace_parent TEXT;
