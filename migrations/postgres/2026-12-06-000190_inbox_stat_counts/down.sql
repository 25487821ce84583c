DROP TRIGGER conversations_stat_counts_delete ON conversations;
DROP TRIGGER conversations_stat_counts_update ON conversations;
DROP TRIGGER conversations_stat_counts_insert ON conversations;
DROP FUNCTION conversations_stat_counts();
DROP TABLE inbox_confidence_counts;
DROP TABLE inbox_day_counts;
DROP FUNCTION hindsight_confidence_bin(double precision);
ALTER TABLE conversations DROP COLUMN start_day_local;
