-- The newest-first order's index also carries the columns a page tests on each conversation
-- it walks (the time of day, the lowest intent confidence, the length, the review status and
-- the channel), so that a walk reads a conversation's row only for those that pass them. A
-- walked row was read from the table first: at a million conversations, the page of
-- `action=utter_010&policy=TEDPolicy&time_of_day=08:00-12:00&text=refund` walks about 9,600
-- conversations, and reading their rows was most of its 31 ms (sqlite3, the walk for the
-- time of day alone: 15 ms reading the rows, 1 ms from this index; the page over HTTP 31 →
-- 19 ms). Rebuilt in about 2 s at a million.
DROP INDEX conversations_latest;
CREATE INDEX conversations_latest ON conversations
    (latest_event_at, id, first_event_at, start_minute_local, min_intent_confidence,
     user_message_count, review_status, channel)
    WHERE deleted_at IS NULL;
