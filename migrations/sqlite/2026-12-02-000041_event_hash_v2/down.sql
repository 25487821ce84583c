-- The recomputed hashes stay; older code matches fewer re-imports against them.
DELETE FROM settings WHERE key = 'content_hash_version';
