-- Mirrors the PostgreSQL migration of this name, which replaces the foreign keys of the
-- tables an import fills in bulk by statement-level triggers, because PostgreSQL's check
-- of each row locks its parent. SQLite's check is a lookup in the parent's index, without a
-- lock or a log record of its own, and dropping a key would rebuild the events table:
-- nothing to change.
SELECT 1;
