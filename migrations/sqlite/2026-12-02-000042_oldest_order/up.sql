-- The `oldest` order's key: when the conversation started, as first imported. Unlike
-- latest_event_at (which moves when events arrive) and first_event_at (which moves back when an
-- earlier event arrives late), it never changes, so paging through `sort=oldest` neither
-- repeats nor skips a conversation while imports run.
ALTER TABLE conversations ADD COLUMN started_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE conversations SET started_at = first_event_at;
CREATE INDEX conversations_started ON conversations (started_at, id) WHERE deleted_at IS NULL;
