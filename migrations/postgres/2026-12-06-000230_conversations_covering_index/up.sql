-- What the inbox's day chart and exact tab counts read of each matching conversation, in an
-- index: both gather a filter's matches by id (a feature's holders, a word's messages) and
-- read only these columns, which PostgreSQL then takes from this narrow index (an
-- index-only scan) rather than from the wide conversation rows at random. Measured at a
-- million conversations on this machine (release build; two rounds, the index dropped and
-- created between them, median of 5 requests each), day chart and exact tab counts in ms:
-- `intent=intent_010` 395–601 → 162–178 and 389–476 → 140–169; `action=utter_005` 496–655 →
-- 334–357 and 445–486 → 301–323; the sequence pattern `intent:intent_000 > !action:utter_000
-- > end` (its candidates) 2,666–2,976 → 1,776–2,411 and 2,174–2,373 → 1,707–2,162. Not
-- `entity=city` (208,651 holders): 663–1,041 → 837–996 and 602–934 → 842–990, its holders
-- looked up one by one rather than hashed against a scan. Importing 100,000 demo
-- conversations: 43,200–48,400 events/s with it, 43,500–54,500 without (four rounds each,
-- alternated), within this machine's spread; but `just bench` at a million imported 38,503
-- events/s with it (and 38,970 with it and 369abb9's statistics) against 45,697 without at
-- 31b9b50: the index is written again each time a batch updates a conversation's row.
--
-- An index-only scan reads the row itself where the page is not marked all-visible (after
-- recent writes, until autovacuum passes), so the gain is for the settled part of the
-- traffic. SQLite has the same columns in its rowid table, keyed by id already: see its
-- migration of this name.
CREATE INDEX conversations_by_id_covering ON conversations (id)
    INCLUDE (review_status, start_day_local, min_intent_confidence, first_event_at)
    WHERE deleted_at IS NULL;
