DROP TRIGGER events_user_messages_update ON events;
DROP FUNCTION events_user_messages_update();
DROP TRIGGER events_user_messages_insert ON events;
DROP FUNCTION events_user_messages_insert();
DROP TABLE user_messages;
CREATE INDEX events_user_words ON events
USING gin (to_tsvector('simple', hindsight_fold(text))) WHERE type_name = 'user';
CREATE INDEX events_user_text_trgm ON events USING gin (lower(text) gin_trgm_ops) WHERE type_name = 'user';
