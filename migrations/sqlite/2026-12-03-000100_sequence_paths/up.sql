-- Each conversation's steps as the sequence filter (`seq=`, issue 14) reads them: one line
-- per user message, action and slot set (see the server's `sequence` module), appended at
-- ingest. The rows of conversations stored before this migration are written by the server
-- when it next opens the database (`db::paths::backfill`), which the setting below asks for.
CREATE TABLE conversation_paths (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    steps TEXT NOT NULL
);
INSERT INTO settings (key, value)
SELECT 'sequence_paths_pending', '1' WHERE EXISTS (SELECT 1 FROM conversations);
