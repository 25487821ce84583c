DROP INDEX conversations_started;
ALTER TABLE conversations DROP COLUMN started_at;
