-- Issue 13: a disagreement settled. When the reviews of a conversation in a queue answer a
-- pass/fail, label or scale question differently, someone settles it with final answers to
-- the rubric; the findings then take these answers for the conversation (question by
-- question: where the settlement answers, its answer; elsewhere the reviews' most frequent).
-- answers is a JSON object of question id -> the answer as text, as queue_answers stores it
-- (true/false, the label, 1-5, the text). One settlement per conversation and queue (the
-- key): settling again replaces it.
CREATE TABLE queue_settlements (
    queue_id BIGINT NOT NULL REFERENCES review_queues (id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    answers TEXT NOT NULL,
    settled_by TEXT NOT NULL,
    settled_at TIMESTAMP NOT NULL,
    PRIMARY KEY (queue_id, conversation_id)
);
CREATE INDEX queue_settlements_conversation ON queue_settlements (conversation_id);
