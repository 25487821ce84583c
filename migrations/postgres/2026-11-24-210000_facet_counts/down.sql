DROP TRIGGER IF EXISTS conversations_facets_delete ON conversations;
DROP TRIGGER IF EXISTS conversations_facets_update ON conversations;
DROP TRIGGER IF EXISTS conversations_facets_insert ON conversations;
DROP FUNCTION IF EXISTS conversations_facets();
DROP FUNCTION IF EXISTS facet_counts_add(BIGINT, TEXT, BIGINT);
DROP TABLE IF EXISTS facet_counts;
