DROP INDEX IF EXISTS conversations_news;
DROP INDEX IF EXISTS conversations_flagged;
DROP INDEX IF EXISTS conversations_channel;
DROP INDEX IF EXISTS events_user_text_trgm;
