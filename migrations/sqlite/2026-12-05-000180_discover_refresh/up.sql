-- Discover refreshes itself as conversations arrive: the refresher asks, every interval,
-- whether a live conversation was written (imported or given new events: `updated_at`)
-- since the newest finished run started. This index answers that with one probe, however
-- many conversations there are.
CREATE INDEX conversations_updated ON conversations (updated_at) WHERE deleted_at IS NULL;
-- Runs the refresher started (not a person), so the API can say so whatever the names of
-- the users.
ALTER TABLE discover_runs ADD COLUMN automatic BOOLEAN NOT NULL DEFAULT FALSE;
