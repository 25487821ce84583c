DROP TRIGGER IF EXISTS conversations_facets_delete;
DROP TRIGGER IF EXISTS conversations_facets_restore;
DROP TRIGGER IF EXISTS conversations_facets_trash;
DROP TRIGGER IF EXISTS conversations_facets_channel;
DROP TRIGGER IF EXISTS conversations_facets_insert;
DROP TABLE IF EXISTS facet_counts;
