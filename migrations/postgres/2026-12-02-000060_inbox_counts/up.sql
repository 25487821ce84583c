-- Maintained counts of live conversations per (channel, review status): the inbox's total and
-- its tab counts for no filter, a channel or a review status are a sum of a few rows instead of
-- a count over every conversation. channel '' stands for none.
--
-- Kept by triggers on `conversations`, so every write path keeps them in the transaction of
-- its own change: imports, review status changes (one or in bulk), trash, restore and purge,
-- including paths added later.
--
-- On PostgreSQL each change APPENDS a row (+1 or -1) instead of updating one row per key:
-- updating in place would make every concurrent writer wait on the same hot row until it
-- commits, and two reviewers moving conversations in opposite directions (unread -> reviewed
-- and reviewed -> unread) would take the two rows' locks in opposite orders and deadlock.
-- Appended rows take no lock another writer needs. Readers sum the rows of a key;
-- db::counts::compact folds them back to one row per key (after each import batch, and when a
-- reader finds many), one compactor at a time. (SQLite, serialised by its database lock,
-- keeps one row per key: the mirror of this migration.)
CREATE TABLE inbox_counts (
    channel TEXT NOT NULL,
    review_status TEXT NOT NULL,
    conversations BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX inbox_counts_key ON inbox_counts (channel, review_status);
INSERT INTO inbox_counts (channel, review_status, conversations)
SELECT coalesce(channel, ''), review_status, count(*) FROM conversations
WHERE deleted_at IS NULL GROUP BY coalesce(channel, ''), review_status;

CREATE FUNCTION conversations_inbox_counts() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.deleted_at IS NULL THEN
            INSERT INTO inbox_counts VALUES (coalesce(NEW.channel, ''), NEW.review_status, 1);
        END IF;
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.deleted_at IS NULL THEN
            INSERT INTO inbox_counts VALUES (coalesce(OLD.channel, ''), OLD.review_status, -1);
        END IF;
        RETURN OLD;
    END IF;
    -- UPDATE: nothing to do unless liveness, channel or status changed.
    IF (OLD.deleted_at IS NULL) = (NEW.deleted_at IS NULL)
        AND OLD.channel IS NOT DISTINCT FROM NEW.channel
        AND OLD.review_status = NEW.review_status THEN
        RETURN NEW;
    END IF;
    IF OLD.deleted_at IS NULL THEN
        INSERT INTO inbox_counts VALUES (coalesce(OLD.channel, ''), OLD.review_status, -1);
    END IF;
    IF NEW.deleted_at IS NULL THEN
        INSERT INTO inbox_counts VALUES (coalesce(NEW.channel, ''), NEW.review_status, 1);
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER conversations_inbox_counts_insert AFTER INSERT ON conversations
FOR EACH ROW EXECUTE FUNCTION conversations_inbox_counts();
CREATE TRIGGER conversations_inbox_counts_update
AFTER UPDATE OF channel, review_status, deleted_at ON conversations
FOR EACH ROW EXECUTE FUNCTION conversations_inbox_counts();
CREATE TRIGGER conversations_inbox_counts_delete AFTER DELETE ON conversations
FOR EACH ROW EXECUTE FUNCTION conversations_inbox_counts();
