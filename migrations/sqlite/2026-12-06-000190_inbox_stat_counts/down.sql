DROP TRIGGER conversations_stat_counts_delete;
DROP TRIGGER conversations_stat_counts_update;
DROP TRIGGER conversations_stat_counts_insert;
DROP TABLE inbox_confidence_counts;
DROP TABLE inbox_day_counts;
ALTER TABLE conversations DROP COLUMN start_day_local;
