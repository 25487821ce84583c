-- Mirrors the PostgreSQL migration of this name, which replaces the foreign keys of a review
-- queue's entries by statement-level triggers and advisory locks, because PostgreSQL's check
-- of each row locks its parent. SQLite's check is a lookup in the parent's index without a
-- lock of its own, every write holds the database's write lock, and dropping a key would
-- rebuild the table: nothing to change.
SELECT 1;
