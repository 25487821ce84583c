-- The `oldest` order's key: when the conversation started, as first imported. Unlike
-- latest_event_at (which moves when events arrive) and first_event_at (which moves back when an
-- earlier event arrives late), it never changes, so paging through `sort=oldest` neither
-- repeats nor skips a conversation while imports run.
ALTER TABLE conversations ADD COLUMN started_at TIMESTAMP;
UPDATE conversations SET started_at = first_event_at;
ALTER TABLE conversations ALTER COLUMN started_at SET NOT NULL;
CREATE INDEX conversations_started ON conversations (started_at, id) WHERE deleted_at IS NULL;
