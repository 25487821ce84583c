-- Mirrors the SQLite migration of this name, which re-keys SQLite's trigram index. PostgreSQL's
-- substring search uses the pg_trgm index on events itself (2026-11-24-200000_scale): nothing
-- to change here.
SELECT 1;
