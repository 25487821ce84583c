ALTER TABLE discover_runs DROP COLUMN automatic;
ALTER TABLE discover_runs DROP COLUMN events_through;
