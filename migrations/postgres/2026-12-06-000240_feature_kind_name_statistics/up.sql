-- How often each (kind, name) pair occurs among the filter features, as statistics of the
-- pair: PostgreSQL's own per-column statistics multiply the two frequencies as if
-- independent, while a name belongs to one kind, so it underrated a common feature's holders
-- (a million demo conversations: `entity` / `city` estimated at 31,425 rows, 208,651 there;
-- `intent` / `intent_000` 55,340 against 254,686) and looked them up one by one where
-- hashing them against a scan is cheaper. With these (two rounds, alternated, median of 5):
-- `entity=city`'s day chart 713–723 → 487–501 ms, its exact tab counts 553–634 → 421–496;
-- the other filters of the bench within this machine's spread.
CREATE STATISTICS conversation_features_kind_name (mcv) ON kind, name FROM conversation_features;
ANALYZE conversation_features;
