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

CREATE FUNCTION facet_counts_add(conv BIGINT, channel TEXT, delta BIGINT) RETURNS void AS $$
BEGIN
    INSERT INTO facet_counts AS fc (kind, name, value, conversations)
    SELECT f.kind, f.name, f.value, delta FROM conversation_features f WHERE f.conversation_id = conv
    ON CONFLICT (kind, name, value) DO UPDATE SET conversations = fc.conversations + delta;
    IF channel IS NOT NULL THEN
        INSERT INTO facet_counts AS fc (kind, name, value, conversations) VALUES ('channel', channel, '', delta)
        ON CONFLICT (kind, name, value) DO UPDATE SET conversations = fc.conversations + delta;
    END IF;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION conversations_facets() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.deleted_at IS NULL AND NEW.channel IS NOT NULL THEN
            INSERT INTO facet_counts AS fc (kind, name, value, conversations) VALUES ('channel', NEW.channel, '', 1)
            ON CONFLICT (kind, name, value) DO UPDATE SET conversations = fc.conversations + 1;
        END IF;
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.deleted_at IS NULL THEN
            PERFORM facet_counts_add(OLD.id, OLD.channel, -1);
        END IF;
        RETURN OLD;
    END IF;
    -- UPDATE
    IF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
        -- Features as they are now; the channel as it was.
        PERFORM facet_counts_add(NEW.id, OLD.channel, -1);
    ELSIF OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL THEN
        PERFORM facet_counts_add(NEW.id, NEW.channel, 1);
    ELSIF NEW.deleted_at IS NULL AND OLD.channel IS DISTINCT FROM NEW.channel THEN
        IF OLD.channel IS NOT NULL THEN
            UPDATE facet_counts SET conversations = conversations - 1
            WHERE kind = 'channel' AND name = OLD.channel AND value = '';
        END IF;
        IF NEW.channel IS NOT NULL THEN
            INSERT INTO facet_counts AS fc (kind, name, value, conversations) VALUES ('channel', NEW.channel, '', 1)
            ON CONFLICT (kind, name, value) DO UPDATE SET conversations = fc.conversations + 1;
        END IF;
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER conversations_facets_insert AFTER INSERT ON conversations
FOR EACH ROW EXECUTE FUNCTION conversations_facets();
CREATE TRIGGER conversations_facets_update AFTER UPDATE OF channel, deleted_at ON conversations
FOR EACH ROW EXECUTE FUNCTION conversations_facets();
-- A live conversation deleted outright (not through the trash): before its features cascade.
CREATE TRIGGER conversations_facets_delete BEFORE DELETE ON conversations
FOR EACH ROW EXECUTE FUNCTION conversations_facets();
