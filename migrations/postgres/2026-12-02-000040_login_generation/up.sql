-- Bumped on every password change: a login token carries the generation it was issued under
-- (and the user's id), so a password change or a removed-and-recreated user ends old tokens.
ALTER TABLE users ADD COLUMN login_generation BIGINT NOT NULL DEFAULT 0;
