-- Substring search keyed like the word index: the trigram index's rowid becomes
-- (conversation_id << 24) | seq instead of the event's id, so a match yields its conversation
-- by a shift. Keyed by event id, each match read its `events` row (the event's JSON with it)
-- to learn the conversation: a common substring at a million conversations read most of the
-- events table, and the first search after a restart ran past the request budget (503).
--
-- Contentless (the text stays only in `events`) with contentless_delete, as `user_words`:
-- phrase queries over trigrams need no content. Events past seq 2^24 stay out, as there.
DROP TRIGGER events_user_texts_update;
DROP TRIGGER events_user_texts_delete;
DROP TABLE user_texts;

CREATE VIRTUAL TABLE user_texts USING fts5 (
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram'
);
INSERT INTO user_texts (rowid, text)
SELECT (conversation_id << 24) | seq, text FROM events
WHERE type_name = 'user' AND text IS NOT NULL AND seq < 16777216;

-- db::ingest writes new events' rows in bulk; deletes and (never made) updates stay with
-- triggers.
CREATE TRIGGER events_user_texts_delete AFTER DELETE ON events
WHEN old.type_name = 'user' AND old.text IS NOT NULL AND old.seq < 16777216
BEGIN
    DELETE FROM user_texts WHERE rowid = (old.conversation_id << 24) | old.seq;
END;

CREATE TRIGGER events_user_texts_update AFTER UPDATE OF type_name, text, conversation_id, seq ON events
BEGIN
    DELETE FROM user_texts WHERE rowid = (old.conversation_id << 24) | old.seq
        AND old.type_name = 'user' AND old.text IS NOT NULL AND old.seq < 16777216;
    INSERT INTO user_texts (rowid, text)
    SELECT (new.conversation_id << 24) | new.seq, new.text
    WHERE new.type_name = 'user' AND new.text IS NOT NULL AND new.seq < 16777216;
END;
