-- Maintained counts of live conversations per (channel, review status): the inbox's total and
-- its tab counts for no filter, a channel or a review status are a sum of a few rows instead of
-- a count over every conversation. channel '' stands for none.
--
-- Kept by triggers on `conversations`, so every write path keeps them in the transaction of
-- its own change: imports (new conversations, a new latest channel), review status changes
-- (one or in bulk), trash, restore and purge, including paths added later. On SQLite one row
-- per key, updated in place: writers are serialised by the database lock anyway.
-- (Mirrored by name in migrations/postgres, where each change appends a row instead.)
CREATE TABLE inbox_counts (
    channel TEXT NOT NULL,
    review_status TEXT NOT NULL,
    conversations BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, review_status)
);
INSERT INTO inbox_counts (channel, review_status, conversations)
SELECT coalesce(channel, ''), review_status, count(*) FROM conversations
WHERE deleted_at IS NULL GROUP BY coalesce(channel, ''), review_status;

CREATE TRIGGER conversations_inbox_counts_insert AFTER INSERT ON conversations
WHEN new.deleted_at IS NULL
BEGIN
    INSERT INTO inbox_counts (channel, review_status, conversations)
    VALUES (coalesce(new.channel, ''), new.review_status, 1)
    ON CONFLICT (channel, review_status) DO UPDATE SET conversations = conversations + 1;
END;

CREATE TRIGGER conversations_inbox_counts_update
AFTER UPDATE OF channel, review_status, deleted_at ON conversations
WHEN (old.deleted_at IS NULL) <> (new.deleted_at IS NULL)
    OR (new.deleted_at IS NULL
        AND (old.channel IS NOT new.channel OR old.review_status <> new.review_status))
BEGIN
    UPDATE inbox_counts SET conversations = conversations - 1
    WHERE old.deleted_at IS NULL
        AND channel = coalesce(old.channel, '') AND review_status = old.review_status;
    INSERT INTO inbox_counts (channel, review_status, conversations)
    SELECT coalesce(new.channel, ''), new.review_status, 1 WHERE new.deleted_at IS NULL
    ON CONFLICT (channel, review_status) DO UPDATE SET conversations = conversations + 1;
END;

CREATE TRIGGER conversations_inbox_counts_delete AFTER DELETE ON conversations
WHEN old.deleted_at IS NULL
BEGIN
    UPDATE inbox_counts SET conversations = conversations - 1
    WHERE channel = coalesce(old.channel, '') AND review_status = old.review_status;
END;
