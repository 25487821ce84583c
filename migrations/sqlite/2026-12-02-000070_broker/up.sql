-- Issue 16: conversations arriving from Rasa's event broker (RabbitMQ).

-- The Rasa environment (the broker message's app_id, from RASA_ENVIRONMENT) a conversation's
-- events came from; the latest one received wins. NULL: unknown (files, HTTP).
ALTER TABLE conversations ADD COLUMN environment TEXT;
CREATE INDEX conversations_environment ON conversations (environment, id)
    WHERE environment IS NOT NULL;

-- Messages that can never be imported (not JSON, not an event): kept for an admin, with the
-- raw body and why, and then acknowledged so the queue keeps flowing.
CREATE TABLE ingest_errors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TIMESTAMP NOT NULL,
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    body BLOB NOT NULL,
    -- xxh3 of the body: a redelivered message is recorded once.
    body_hash BIGINT NOT NULL,
    -- The message's properties and headers as JSON.
    properties TEXT NOT NULL
);
CREATE INDEX ingest_errors_body_hash ON ingest_errors (body_hash);

-- `rasa export` runs, recognised by the rasa-export-process-id header of their messages.
CREATE TABLE export_runs (
    id TEXT PRIMARY KEY,
    environment TEXT,
    first_seen_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    messages BIGINT NOT NULL,
    -- The export publishes in timestamp order: the latest event time reached is its progress.
    first_event_timestamp DOUBLE,
    last_event_timestamp DOUBLE
);
CREATE TABLE export_run_conversations (
    run_id TEXT NOT NULL REFERENCES export_runs (id) ON DELETE CASCADE,
    sender_id TEXT NOT NULL,
    PRIMARY KEY (run_id, sender_id)
);
