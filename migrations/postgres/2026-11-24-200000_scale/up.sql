-- Scale: the inbox's free-text filter (a case-insensitive substring of a user message) answered
-- from an index instead of a scan of every event. PostgreSQL: a pg_trgm GIN index on the
-- lower-cased text of user messages; `lower(text) LIKE '%…%'` uses it.
-- (pg_trgm is a trusted extension: the database owner may create it.)
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX events_user_text_trgm ON events USING gin (lower(text) gin_trgm_ops) WHERE type_name = 'user';

-- Inbox filters on a single column of the conversation that no index served: each index both
-- counts the matches (covering) and yields the first page in the default order.
CREATE INDEX conversations_channel ON conversations (channel, latest_event_at, id) WHERE deleted_at IS NULL;
CREATE INDEX conversations_flagged ON conversations (flagged, latest_event_at, id) WHERE deleted_at IS NULL;
CREATE INDEX conversations_news ON conversations (has_news, latest_event_at, id) WHERE deleted_at IS NULL;
