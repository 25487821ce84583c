-- Discover runs, one at a time per database (not per process): the running run's thread
-- refreshes `heartbeat_at` every few seconds, and a run whose heartbeat is stale (its server
-- stopped) reads as failed and no longer blocks a new one. At most one row is `running`: the
-- partial unique index settles two servers starting runs at the same moment.
ALTER TABLE discover_runs ADD COLUMN heartbeat_at TIMESTAMP;
-- Migrations run as a server starts: a run still `running` is one a stopped server left.
UPDATE discover_runs SET state = 'failed', error = 'the server stopped during the run',
    finished_at = started_at WHERE state = 'running';
UPDATE discover_runs SET heartbeat_at = COALESCE(finished_at, started_at);
CREATE UNIQUE INDEX discover_runs_one_running ON discover_runs (state) WHERE state = 'running';
