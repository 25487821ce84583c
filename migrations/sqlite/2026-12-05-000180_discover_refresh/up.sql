-- Discover refreshes itself as conversations arrive: a run keeps the newest event id when it
-- started, and the refresher asks whether an event came after it (one probe of the events'
-- primary key). An index on when conversations were written would have cost every import
-- an index update per conversation.
ALTER TABLE discover_runs ADD COLUMN events_through BIGINT;
-- Runs the refresher started (not a person), so the API can say so whatever the names of
-- the users.
ALTER TABLE discover_runs ADD COLUMN automatic BOOLEAN NOT NULL DEFAULT FALSE;
