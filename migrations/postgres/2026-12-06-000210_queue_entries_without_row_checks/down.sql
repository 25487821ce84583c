DROP TRIGGER review_queues_delete_entries ON review_queues;
DROP FUNCTION review_queues_delete_entries();

CREATE OR REPLACE FUNCTION conversations_delete_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM events e USING old_conversations o WHERE e.conversation_id = o.id;
    DELETE FROM conversation_features f USING old_conversations o WHERE f.conversation_id = o.id;
    DELETE FROM conversation_paths p USING old_conversations o WHERE p.conversation_id = o.id;
    RETURN NULL;
END $$;

ALTER TABLE queue_conversations ADD CONSTRAINT queue_conversations_queue_id_fkey
    FOREIGN KEY (queue_id) REFERENCES review_queues (id) ON DELETE CASCADE;
ALTER TABLE queue_conversations ADD CONSTRAINT queue_conversations_conversation_id_fkey
    FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE;
