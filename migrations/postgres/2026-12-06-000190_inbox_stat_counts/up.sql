-- Maintained counts behind the inbox's day chart and confidence histogram
-- (GET /api/conversations/stats): for a filter of nothing but channels and review statuses
-- (the inbox with no filter, a tab, a channel) they are a read of a few thousand rows instead
-- of grouping every conversation. (Mirrored by name in migrations/sqlite.)
--
-- The day a conversation started on, in the server's time zone, as days since 1970-01-01:
-- computed by the importer like start_minute_local, in the zone the `timezone` setting names.
-- Here for UTC; a database whose rows were computed in another zone is marked for the
-- recomputation every start does when the setting differs from the configured zone
-- (db::ingest_upkeep::apply_timezone), and the stats are counted from the conversations until
-- then.
ALTER TABLE conversations ADD COLUMN start_day_local BIGINT NOT NULL DEFAULT 0;
UPDATE conversations SET start_day_local = first_event_at::date - DATE '1970-01-01';
UPDATE settings SET value = 'mixed' WHERE key = 'timezone' AND value <> 'UTC';

-- The bin of a lowest intent confidence: bin i holds confidences at or above i/10 (compared
-- as the min_intent_confidence filter compares, and as db::stats bins what it scans), -1 none.
CREATE FUNCTION hindsight_confidence_bin(c double precision) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN c IS NULL THEN -1 WHEN c >= 0.9 THEN 9 WHEN c >= 0.8 THEN 8
        WHEN c >= 0.7 THEN 7 WHEN c >= 0.6 THEN 6 WHEN c >= 0.5 THEN 5 WHEN c >= 0.4 THEN 4
        WHEN c >= 0.3 THEN 3 WHEN c >= 0.2 THEN 2 WHEN c >= 0.1 THEN 1 ELSE 0 END::bigint
$$;

-- Live conversations per (channel, review status, start day) and per (channel, review
-- status, confidence bin); channel '' stands for none. As for inbox_counts, each change
-- APPENDS rows (+n or -n) rather than updating one row per key, so concurrent writers never
-- wait on each other's rows or deadlock; readers sum a key's rows, and db::stats folds them
-- back to one row per key when they have grown.
CREATE TABLE inbox_day_counts (
    channel TEXT NOT NULL,
    review_status TEXT NOT NULL,
    day BIGINT NOT NULL,
    conversations BIGINT NOT NULL
);
CREATE INDEX inbox_day_counts_key ON inbox_day_counts (channel, review_status, day);
INSERT INTO inbox_day_counts (channel, review_status, day, conversations)
SELECT coalesce(channel, ''), review_status, start_day_local, count(*) FROM conversations
WHERE deleted_at IS NULL GROUP BY 1, 2, 3;

CREATE TABLE inbox_confidence_counts (
    channel TEXT NOT NULL,
    review_status TEXT NOT NULL,
    bin BIGINT NOT NULL,
    conversations BIGINT NOT NULL
);
CREATE INDEX inbox_confidence_counts_key ON inbox_confidence_counts (channel, review_status, bin);
INSERT INTO inbox_confidence_counts (channel, review_status, bin, conversations)
SELECT coalesce(channel, ''), review_status, hindsight_confidence_bin(min_intent_confidence),
    count(*)
FROM conversations WHERE deleted_at IS NULL GROUP BY 1, 2, 3;

-- Once per statement, from its transition tables (so an import's INSERT of a hundred
-- conversations, or a bulk status change of thousands, appends one row per key it changed,
-- not one per conversation): what left each key (the old rows) and what joined it (the new),
-- netted, keys whose net is zero left out (an update that moved nothing the counts see).
CREATE FUNCTION conversations_stat_counts() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO inbox_day_counts
        SELECT coalesce(channel, ''), review_status, start_day_local, count(*)
        FROM new_rows WHERE deleted_at IS NULL GROUP BY 1, 2, 3;
        INSERT INTO inbox_confidence_counts
        SELECT coalesce(channel, ''), review_status,
            hindsight_confidence_bin(min_intent_confidence), count(*)
        FROM new_rows WHERE deleted_at IS NULL GROUP BY 1, 2, 3;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO inbox_day_counts
        SELECT coalesce(channel, ''), review_status, start_day_local, -count(*)
        FROM old_rows WHERE deleted_at IS NULL GROUP BY 1, 2, 3;
        INSERT INTO inbox_confidence_counts
        SELECT coalesce(channel, ''), review_status,
            hindsight_confidence_bin(min_intent_confidence), -count(*)
        FROM old_rows WHERE deleted_at IS NULL GROUP BY 1, 2, 3;
    ELSE
        INSERT INTO inbox_day_counts
        SELECT channel, review_status, day, sum(n) FROM (
            SELECT coalesce(channel, '') AS channel, review_status, start_day_local AS day,
                -1 AS n
            FROM old_rows WHERE deleted_at IS NULL
            UNION ALL
            SELECT coalesce(channel, ''), review_status, start_day_local, 1
            FROM new_rows WHERE deleted_at IS NULL
        ) AS moved GROUP BY 1, 2, 3 HAVING sum(n) <> 0;
        INSERT INTO inbox_confidence_counts
        SELECT channel, review_status, bin, sum(n) FROM (
            SELECT coalesce(channel, '') AS channel, review_status,
                hindsight_confidence_bin(min_intent_confidence) AS bin, -1 AS n
            FROM old_rows WHERE deleted_at IS NULL
            UNION ALL
            SELECT coalesce(channel, ''), review_status,
                hindsight_confidence_bin(min_intent_confidence), 1
            FROM new_rows WHERE deleted_at IS NULL
        ) AS moved GROUP BY 1, 2, 3 HAVING sum(n) <> 0;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

-- A trigger with transition tables fires for one event only, hence three.
CREATE TRIGGER conversations_stat_counts_insert AFTER INSERT ON conversations
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION conversations_stat_counts();
CREATE TRIGGER conversations_stat_counts_update AFTER UPDATE ON conversations
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION conversations_stat_counts();
CREATE TRIGGER conversations_stat_counts_delete AFTER DELETE ON conversations
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION conversations_stat_counts();
