-- Mirrors the PostgreSQL migration of this name, which adds an index of the columns the day
-- chart and the exact tab counts read, by id. SQLite's conversations are a rowid table, kept
-- in id order already; the same index measured no better there (a million conversations, one round:
-- `intent=intent_010`'s day chart 78 → 74 ms, `entity=city`'s 442 → 436, its tab counts 210
-- → 209): nothing to change.
SELECT 1;
