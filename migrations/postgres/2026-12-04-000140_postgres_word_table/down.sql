DROP TRIGGER events_user_words_update ON events;
DROP FUNCTION events_user_words_update();
DROP TRIGGER events_user_words_insert ON events;
DROP FUNCTION events_user_words_insert();
DROP TABLE user_words;
CREATE INDEX events_user_words ON events
USING gin (to_tsvector('simple', hindsight_fold(text))) WHERE type_name = 'user';
