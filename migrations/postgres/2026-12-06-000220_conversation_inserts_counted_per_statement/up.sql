-- A new conversation's counts are kept once per INSERT statement, not once per row. Three
-- row-level triggers ran a PL/pgSQL function for every inserted conversation (its channel's
-- facet count, its inbox count row, the longest-span bound): inserting 2,000 conversations
-- in statements of 100 rows, as an import does, took 240 ms with them and 150 ms without
-- (a million conversations, in a rolled-back transaction). One statement-level trigger now
-- reads the statement's new rows once, as `conversations_stat_counts` already does. Updates
-- and deletes keep their row-level triggers.
DROP TRIGGER conversations_facets_insert ON conversations;
DROP TRIGGER conversations_inbox_counts_insert ON conversations;
DROP TRIGGER conversations_span_bound ON conversations;
CREATE TRIGGER conversations_span_bound
AFTER UPDATE OF first_event_at, latest_event_at ON conversations
FOR EACH ROW EXECUTE FUNCTION conversations_span_bound();

CREATE FUNCTION conversations_insert_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- In the channels' order, so that two imports never wait on each other crosswise.
    INSERT INTO facet_counts AS fc (kind, name, value, conversations)
    SELECT 'channel', channel, '', count(*) FROM new_rows
    WHERE deleted_at IS NULL AND channel IS NOT NULL
    GROUP BY channel ORDER BY channel
    ON CONFLICT (kind, name, value) DO UPDATE SET conversations = fc.conversations + excluded.conversations;
    INSERT INTO inbox_counts (channel, review_status, conversations)
    SELECT coalesce(channel, ''), review_status, count(*) FROM new_rows
    WHERE deleted_at IS NULL GROUP BY 1, 2;
    -- As the row trigger does for an update: a bound, raised past the longest new span.
    UPDATE conversation_span_bound AS b
    SET longest_seconds = GREATEST(b.longest_seconds, floor(s.longest)::BIGINT + 1)
    FROM (SELECT max(extract(epoch FROM latest_event_at - first_event_at)) AS longest
          FROM new_rows) AS s
    WHERE b.id = 1 AND s.longest >= b.longest_seconds;
    RETURN NULL;
END $$;
CREATE TRIGGER conversations_insert_counts AFTER INSERT ON conversations
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION conversations_insert_counts();
