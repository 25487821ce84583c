-- An upper bound of the longest conversation (latest_event_at - first_event_at, in whole
-- seconds, plus one), kept by a trigger on every write path: a date-range filter also bounds
-- latest_event_at <= until + the longest span, so it reads only that stretch of the default
-- order's index (mirrors the SQLite migration of this name). It never shrinks: a bound, not
-- the maximum. Concurrent writers meet on the row only when a conversation is longer than
-- every one before it; GREATEST keeps the larger of two such updates.
CREATE TABLE conversation_span_bound (
    id INT PRIMARY KEY CHECK (id = 1),
    longest_seconds BIGINT NOT NULL
);
INSERT INTO conversation_span_bound (id, longest_seconds)
SELECT 1, coalesce(floor(max(extract(epoch FROM latest_event_at - first_event_at)))::BIGINT + 1, 0)
FROM conversations;

CREATE FUNCTION conversations_span_bound() RETURNS trigger AS $$
BEGIN
    IF extract(epoch FROM NEW.latest_event_at - NEW.first_event_at)
        >= (SELECT longest_seconds FROM conversation_span_bound WHERE id = 1) THEN
        UPDATE conversation_span_bound
        SET longest_seconds = GREATEST(longest_seconds,
            floor(extract(epoch FROM NEW.latest_event_at - NEW.first_event_at))::BIGINT + 1)
        WHERE id = 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER conversations_span_bound
AFTER INSERT OR UPDATE OF first_event_at, latest_event_at ON conversations
FOR EACH ROW EXECUTE FUNCTION conversations_span_bound();
