-- Maintained counts of live conversations per (tag, review status), as `inbox_counts` keeps
-- them per (channel, review status): a tag alone is the filter a script assigning reviewers
-- by tag asks for, and the tags list shows each tag's conversations. Counting a tag's holders
-- read each one's row (`tag=bug`, 20,000 of a million conversations: its count 76 ms, its
-- exact tabs 82 ms, against SQLite's 23 and 25); from these rows, a sum of a few.
--
-- Kept by triggers, so every write path keeps them in the transaction of its own change: a
-- tag given or taken (one or in bulk), a tag deleted, a conversation's review status changed,
-- trashed, restored or purged. As in `inbox_counts`, each change APPENDS a row (+n or -n)
-- rather than updating one per key, so concurrent writers never wait on a hot row or on each
-- other crosswise; readers sum a key's rows and `db::tag_counts::compact` folds them. (SQLite
-- keeps one row per key: the mirror of this migration.)
CREATE TABLE tag_counts (
    tag_id BIGINT NOT NULL,
    review_status TEXT NOT NULL,
    conversations BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX tag_counts_key ON tag_counts (tag_id, review_status);
INSERT INTO tag_counts (tag_id, review_status, conversations)
SELECT ct.tag_id, c.review_status, count(*)
FROM conversation_tags ct JOIN conversations c ON c.id = ct.conversation_id
WHERE c.deleted_at IS NULL
GROUP BY ct.tag_id, c.review_status;

-- Tags given: once per statement (a bulk tagging inserts thousands), counted where their
-- conversation is live. The conversations are share-locked first, in id order (as an update
-- by a list of ids locks them): a review status change or a trash of one of them waits for
-- this transaction, or this waits for it and then counts what it left. Without the lock the
-- two would each miss the other's uncommitted row, and the count would stay one off.
CREATE FUNCTION conversation_tags_given() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM conversations
    WHERE id IN (SELECT conversation_id FROM new_rows) ORDER BY id FOR SHARE;
    INSERT INTO tag_counts (tag_id, review_status, conversations)
    SELECT n.tag_id, c.review_status, count(*)
    FROM new_rows n JOIN conversations c ON c.id = n.conversation_id
    WHERE c.deleted_at IS NULL
    GROUP BY n.tag_id, c.review_status;
    RETURN NULL;
END $$;
CREATE TRIGGER conversation_tags_counts_insert AFTER INSERT ON conversation_tags
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION conversation_tags_given();

-- Tags taken: counted where their conversation is still there and live, and their tag too
-- (a deleted tag's counts go with it: `tags_counts_delete`).
CREATE FUNCTION conversation_tags_taken() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM conversations
    WHERE id IN (SELECT conversation_id FROM old_rows) ORDER BY id FOR SHARE;
    INSERT INTO tag_counts (tag_id, review_status, conversations)
    SELECT o.tag_id, c.review_status, -count(*)
    FROM old_rows o JOIN conversations c ON c.id = o.conversation_id
    WHERE c.deleted_at IS NULL AND EXISTS (SELECT 1 FROM tags t WHERE t.id = o.tag_id)
    GROUP BY o.tag_id, c.review_status;
    RETURN NULL;
END $$;
CREATE TRIGGER conversation_tags_counts_delete AFTER DELETE ON conversation_tags
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION conversation_tags_taken();

CREATE FUNCTION tags_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM tag_counts WHERE tag_id = OLD.id;
    RETURN OLD;
END $$;
CREATE TRIGGER tags_counts_delete AFTER DELETE ON tags
FOR EACH ROW EXECUTE FUNCTION tags_counts_delete();

-- A conversation's review status or liveness changed: its tags move with it. Purged: its tags
-- are taken first, while the conversation is there to say whether it was live (the cascade
-- of its foreign key would take them after it is gone).
CREATE FUNCTION conversations_tag_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM conversation_tags WHERE conversation_id = OLD.id;
        RETURN OLD;
    END IF;
    IF (OLD.deleted_at IS NULL) = (NEW.deleted_at IS NULL)
        AND OLD.review_status = NEW.review_status THEN
        RETURN NEW;
    END IF;
    IF OLD.deleted_at IS NULL THEN
        INSERT INTO tag_counts (tag_id, review_status, conversations)
        SELECT tag_id, OLD.review_status, -1 FROM conversation_tags
        WHERE conversation_id = OLD.id;
    END IF;
    IF NEW.deleted_at IS NULL THEN
        INSERT INTO tag_counts (tag_id, review_status, conversations)
        SELECT tag_id, NEW.review_status, 1 FROM conversation_tags
        WHERE conversation_id = NEW.id;
    END IF;
    RETURN NEW;
END $$;
-- Only where the status or liveness changed: an import's update of a conversation names
-- `deleted_at` every time, and the condition costs no function call.
CREATE TRIGGER conversations_tag_counts_update
AFTER UPDATE OF review_status, deleted_at ON conversations
FOR EACH ROW
WHEN (OLD.review_status IS DISTINCT FROM NEW.review_status
      OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
EXECUTE FUNCTION conversations_tag_counts();
CREATE TRIGGER conversations_tag_counts_delete BEFORE DELETE ON conversations
FOR EACH ROW EXECUTE FUNCTION conversations_tag_counts();
