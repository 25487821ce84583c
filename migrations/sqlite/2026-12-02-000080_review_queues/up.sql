-- Issue 13: review queues. A queue hands its sampled conversations to reviewers one at a
-- time and keeps their answers to its rubric.

-- The queue. sampling, assignees and rubric are JSON (hindsight_types::queues); the source
-- filter's query is kept as it was when the queue was filled (the filter may change or go).
CREATE TABLE review_queues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    source_kind TEXT NOT NULL,
    source_filter_id BIGINT,
    source_query TEXT,
    sampling TEXT NOT NULL,
    assignees TEXT NOT NULL,
    reviewers_per_conversation BIGINT NOT NULL,
    reservation_seconds BIGINT NOT NULL,
    paused BOOLEAN NOT NULL DEFAULT FALSE,
    rubric TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX review_queues_name ON review_queues (name);

-- Every conversation the source offered, once (the key): the population. sampled: the
-- sampling rule took it for review; stratum: its stratum's value (stratified sampling);
-- rank: the order conversations are handed out in (the sampling hash, so that a partly
-- reviewed queue is still a random sample); done: completed reviews; reserved: someone
-- holds it now; open: sampled, not reserved, and done below the reviewers the queue asks
-- for (next's index).
CREATE TABLE queue_conversations (
    queue_id BIGINT NOT NULL REFERENCES review_queues (id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    stratum TEXT NOT NULL,
    sampled BOOLEAN NOT NULL,
    rank BIGINT NOT NULL,
    done BIGINT NOT NULL,
    reserved BOOLEAN NOT NULL,
    open BOOLEAN NOT NULL,
    added_at TIMESTAMP NOT NULL,
    PRIMARY KEY (queue_id, conversation_id)
);
CREATE INDEX queue_conversations_next ON queue_conversations (queue_id, open, rank);
CREATE INDEX queue_conversations_conversation ON queue_conversations (conversation_id);

-- One reviewer's turn at one conversation: reserved (until expires_at), done or skipped.
-- A reviewer has at most one row per conversation and queue, so two reviews of a
-- conversation are always by two people.
CREATE TABLE queue_reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue_id BIGINT NOT NULL REFERENCES review_queues (id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    reviewer TEXT NOT NULL,
    status TEXT NOT NULL,
    reserved_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);
CREATE UNIQUE INDEX queue_reviews_turn ON queue_reviews (queue_id, conversation_id, reviewer);
CREATE INDEX queue_reviews_status ON queue_reviews (queue_id, status, expires_at);
CREATE INDEX queue_reviews_conversation ON queue_reviews (conversation_id);

-- A completed review's answers, one row per question answered; value is the answer as
-- text (true/false, the label, 1-5, the text).
CREATE TABLE queue_answers (
    review_id BIGINT NOT NULL REFERENCES queue_reviews (id) ON DELETE CASCADE,
    queue_id BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL,
    question TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (review_id, question)
);
CREATE INDEX queue_answers_queue ON queue_answers (queue_id, question);
CREATE INDEX queue_answers_score ON queue_answers (question, value, conversation_id);
