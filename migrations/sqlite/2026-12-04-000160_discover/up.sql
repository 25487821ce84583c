-- Issue 15, Discover: runs grouping the user messages the assistant likely did not handle,
-- their groups (the latest finished run is what `GET /api/discover` shows at once), each
-- group's messages (the inbox's `discover_group=ID` filter reads their conversations), and
-- the messages of dismissed groups, which later runs leave out.
CREATE TABLE discover_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    state TEXT NOT NULL,
    settings TEXT NOT NULL,
    started_by TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    candidates BIGINT NOT NULL DEFAULT 0,
    truncated BOOLEAN NOT NULL DEFAULT FALSE,
    error TEXT
);
CREATE INDEX discover_runs_state ON discover_runs (state, id);

CREATE TABLE discover_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id BIGINT NOT NULL REFERENCES discover_runs (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    terms TEXT NOT NULL,
    size BIGINT NOT NULL,
    senders BIGINT NOT NULL,
    daily TEXT NOT NULL,
    covered BIGINT NOT NULL,
    intents TEXT NOT NULL,
    representatives TEXT NOT NULL,
    dismissed TEXT,
    dismissed_by TEXT,
    dismissed_at TIMESTAMP
);
CREATE INDEX discover_groups_run ON discover_groups (run_id, id);

-- No foreign key to events or conversations: a purged conversation leaves rows that match
-- nothing, and purging does not have to look here.
CREATE TABLE discover_group_messages (
    group_id BIGINT NOT NULL REFERENCES discover_groups (id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL,
    event_id BIGINT NOT NULL,
    PRIMARY KEY (group_id, conversation_id, event_id)
);

CREATE TABLE discover_dismissed (
    event_id BIGINT PRIMARY KEY,
    group_id BIGINT NOT NULL,
    reason TEXT NOT NULL
);
