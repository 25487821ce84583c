-- Mirrors the PostgreSQL migration of this name, which moves PostgreSQL's text indexes to a
-- table of the user messages. SQLite's are already tables of their own (`user_words`,
-- `user_texts`, FTS5): nothing to change.
SELECT 1;
