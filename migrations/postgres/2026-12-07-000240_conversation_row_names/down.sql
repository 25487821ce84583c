CREATE OR REPLACE FUNCTION conversations_delete_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM events e USING old_conversations o WHERE e.conversation_id = o.id;
    DELETE FROM conversation_features f USING old_conversations o WHERE f.conversation_id = o.id;
    DELETE FROM conversation_paths p USING old_conversations o WHERE p.conversation_id = o.id;
    DELETE FROM queue_conversations q USING old_conversations o WHERE q.conversation_id = o.id;
    RETURN NULL;
END $$;
DROP TABLE conversation_row_names;
