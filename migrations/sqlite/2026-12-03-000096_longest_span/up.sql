-- An upper bound of the longest conversation (latest_event_at - first_event_at, in whole
-- seconds, plus one), kept by triggers on every write path. A date-range filter (activity
-- overlapping [start, until]: latest_event_at >= start AND first_event_at <= until) then
-- also bounds latest_event_at <= until + the longest span, so the page and the count read
-- only that stretch of the default order's index instead of every newer conversation (June
-- in a year of a million conversations: page 90 -> 0.1 ms, count 300 -> 11 ms). It never
-- shrinks when a long conversation goes: a bound, not the maximum.
CREATE TABLE conversation_span_bound (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    longest_seconds BIGINT NOT NULL
);
INSERT INTO conversation_span_bound (id, longest_seconds)
SELECT 1, coalesce(
    CAST(max(julianday(latest_event_at) - julianday(first_event_at)) * 86400 AS INTEGER) + 1, 0)
FROM conversations;

CREATE TRIGGER conversations_span_bound_insert AFTER INSERT ON conversations
WHEN (julianday(new.latest_event_at) - julianday(new.first_event_at)) * 86400
    >= (SELECT longest_seconds FROM conversation_span_bound WHERE id = 1)
BEGIN
    UPDATE conversation_span_bound SET longest_seconds =
        CAST((julianday(new.latest_event_at) - julianday(new.first_event_at)) * 86400 AS INTEGER) + 1
    WHERE id = 1;
END;

CREATE TRIGGER conversations_span_bound_update
AFTER UPDATE OF first_event_at, latest_event_at ON conversations
WHEN (julianday(new.latest_event_at) - julianday(new.first_event_at)) * 86400
    >= (SELECT longest_seconds FROM conversation_span_bound WHERE id = 1)
BEGIN
    UPDATE conversation_span_bound SET longest_seconds =
        CAST((julianday(new.latest_event_at) - julianday(new.first_event_at)) * 86400 AS INTEGER) + 1
    WHERE id = 1;
END;
