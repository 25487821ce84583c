-- Mirrors the PostgreSQL migration of this name, which gives PostgreSQL's word search one row
-- per conversation. SQLite's word index (`user_words`, FTS5) already names the conversation in
-- its rowid and counts from the index alone: nothing to change.
SELECT 1;
