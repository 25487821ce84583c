-- Maintained counts of live conversations per (tag, review status), as `inbox_counts` keeps
-- them per (channel, review status): a tag alone is answered from a few rows rather than by
-- counting its holders. Kept by triggers in the transaction of each change: a tag given or
-- taken (one or in bulk), a tag deleted, a conversation's review status changed, trashed,
-- restored or purged. One row per key, updated in place: SQLite's writers are serialised by
-- its database lock. (Mirrored by name in migrations/postgres, where each change appends a
-- row instead.)
CREATE TABLE tag_counts (
    tag_id BIGINT NOT NULL,
    review_status TEXT NOT NULL,
    conversations BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tag_id, review_status)
);
INSERT INTO tag_counts (tag_id, review_status, conversations)
SELECT ct.tag_id, c.review_status, count(*)
FROM conversation_tags ct JOIN conversations c ON c.id = ct.conversation_id
WHERE c.deleted_at IS NULL
GROUP BY ct.tag_id, c.review_status;

CREATE TRIGGER conversation_tags_counts_insert AFTER INSERT ON conversation_tags
BEGIN
    INSERT INTO tag_counts (tag_id, review_status, conversations)
    SELECT new.tag_id, c.review_status, 1 FROM conversations c
    WHERE c.id = new.conversation_id AND c.deleted_at IS NULL
    ON CONFLICT (tag_id, review_status) DO UPDATE SET conversations = conversations + 1;
END;

-- A deleted tag's rows go with it (`tags_counts_delete`): updating none is harmless.
CREATE TRIGGER conversation_tags_counts_delete AFTER DELETE ON conversation_tags
BEGIN
    UPDATE tag_counts SET conversations = conversations - 1
    WHERE tag_id = old.tag_id
        AND review_status = (SELECT c.review_status FROM conversations c
                             WHERE c.id = old.conversation_id AND c.deleted_at IS NULL);
END;

CREATE TRIGGER tags_counts_delete AFTER DELETE ON tags
BEGIN
    DELETE FROM tag_counts WHERE tag_id = old.id;
END;

CREATE TRIGGER conversations_tag_counts_update
AFTER UPDATE OF review_status, deleted_at ON conversations
WHEN (old.deleted_at IS NULL) <> (new.deleted_at IS NULL)
    OR (new.deleted_at IS NULL AND old.review_status <> new.review_status)
BEGIN
    UPDATE tag_counts SET conversations = conversations - 1
    WHERE old.deleted_at IS NULL AND review_status = old.review_status
        AND tag_id IN (SELECT tag_id FROM conversation_tags WHERE conversation_id = old.id);
    INSERT INTO tag_counts (tag_id, review_status, conversations)
    SELECT tag_id, new.review_status, 1 FROM conversation_tags
    WHERE conversation_id = new.id AND new.deleted_at IS NULL
    ON CONFLICT (tag_id, review_status) DO UPDATE SET conversations = conversations + 1;
END;

-- Purged: its tags are taken first, while the conversation is there to say whether it was
-- live (its foreign key's cascade would take them after it is gone).
CREATE TRIGGER conversations_tag_counts_delete BEFORE DELETE ON conversations
BEGIN
    DELETE FROM conversation_tags WHERE conversation_id = old.id;
END;
