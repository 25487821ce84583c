-- A conversation's features stored together, in its primary key's order (WITHOUT ROWID):
-- an inbox page reads the intents and actions of its 50 conversations as 50 short runs of
-- rows instead of a lookup of every row through the primary key's separate index, and an
-- import writes one B-tree less per feature. Measured on 300,000 conversations of the
-- million-conversation bench (4.1 M feature rows): the page's names query 2.2 -> 0.8 ms
-- (p50), the rows inserted 30 % faster.
-- The triggers that read conversation_features go while the table is rebuilt (SQLite checks
-- every trigger when a table is renamed) and come back unchanged.
DROP TRIGGER conversations_facets_trash;
DROP TRIGGER conversations_facets_restore;
DROP TRIGGER conversations_facets_delete;

CREATE TABLE conversation_features_rebuilt (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    occurrences BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (conversation_id, kind, name, value)
) WITHOUT ROWID;
INSERT INTO conversation_features_rebuilt (conversation_id, kind, name, value, occurrences)
SELECT conversation_id, kind, name, value, occurrences FROM conversation_features
ORDER BY conversation_id, kind, name, value;
DROP TABLE conversation_features;
ALTER TABLE conversation_features_rebuilt RENAME TO conversation_features;
CREATE INDEX conversation_features_lookup ON conversation_features (kind, name, value, conversation_id);

CREATE TRIGGER conversations_facets_trash AFTER UPDATE OF deleted_at ON conversations
WHEN old.deleted_at IS NULL AND new.deleted_at IS NOT NULL
BEGIN
    UPDATE facet_counts SET conversations = conversations - 1
    WHERE (kind, name, value) IN (SELECT kind, name, value FROM conversation_features WHERE conversation_id = new.id);
    UPDATE facet_counts SET conversations = conversations - 1
    WHERE kind = 'channel' AND name = old.channel AND value = '';
END;

CREATE TRIGGER conversations_facets_restore AFTER UPDATE OF deleted_at ON conversations
WHEN old.deleted_at IS NOT NULL AND new.deleted_at IS NULL
BEGIN
    INSERT INTO facet_counts (kind, name, value, conversations)
    SELECT kind, name, value, 1 FROM conversation_features WHERE conversation_id = new.id
    ON CONFLICT (kind, name, value) DO UPDATE SET conversations = conversations + 1;
    INSERT INTO facet_counts (kind, name, value, conversations)
    SELECT 'channel', new.channel, '', 1 WHERE new.channel IS NOT NULL
    ON CONFLICT (kind, name, value) DO UPDATE SET conversations = conversations + 1;
END;

-- A live conversation deleted outright (not through the trash).
CREATE TRIGGER conversations_facets_delete BEFORE DELETE ON conversations
WHEN old.deleted_at IS NULL
BEGIN
    UPDATE facet_counts SET conversations = conversations - 1
    WHERE (kind, name, value) IN (SELECT kind, name, value FROM conversation_features WHERE conversation_id = old.id);
    UPDATE facet_counts SET conversations = conversations - 1
    WHERE kind = 'channel' AND name = old.channel AND value = '';
END;

