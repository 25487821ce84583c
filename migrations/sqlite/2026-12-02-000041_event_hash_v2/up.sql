-- events.content_hash is now the hash of the event's canonical form (object keys sorted,
-- numbers by value: ingest::event::content_hash), so the same event written with its keys in
-- another order is recognised. Rows hashed the old way (their JSON text as parsed) are
-- marked here; db::ingest::upgrade_content_hashes recomputes them from `data` when the
-- database is next opened, before any import can compare against them.
INSERT INTO settings (key, value)
SELECT 'content_hash_version', '1' WHERE EXISTS (SELECT 1 FROM events);
