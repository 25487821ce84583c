-- Issue 10, training data. A user message's annotation (corrected intent and entities) is
-- kept beside its event: the event, with the assistant's prediction, is never changed.
-- predicted_intent is the prediction when annotated; differs is intent <> predicted_intent
-- (the inbox's "misclassified" filter). entities is the JSON list of the corrected entities.
CREATE TABLE message_annotations (
    event_id BIGINT PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    intent TEXT NOT NULL,
    entities TEXT NOT NULL,
    predicted_intent TEXT,
    differs BOOLEAN NOT NULL,
    annotated_by TEXT NOT NULL,
    annotated_at TIMESTAMP NOT NULL
);
CREATE INDEX message_annotations_conversation ON message_annotations (conversation_id, differs);
CREATE INDEX message_annotations_at ON message_annotations (annotated_at);

-- Saved stories and tests: the YAML file of one item as Rasa writes it (or as edited).
-- The conversation is linked by sender id, not by key: training data outlives a purge.
CREATE TABLE training_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    content TEXT NOT NULL,
    sender_id TEXT,
    event_id BIGINT,
    edited BOOLEAN NOT NULL DEFAULT FALSE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX training_items_kind_name ON training_items (kind, name);
CREATE INDEX training_items_sender ON training_items (sender_id);
