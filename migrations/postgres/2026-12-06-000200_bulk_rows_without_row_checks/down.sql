DROP TRIGGER events_delete_user_messages ON events;
DROP FUNCTION events_delete_user_messages();
DROP TRIGGER conversations_delete_rows ON conversations;
DROP FUNCTION conversations_delete_rows();
ALTER TABLE user_messages ADD CONSTRAINT user_messages_conversation_id_seq_fkey
    FOREIGN KEY (conversation_id, seq) REFERENCES events (conversation_id, seq) ON DELETE CASCADE;
ALTER TABLE conversation_paths ADD CONSTRAINT conversation_paths_conversation_id_fkey
    FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE;
ALTER TABLE conversation_features ADD CONSTRAINT conversation_features_conversation_id_fkey
    FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE;
ALTER TABLE events ADD CONSTRAINT events_conversation_id_fkey
    FOREIGN KEY (conversation_id) REFERENCES conversations (id) ON DELETE CASCADE;
