-- A review queue's entries lose their foreign keys, as the import's bulk tables did in
-- `2026-12-06-000200`: filling a queue from a filter inserts thousands of entries, and each
-- key checked every row on its own (a query of the parent's index that locks the parent row).
-- `EXPLAIN ANALYZE` of one 3,000-entry insert on a million conversations: 90 ms, of which
-- the key to `conversations` 42 ms and the key to `review_queues` 13 ms.
--
-- What the keys guaranteed still holds:
-- - No entry without its conversation. A fill that is not part of an import holds the shared
--   form of the "purge" advisory lock from before it reads its candidates until it commits,
--   and a purge takes the exclusive form before it deletes (`db::queue_fill`): no
--   conversation a fill read live can be deleted before the fill's entries are committed,
--   and the statement below then deletes them with it. A fill that is part of an import
--   (a queue following imports) takes only conversations the import inserted or updated,
--   which the import holds locked until it commits.
-- - No entry without its queue. Every fill and a queue's deletion hold the queue's advisory
--   lock (`db::queues::lock`), and a fill checks that the queue is still there once it holds
--   it (a new queue's own fill runs in the transaction that inserts it).
-- - Deleting a conversation or a queue deletes its entries: the statement-level triggers
--   below, one `DELETE … USING` for the whole statement's rows.
ALTER TABLE queue_conversations DROP CONSTRAINT queue_conversations_queue_id_fkey;
ALTER TABLE queue_conversations DROP CONSTRAINT queue_conversations_conversation_id_fkey;

CREATE OR REPLACE FUNCTION conversations_delete_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM events e USING old_conversations o WHERE e.conversation_id = o.id;
    DELETE FROM conversation_features f USING old_conversations o WHERE f.conversation_id = o.id;
    DELETE FROM conversation_paths p USING old_conversations o WHERE p.conversation_id = o.id;
    DELETE FROM queue_conversations q USING old_conversations o WHERE q.conversation_id = o.id;
    RETURN NULL;
END $$;

CREATE FUNCTION review_queues_delete_entries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM queue_conversations q USING old_queues o WHERE q.queue_id = o.id;
    RETURN NULL;
END $$;
CREATE TRIGGER review_queues_delete_entries AFTER DELETE ON review_queues
REFERENCING OLD TABLE AS old_queues
FOR EACH STATEMENT EXECUTE FUNCTION review_queues_delete_entries();
