-- Word search: the `text` filter's default matches whole words (case and accents ignored)
-- from a word index, whose cost follows the words looked up, not the messages holding them.
--
-- An FTS5 table over user messages, unicode61 with remove_diacritics 2 ("zurich" finds
-- "Zürich"). Contentless (the text stays only in `events`), with contentless_delete so a
-- deleted event's row can be removed without its text. Its rowid is not the event's id but
-- (conversation_id << 24) | seq: a match yields its conversation by a shift, without a lookup in
-- `events` per match (what made the trigram index cost 0.5 s for a common word at a million
-- conversations). A conversation's events past 2^24 (16.7 million) would share rowids; db::ingest
-- leaves them out of the index.
CREATE VIRTUAL TABLE user_words USING fts5 (
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO user_words (rowid, text)
SELECT (conversation_id << 24) | seq, text FROM events
WHERE type_name = 'user' AND text IS NOT NULL AND seq < 16777216;
-- How many messages hold each word, read from the index itself: db::plan's estimate of how
-- common a searched word is (walk the inbox order, or gather the matches first).
CREATE VIRTUAL TABLE user_words_vocab USING fts5vocab (user_words, 'row');

-- db::ingest writes both text indexes' rows for new events in bulk, one statement per batch
-- each; deletes and (never made) updates of events stay with triggers.
DROP TRIGGER events_user_texts_insert;

CREATE TRIGGER events_user_words_delete AFTER DELETE ON events
WHEN old.type_name = 'user' AND old.text IS NOT NULL AND old.seq < 16777216
BEGIN
    DELETE FROM user_words WHERE rowid = (old.conversation_id << 24) | old.seq;
END;

CREATE TRIGGER events_user_words_update AFTER UPDATE OF type_name, text, conversation_id, seq ON events
BEGIN
    DELETE FROM user_words WHERE rowid = (old.conversation_id << 24) | old.seq
        AND old.type_name = 'user' AND old.text IS NOT NULL AND old.seq < 16777216;
    INSERT INTO user_words (rowid, text)
    SELECT (new.conversation_id << 24) | new.seq, new.text
    WHERE new.type_name = 'user' AND new.text IS NOT NULL AND new.seq < 16777216;
END;
