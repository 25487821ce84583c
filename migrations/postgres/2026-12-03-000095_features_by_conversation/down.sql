-- Mirrors the SQLite migration of this name, which stores a conversation's features together
-- (WITHOUT ROWID). PostgreSQL has no clustered tables that stay clustered; its inbox page
-- reads the same rows through the primary key's index. Nothing to change.
SELECT 1;
