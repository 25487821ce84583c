-- Mirrors the PostgreSQL migration of this name, which counts a statement's new
-- conversations once per statement rather than per row. SQLite has no statement-level
-- triggers; it counts a batch's new conversations itself (`db::counts`): nothing to change.
SELECT 1;
