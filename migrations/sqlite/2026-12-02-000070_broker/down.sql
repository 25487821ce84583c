DROP TABLE export_run_conversations;
DROP TABLE export_runs;
DROP TABLE ingest_errors;
DROP INDEX conversations_environment;
ALTER TABLE conversations DROP COLUMN environment;
