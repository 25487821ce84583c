DROP TRIGGER conversations_stat_counts_delete;
DROP TRIGGER conversations_confidence_counts_update;
DROP TRIGGER conversations_day_counts_update;
DROP TABLE inbox_confidence_counts;
DROP TABLE inbox_day_counts;
ALTER TABLE conversations DROP COLUMN start_day_local;
CREATE TRIGGER conversations_inbox_counts_insert AFTER INSERT ON conversations
WHEN new.deleted_at IS NULL
BEGIN
    INSERT INTO inbox_counts (channel, review_status, conversations)
    VALUES (coalesce(new.channel, ''), new.review_status, 1)
    ON CONFLICT (channel, review_status) DO UPDATE SET conversations = conversations + 1;
END;
