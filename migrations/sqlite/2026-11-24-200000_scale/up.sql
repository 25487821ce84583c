-- Scale: the inbox's free-text filter (a case-insensitive substring of a user message) answered
-- from an index instead of a scan of every event. SQLite: an FTS5 trigram index over user
-- messages (external content: the text stays only in `events`), kept by triggers, so every
-- write path (import, event broker, API) maintains it. Queries of 3 characters or more use it.
CREATE VIRTUAL TABLE user_texts USING fts5 (text, content = 'events', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO user_texts (rowid, text) SELECT id, text FROM events WHERE type_name = 'user' AND text IS NOT NULL;

CREATE TRIGGER events_user_texts_insert AFTER INSERT ON events
WHEN new.type_name = 'user' AND new.text IS NOT NULL
BEGIN
    INSERT INTO user_texts (rowid, text) VALUES (new.id, new.text);
END;

CREATE TRIGGER events_user_texts_delete AFTER DELETE ON events
WHEN old.type_name = 'user' AND old.text IS NOT NULL
BEGIN
    INSERT INTO user_texts (user_texts, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE TRIGGER events_user_texts_update AFTER UPDATE OF type_name, text ON events
BEGIN
    INSERT INTO user_texts (user_texts, rowid, text)
    SELECT 'delete', old.id, old.text WHERE old.type_name = 'user' AND old.text IS NOT NULL;
    INSERT INTO user_texts (rowid, text)
    SELECT new.id, new.text WHERE new.type_name = 'user' AND new.text IS NOT NULL;
END;

-- Inbox filters on a single column of the conversation that no index served: each index both
-- counts the matches (covering) and yields the first page in the default order.
CREATE INDEX conversations_channel ON conversations (channel, latest_event_at, id) WHERE deleted_at IS NULL;
CREATE INDEX conversations_flagged ON conversations (flagged, latest_event_at, id) WHERE deleted_at IS NULL;
CREATE INDEX conversations_news ON conversations (has_news, latest_event_at, id) WHERE deleted_at IS NULL;
