-- Mirrors the PostgreSQL migration of this name, which moves PostgreSQL's word index to a
-- table of its own. SQLite's word index is already one (`user_words`, FTS5): nothing to change.
SELECT 1;
