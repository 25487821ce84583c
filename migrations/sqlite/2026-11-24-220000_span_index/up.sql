-- The default order's index also carries first_event_at, so a date-range filter (activity
-- overlapping [start, until]: latest_event_at >= start AND first_event_at <= until) is
-- checked, counted and paged from the index alone, without reading each conversation's row.
DROP INDEX conversations_latest;
CREATE INDEX conversations_latest ON conversations (latest_event_at, id, first_event_at) WHERE deleted_at IS NULL;
