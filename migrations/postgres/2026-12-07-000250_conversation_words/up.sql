-- Word search by conversation: one row per conversation holding every word of its user
-- messages (without positions), with its own GIN index. The word index of the user messages
-- (`user_messages.words`, migration 2026-12-04-000140) lists messages: counting the
-- conversations holding a common word read each matching message's row (200,000 for
-- "refund" at a million, 56,000 heap pages), folded them into conversations and joined those
-- to the conversations, 0.6-0.85 s. From this table a word's posting list is its
-- conversations, one row each. A phrase of several words still needs the messages (adjacency
-- within one message): this table narrows, `user_messages` decides.
--
-- Kept by the statement-level trigger that keeps `user_messages`: a batch's new user
-- messages, their words gathered per conversation and merged into its row (`||` of vectors
-- without positions is the union of their words). Deleting a conversation deletes its row
-- (`conversations_delete_rows`).
CREATE TABLE conversation_words (
    conversation_id BIGINT PRIMARY KEY,
    words TSVECTOR NOT NULL
);
INSERT INTO conversation_words (conversation_id, words)
SELECT m.conversation_id, array_to_tsvector(array_agg(DISTINCT u.lexeme))
FROM user_messages m, unnest(m.words) u GROUP BY m.conversation_id;
CREATE INDEX conversation_words_words ON conversation_words USING gin (words);

CREATE OR REPLACE FUNCTION events_user_messages_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_messages (conversation_id, seq, words, lowered)
    SELECT conversation_id, seq, to_tsvector('simple', hindsight_fold(text)), lower(text)
    FROM new_events WHERE type_name = 'user' AND text IS NOT NULL;
    -- One row per conversation of the batch; a conversation seen before gains the new words.
    INSERT INTO conversation_words AS c (conversation_id, words)
    SELECT n.conversation_id, array_to_tsvector(array_agg(DISTINCT u.lexeme))
    FROM new_events n, unnest(to_tsvector('simple', hindsight_fold(n.text))) u
    WHERE n.type_name = 'user' AND n.text IS NOT NULL
    GROUP BY n.conversation_id
    ON CONFLICT (conversation_id) DO UPDATE SET words = c.words || excluded.words;
    RETURN NULL;
END $$;

-- An event whose text changes (never, in practice): its conversation's words are gathered
-- again from its messages.
CREATE OR REPLACE FUNCTION events_user_messages_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM user_messages WHERE conversation_id = OLD.conversation_id AND seq = OLD.seq;
    IF NEW.type_name = 'user' AND NEW.text IS NOT NULL THEN
        INSERT INTO user_messages (conversation_id, seq, words, lowered)
        VALUES (NEW.conversation_id, NEW.seq, to_tsvector('simple', hindsight_fold(NEW.text)),
                lower(NEW.text));
    END IF;
    DELETE FROM conversation_words WHERE conversation_id = OLD.conversation_id;
    INSERT INTO conversation_words (conversation_id, words)
    SELECT m.conversation_id, array_to_tsvector(array_agg(DISTINCT u.lexeme))
    FROM user_messages m, unnest(m.words) u
    WHERE m.conversation_id = OLD.conversation_id GROUP BY m.conversation_id;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION conversations_delete_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM events e USING old_conversations o WHERE e.conversation_id = o.id;
    DELETE FROM conversation_features f USING old_conversations o WHERE f.conversation_id = o.id;
    DELETE FROM conversation_paths p USING old_conversations o WHERE p.conversation_id = o.id;
    DELETE FROM conversation_row_names r USING old_conversations o WHERE r.conversation_id = o.id;
    DELETE FROM conversation_words w USING old_conversations o WHERE w.conversation_id = o.id;
    DELETE FROM queue_conversations q USING old_conversations o WHERE q.conversation_id = o.id;
    RETURN NULL;
END $$;

ANALYZE conversation_words;
