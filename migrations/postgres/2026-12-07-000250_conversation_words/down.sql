CREATE OR REPLACE FUNCTION events_user_messages_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_messages (conversation_id, seq, words, lowered)
    SELECT conversation_id, seq, to_tsvector('simple', hindsight_fold(text)), lower(text)
    FROM new_events WHERE type_name = 'user' AND text IS NOT NULL;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION events_user_messages_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM user_messages WHERE conversation_id = OLD.conversation_id AND seq = OLD.seq;
    IF NEW.type_name = 'user' AND NEW.text IS NOT NULL THEN
        INSERT INTO user_messages (conversation_id, seq, words, lowered)
        VALUES (NEW.conversation_id, NEW.seq, to_tsvector('simple', hindsight_fold(NEW.text)),
                lower(NEW.text));
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION conversations_delete_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM events e USING old_conversations o WHERE e.conversation_id = o.id;
    DELETE FROM conversation_features f USING old_conversations o WHERE f.conversation_id = o.id;
    DELETE FROM conversation_paths p USING old_conversations o WHERE p.conversation_id = o.id;
    DELETE FROM conversation_row_names r USING old_conversations o WHERE r.conversation_id = o.id;
    DELETE FROM queue_conversations q USING old_conversations o WHERE q.conversation_id = o.id;
    RETURN NULL;
END $$;
DROP TABLE conversation_words;
