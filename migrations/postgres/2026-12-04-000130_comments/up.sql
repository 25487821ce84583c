-- Issue 13: comments on a conversation (event_id NULL) or on one of its events, with the
-- users their `@username` mentions named when written. Both go with their conversation
-- (and event) when it is purged from the trash.
CREATE TABLE comments (
    id BIGSERIAL PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    event_id BIGINT REFERENCES events (id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    edited_at TIMESTAMP
);
-- A conversation's comments, oldest first; and the lookup an event's deletion cascades by.
CREATE INDEX comments_conversation ON comments (conversation_id, id);
CREATE INDEX comments_event ON comments (event_id);

-- Who a comment mentions: "mentions of me" is a range of the primary key, newest first.
CREATE TABLE comment_mentions (
    username TEXT NOT NULL,
    comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    PRIMARY KEY (username, comment_id)
);
CREATE INDEX comment_mentions_comment ON comment_mentions (comment_id);
