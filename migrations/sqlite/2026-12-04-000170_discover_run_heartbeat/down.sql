DROP INDEX discover_runs_one_running;
ALTER TABLE discover_runs DROP COLUMN heartbeat_at;
