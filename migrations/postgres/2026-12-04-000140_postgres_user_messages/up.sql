-- Text search from a narrow table of the user messages: their words and their lower-cased
-- text, each with its own GIN index, instead of the two expression indexes on `events`. An
-- index on events yields events: each match was read from the events heap (the event's JSON
-- with it) to learn its conversation, and a common word's bitmap of 200,000 messages
-- re-tested them. At a million conversations the count of "zürich" (95,352 conversations)
-- took 4.8 s and the exact tab counts ran past the request budget; from this table 0.6 s.
-- The stored vector also spares a per-row test its to_tsvector, and ANALYZE keeps statistics
-- of its words that db::plan reads (the expression index's took every word for rare: 13,819
-- estimated for 199,781 messages).
--
-- Kept by statement-level triggers on `events` (one INSERT … SELECT per statement, so a
-- batch's bulk insert stays one statement); a deleted event's row goes with it by the
-- foreign key.
CREATE TABLE user_messages (
    conversation_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    -- What word search matches: to_tsvector('simple', hindsight_fold(text)).
    words TSVECTOR NOT NULL,
    -- What substring search matches: lower(text).
    lowered TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq),
    FOREIGN KEY (conversation_id, seq) REFERENCES events (conversation_id, seq) ON DELETE CASCADE
);
INSERT INTO user_messages (conversation_id, seq, words, lowered)
SELECT conversation_id, seq, to_tsvector('simple', hindsight_fold(text)), lower(text) FROM events
WHERE type_name = 'user' AND text IS NOT NULL;
CREATE INDEX user_messages_words ON user_messages USING gin (words);
CREATE INDEX user_messages_lowered ON user_messages USING gin (lowered gin_trgm_ops);
DROP INDEX events_user_words;
DROP INDEX events_user_text_trgm;

CREATE FUNCTION events_user_messages_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_messages (conversation_id, seq, words, lowered)
    SELECT conversation_id, seq, to_tsvector('simple', hindsight_fold(text)), lower(text)
    FROM new_events WHERE type_name = 'user' AND text IS NOT NULL;
    RETURN NULL;
END $$;
CREATE TRIGGER events_user_messages_insert AFTER INSERT ON events
REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT EXECUTE FUNCTION events_user_messages_insert();

-- Events are never updated in their text; should one be, its row follows (a row trigger:
-- transition tables cannot name columns).
CREATE FUNCTION events_user_messages_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM user_messages WHERE conversation_id = OLD.conversation_id AND seq = OLD.seq;
    IF NEW.type_name = 'user' AND NEW.text IS NOT NULL THEN
        INSERT INTO user_messages (conversation_id, seq, words, lowered)
        VALUES (NEW.conversation_id, NEW.seq, to_tsvector('simple', hindsight_fold(NEW.text)),
                lower(NEW.text));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER events_user_messages_update AFTER UPDATE OF type_name, text ON events
FOR EACH ROW EXECUTE FUNCTION events_user_messages_update();

ANALYZE user_messages;
