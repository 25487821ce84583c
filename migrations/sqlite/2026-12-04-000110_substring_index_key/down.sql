DROP TRIGGER events_user_texts_update;
DROP TRIGGER events_user_texts_delete;
DROP TABLE user_texts;

CREATE VIRTUAL TABLE user_texts USING fts5 (text, content = 'events', content_rowid = 'id', tokenize = 'trigram');
INSERT INTO user_texts (rowid, text) SELECT id, text FROM events WHERE type_name = 'user' AND text IS NOT NULL;

CREATE TRIGGER events_user_texts_delete AFTER DELETE ON events
WHEN old.type_name = 'user' AND old.text IS NOT NULL
BEGIN
    INSERT INTO user_texts (user_texts, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE TRIGGER events_user_texts_update AFTER UPDATE OF type_name, text ON events
BEGIN
    INSERT INTO user_texts (user_texts, rowid, text)
    SELECT 'delete', old.id, old.text WHERE old.type_name = 'user' AND old.text IS NOT NULL;
    INSERT INTO user_texts (rowid, text)
    SELECT new.id, new.text WHERE new.type_name = 'user' AND new.text IS NOT NULL;
END;
