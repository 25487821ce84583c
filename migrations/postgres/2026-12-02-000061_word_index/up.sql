-- Word search: the `text` filter's default matches whole words (case and accents ignored)
-- from a word index. PostgreSQL: a GIN index of the `simple` text search configuration (no
-- stemming, no stop words: whole words as written, lower-cased) over user messages, the
-- accents removed first by `unaccent` when the extension is available (it ships with Debian's
-- postgresql-15 package and is trusted, so the database owner may create it). Without it,
-- hindsight_fold is the identity and word search does not ignore accents.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS unaccent;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'unaccent is not available (%): word search will not ignore accents', SQLERRM;
END $$;

-- unaccent() itself is only STABLE (its dictionary could change), so an index cannot use it;
-- this wrapper names the dictionary and is IMMUTABLE, the usual way to index it.
DO $$
DECLARE
    schema TEXT := (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent');
BEGIN
    IF schema IS NULL THEN
        CREATE FUNCTION hindsight_fold(t TEXT) RETURNS TEXT
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT t $f$;
    ELSE
        EXECUTE format(
            'CREATE FUNCTION hindsight_fold(t TEXT) RETURNS TEXT '
            'LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $f$ SELECT %s.unaccent(%L::regdictionary, t) $f$',
            schema, schema || '.unaccent');
    END IF;
END $$;

-- db::conversations queries with exactly this expression, so that the planner uses the index.
CREATE INDEX events_user_words ON events
USING gin (to_tsvector('simple', hindsight_fold(text))) WHERE type_name = 'user';
