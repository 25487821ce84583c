-- Facet counts: how many live conversations have each (kind, name, value) of
-- conversation_features, and each channel (kind 'channel', value ''), so the filter menus
-- read a thousand rows instead of grouping every feature of a million conversations.
-- Kept by db::ingest for imported features (one upsert per key and batch), and by triggers
-- for everything else: new conversations' channels, channel changes, trash, restore, purge.
CREATE TABLE facet_counts (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    conversations BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, name, value)
);
INSERT INTO facet_counts (kind, name, value, conversations)
SELECT f.kind, f.name, f.value, count(*) FROM conversation_features f
JOIN conversations c ON c.id = f.conversation_id WHERE c.deleted_at IS NULL
GROUP BY f.kind, f.name, f.value;
INSERT INTO facet_counts (kind, name, value, conversations)
SELECT 'channel', channel, '', count(*) FROM conversations
WHERE deleted_at IS NULL AND channel IS NOT NULL GROUP BY channel;

CREATE TRIGGER conversations_facets_insert AFTER INSERT ON conversations
WHEN new.deleted_at IS NULL AND new.channel IS NOT NULL
BEGIN
    INSERT INTO facet_counts (kind, name, value, conversations) VALUES ('channel', new.channel, '', 1)
    ON CONFLICT (kind, name, value) DO UPDATE SET conversations = conversations + 1;
END;

CREATE TRIGGER conversations_facets_channel AFTER UPDATE OF channel ON conversations
WHEN old.deleted_at IS NULL AND new.deleted_at IS NULL AND old.channel IS NOT new.channel
BEGIN
    UPDATE facet_counts SET conversations = conversations - 1
    WHERE kind = 'channel' AND name = old.channel AND value = '';
    INSERT INTO facet_counts (kind, name, value, conversations)
    SELECT 'channel', new.channel, '', 1 WHERE new.channel IS NOT NULL
    ON CONFLICT (kind, name, value) DO UPDATE SET conversations = conversations + 1;
END;

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
