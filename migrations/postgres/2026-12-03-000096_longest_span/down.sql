DROP TRIGGER conversations_span_bound ON conversations;
DROP FUNCTION conversations_span_bound();
DROP TABLE conversation_span_bound;
