DROP TABLE conversation_paths;
DELETE FROM settings WHERE key = 'sequence_paths_pending';
