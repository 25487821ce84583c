DROP TRIGGER conversations_insert_counts ON conversations;
DROP FUNCTION conversations_insert_counts();
DROP TRIGGER conversations_span_bound ON conversations;
CREATE TRIGGER conversations_span_bound
AFTER INSERT OR UPDATE OF first_event_at, latest_event_at ON conversations
FOR EACH ROW EXECUTE FUNCTION conversations_span_bound();
CREATE TRIGGER conversations_inbox_counts_insert AFTER INSERT ON conversations
FOR EACH ROW EXECUTE FUNCTION conversations_inbox_counts();
CREATE TRIGGER conversations_facets_insert AFTER INSERT ON conversations
FOR EACH ROW EXECUTE FUNCTION conversations_facets();
