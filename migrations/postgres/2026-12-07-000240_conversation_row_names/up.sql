-- The intents and actions an inbox row shows of its conversation (at most 8 of each, most
-- frequent first, then by name, bytewise: `db::row_names`), one row per conversation written
-- at ingest beside its features. A page read them from `conversation_features`: every intent
-- and action row of its 50 conversations, about 450 at a million demo conversations, sorted,
-- which was half of the server's instructions for a first page (callgrind, SQLite).
-- Conversations stored before this migration get theirs here. No foreign key, as the other
-- per-conversation rows (`2026-12-06-000200`): deleting a conversation deletes its row by the
-- statement-level trigger below.
CREATE TABLE conversation_row_names (
    conversation_id BIGINT PRIMARY KEY,
    names TEXT NOT NULL
);
INSERT INTO conversation_row_names (conversation_id, names)
SELECT c.id, json_build_object(
    'intents', coalesce((SELECT json_agg(name ORDER BY occurrences DESC, name COLLATE "C") FROM (
        SELECT name, occurrences FROM conversation_features f
        WHERE f.conversation_id = c.id AND f.kind = 'intent'
        ORDER BY occurrences DESC, name COLLATE "C" LIMIT 8) s), '[]'::json),
    'actions', coalesce((SELECT json_agg(name ORDER BY occurrences DESC, name COLLATE "C") FROM (
        SELECT name, occurrences FROM conversation_features f
        WHERE f.conversation_id = c.id AND f.kind = 'action'
        ORDER BY occurrences DESC, name COLLATE "C" LIMIT 8) s), '[]'::json))::text
FROM conversations c;

CREATE OR REPLACE FUNCTION conversations_delete_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM events e USING old_conversations o WHERE e.conversation_id = o.id;
    DELETE FROM conversation_features f USING old_conversations o WHERE f.conversation_id = o.id;
    DELETE FROM conversation_paths p USING old_conversations o WHERE p.conversation_id = o.id;
    DELETE FROM conversation_row_names r USING old_conversations o WHERE r.conversation_id = o.id;
    DELETE FROM queue_conversations q USING old_conversations o WHERE q.conversation_id = o.id;
    RETURN NULL;
END $$;
