DROP TRIGGER conversations_inbox_counts_delete ON conversations;
DROP TRIGGER conversations_inbox_counts_update ON conversations;
DROP TRIGGER conversations_inbox_counts_insert ON conversations;
DROP FUNCTION conversations_inbox_counts();
DROP TABLE inbox_counts;
