-- The intents and actions an inbox row shows of its conversation (at most 8 of each, most
-- frequent first, then by name: `db::row_names`), one row per conversation written at ingest
-- beside its features. A page read them from `conversation_features`: every intent and action
-- row of its 50 conversations, about 450 at a million demo conversations, sorted, which was
-- half of the server's instructions for a first page (callgrind). Conversations stored before
-- this migration get theirs here.
CREATE TABLE conversation_row_names (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    names TEXT NOT NULL
);
INSERT INTO conversation_row_names (conversation_id, names)
SELECT c.id, json_object(
    'intents', (SELECT json_group_array(name ORDER BY occurrences DESC, name) FROM (
        SELECT name, occurrences FROM conversation_features f
        WHERE f.conversation_id = c.id AND f.kind = 'intent'
        ORDER BY occurrences DESC, name LIMIT 8)),
    'actions', (SELECT json_group_array(name ORDER BY occurrences DESC, name) FROM (
        SELECT name, occurrences FROM conversation_features f
        WHERE f.conversation_id = c.id AND f.kind = 'action'
        ORDER BY occurrences DESC, name LIMIT 8)))
FROM conversations c;
