DROP INDEX IF EXISTS conversations_news;
DROP INDEX IF EXISTS conversations_flagged;
DROP INDEX IF EXISTS conversations_channel;
DROP TRIGGER IF EXISTS events_user_texts_update;
DROP TRIGGER IF EXISTS events_user_texts_delete;
DROP TRIGGER IF EXISTS events_user_texts_insert;
DROP TABLE IF EXISTS user_texts;
