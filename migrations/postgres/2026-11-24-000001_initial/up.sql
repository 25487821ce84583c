-- Hindsight's schema. Mirrored by name in migrations/postgres; only portable column types
-- (TEXT, BIGINT, DOUBLE PRECISION, BOOLEAN, TIMESTAMP as naive UTC) so one diesel schema serves both.

CREATE TABLE conversations (
    id BIGSERIAL PRIMARY KEY,
    sender_id TEXT NOT NULL UNIQUE,
    channel TEXT,
    first_event_at TIMESTAMP NOT NULL,
    latest_event_at TIMESTAMP NOT NULL,
    -- Minute of the day (0..1440) of the first event in the configured time zone.
    start_minute_local BIGINT NOT NULL DEFAULT 0,
    user_message_count BIGINT NOT NULL DEFAULT 0,
    event_count BIGINT NOT NULL DEFAULT 0,
    min_intent_confidence DOUBLE PRECISION,
    min_action_confidence DOUBLE PRECISION,
    -- min(min_intent_confidence, min_action_confidence), 1.0 when there is none: sort key.
    lowest_confidence DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    first_user_message TEXT,
    review_status TEXT NOT NULL DEFAULT 'unread',
    has_news BOOLEAN NOT NULL DEFAULT FALSE,
    flagged BOOLEAN NOT NULL DEFAULT FALSE,
    deleted_at TIMESTAMP,
    deleted_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX conversations_latest ON conversations (latest_event_at, id) WHERE deleted_at IS NULL;
CREATE INDEX conversations_length ON conversations (user_message_count, id) WHERE deleted_at IS NULL;
CREATE INDEX conversations_lowest ON conversations (lowest_confidence, id) WHERE deleted_at IS NULL;
CREATE INDEX conversations_status ON conversations (review_status, latest_event_at, id) WHERE deleted_at IS NULL;
CREATE INDEX conversations_deleted ON conversations (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    type_name TEXT NOT NULL,
    timestamp DOUBLE PRECISION NOT NULL,
    text TEXT,
    intent TEXT,
    name TEXT,
    policy TEXT,
    confidence DOUBLE PRECISION,
    -- 64-bit hash of the event's canonical JSON: re-imports match on it.
    content_hash BIGINT NOT NULL,
    -- The event exactly as received.
    data TEXT NOT NULL
);
CREATE UNIQUE INDEX events_conversation_seq ON events (conversation_id, seq);

-- Many-valued filters: one row per distinct (kind, name, value) in a conversation.
-- kind is 'intent', 'action', 'entity', 'policy' or 'slot'; value is '' except for slots.
CREATE TABLE conversation_features (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    occurrences BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (conversation_id, kind, name, value)
);
CREATE INDEX conversation_features_lookup ON conversation_features (kind, name, value, conversation_id);

CREATE TABLE tags (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE conversation_tags (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    tag_id BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    tagged_by TEXT NOT NULL,
    tagged_at TIMESTAMP NOT NULL,
    PRIMARY KEY (conversation_id, tag_id)
);
CREATE INDEX conversation_tags_tag ON conversation_tags (tag_id, conversation_id);

CREATE TABLE message_flags (
    event_id BIGINT PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    note TEXT,
    flagged_by TEXT NOT NULL,
    flagged_at TIMESTAMP NOT NULL
);
CREATE INDEX message_flags_conversation ON message_flags (conversation_id);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);

CREATE TABLE filter_templates (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    shared BOOLEAN NOT NULL DEFAULT FALSE,
    query TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX filter_templates_owner_name ON filter_templates (owner, name);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    conversation_id BIGINT,
    target TEXT,
    before TEXT,
    after TEXT
);
CREATE INDEX audit_log_conversation ON audit_log (conversation_id, id);

-- Incremental imports (a Rasa SQL tracker store's last imported row id, …) and settings.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
