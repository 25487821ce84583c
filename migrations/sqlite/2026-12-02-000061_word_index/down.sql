DROP TRIGGER events_user_words_update;
DROP TRIGGER events_user_words_delete;
DROP TABLE user_words_vocab;
DROP TABLE user_words;
CREATE TRIGGER events_user_texts_insert AFTER INSERT ON events
WHEN new.type_name = 'user' AND new.text IS NOT NULL
BEGIN
    INSERT INTO user_texts (rowid, text) VALUES (new.id, new.text);
END;
