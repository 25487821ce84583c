-- The four tables an import fills in bulk lose their foreign keys; what the keys did is done
-- once per statement or by the importer. A foreign key checks every inserted row on its own:
-- a query of the parent's index that also locks the parent row (`FOR KEY SHARE`, a WAL
-- record when the row is not already locked), fired per row even by COPY. An import writes
-- 18 events per conversation, a user message's row for each of its four or five messages
-- (each locking a distinct event) and a dozen feature rows: measured on this machine,
-- 100,000 demo conversations (1.8 M events) into a fresh database imported at 23,100 and
-- 30,200 events/s with the keys, 37,000 and 39,900 without (`hindsight demo-data`, two
-- rounds each, alternating).
--
-- What the keys guaranteed still holds:
-- - No row without its parent. The importer writes these rows only for conversations it
--   inserted in the same transaction or updated there first (the update locks the row until
--   commit, so no purge can delete it meanwhile, and an update that finds the row purged
--   fails the batch: `db::ingest`); user messages are written by the events' own trigger.
-- - Deleting a conversation deletes its rows, and deleting an event its user message's row:
--   the statement-level triggers below, one `DELETE … USING` per table for the whole
--   statement's rows (a purge of thousands of conversations is one join, not a cascade per
--   row).
ALTER TABLE events DROP CONSTRAINT events_conversation_id_fkey;
ALTER TABLE conversation_features DROP CONSTRAINT conversation_features_conversation_id_fkey;
ALTER TABLE conversation_paths DROP CONSTRAINT conversation_paths_conversation_id_fkey;
ALTER TABLE user_messages DROP CONSTRAINT user_messages_conversation_id_seq_fkey;

CREATE FUNCTION conversations_delete_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM events e USING old_conversations o WHERE e.conversation_id = o.id;
    DELETE FROM conversation_features f USING old_conversations o WHERE f.conversation_id = o.id;
    DELETE FROM conversation_paths p USING old_conversations o WHERE p.conversation_id = o.id;
    RETURN NULL;
END $$;
CREATE TRIGGER conversations_delete_rows AFTER DELETE ON conversations
REFERENCING OLD TABLE AS old_conversations
FOR EACH STATEMENT EXECUTE FUNCTION conversations_delete_rows();

CREATE FUNCTION events_delete_user_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM user_messages u USING old_events o
    WHERE u.conversation_id = o.conversation_id AND u.seq = o.seq;
    RETURN NULL;
END $$;
CREATE TRIGGER events_delete_user_messages AFTER DELETE ON events
REFERENCING OLD TABLE AS old_events
FOR EACH STATEMENT EXECUTE FUNCTION events_delete_user_messages();
