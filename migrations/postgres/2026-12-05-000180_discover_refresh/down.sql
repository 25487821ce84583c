ALTER TABLE discover_runs DROP COLUMN automatic;
DROP INDEX conversations_updated;
