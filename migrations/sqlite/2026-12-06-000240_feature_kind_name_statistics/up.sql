-- Mirrors the PostgreSQL migration of this name, which gives its planner statistics of the
-- features' (kind, name) pairs. SQLite keeps no statistics of single values (`sqlite_stat1`
-- holds averages per index prefix), and Hindsight chooses between probing and gathering
-- there from the facet counts itself (`db::plan`): nothing to change.
SELECT 1;
