DROP INDEX conversations_latest;
CREATE INDEX conversations_latest ON conversations (latest_event_at, id, first_event_at) WHERE deleted_at IS NULL;
