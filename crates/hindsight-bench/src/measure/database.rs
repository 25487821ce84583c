//! The databases a backend is measured on: created afresh, loaded with the demo data,
//! sized, dropped; and the bench's own API token.

use anyhow::anyhow;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use hindsight_server::db::{Backend, DbConnection};

use super::*;

/// A bearer token for the bench client: an admin API token created directly in the database.
pub(super) fn bench_token(conn: &mut DbConnection) -> anyhow::Result<Option<String>> {
    let token = hindsight_server::auth::new_api_token();
    hindsight_server::db::users::create_token(
        conn,
        "bench",
        &hindsight_server::auth::token_hash(&token),
        "admin",
        "bench",
    )?;
    Ok(Some(token))
}

/// The URL of database `name` on the PostgreSQL server of `admin` (an admin URL).
fn postgres_database_url(admin: &str, name: &str) -> anyhow::Result<String> {
    let i = admin
        .rfind('/')
        .ok_or_else(|| anyhow!("unexpected PostgreSQL URL {admin}"))?;
    Ok(format!("{}/{name}", &admin[..i]))
}

/// Creates (afresh) the database of a backend and returns its URL.
pub(super) fn fresh_database(opts: &BenchOptions, backend: Backend) -> anyhow::Result<String> {
    match backend {
        Backend::Sqlite => {
            std::fs::create_dir_all(&opts.workdir)?;
            let path = opts.workdir.join("bench.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            Ok(format!("sqlite://{}", path.display()))
        }
        Backend::Postgres => {
            let admin = opts
                .postgres_url
                .as_deref()
                .ok_or_else(|| anyhow!("no PostgreSQL URL"))?;
            let name = format!("hindsight_bench_{}", std::process::id());
            let mut conn = diesel::PgConnection::establish(admin)?;
            conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
            conn.batch_execute(&format!("CREATE DATABASE {name}"))?;
            postgres_database_url(admin, &name)
        }
    }
}

/// Drops the PostgreSQL database of `url` (the bench's own, from [`fresh_database`]).
pub(super) fn drop_database(opts: &BenchOptions, url: &str) {
    if let (Some(admin), Some(name)) = (&opts.postgres_url, url.rsplit('/').next()) {
        if let Ok(mut conn) = diesel::PgConnection::establish(admin) {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// The database's size on disk: SQLite's files, PostgreSQL's `pg_database_size`.
pub(super) fn disk_bytes(conn: &mut DbConnection, url: &str) -> anyhow::Result<u64> {
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        size: i64,
    }
    match conn.backend() {
        Backend::Sqlite => {
            let path = url.trim_start_matches("sqlite://");
            Ok(["", "-wal", "-shm"]
                .iter()
                .filter_map(|s| std::fs::metadata(format!("{path}{s}")).ok())
                .map(|m| m.len())
                .sum())
        }
        Backend::Postgres => {
            let s: Size = diesel::sql_query("SELECT pg_database_size(current_database()) AS size")
                .get_result(conn)?;
            Ok(s.size as u64)
        }
    }
}

/// One id, as a hand-written query answers it.
#[derive(QueryableByName)]
pub(crate) struct OneId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub(crate) id: i64,
}

/// Loads the demo data into the database (unless `--reuse-sqlite` keeps an earlier run's)
/// and notes its import rate, its size and, on PostgreSQL, the settings that bear on them.
pub(super) fn load(
    opts: &BenchOptions,
    backend: Backend,
    url: &str,
    conn: &mut DbConnection,
    r: &mut BackendResult,
) -> anyhow::Result<()> {
    let conversations = r.conversations;
    let ingest = hindsight_server::ingest::IngestOptions {
        timezone: chrono_tz::UTC,
        restore_deleted: false,
    };
    say(
        opts,
        format!("{}: loading {conversations} conversations", r.backend),
    );
    let step = (conversations / 20).max(1);
    let mut next = step;
    // A database an earlier run left is measured as it is (`--reuse-sqlite`).
    if !(opts.reuse_sqlite && backend == Backend::Sqlite) {
        let loaded = hindsight_server::demo::load(conn, conversations, opts.seed, &ingest, |n| {
            if n >= next {
                say(opts, format!("{n} conversations"));
                next += step;
            }
        })?;
        r.events = loaded.events;
        r.import_seconds = loaded.seconds;
        r.import_events_per_s = loaded.events as f64 / loaded.seconds.max(1e-9);
    }
    r.disk_bytes = disk_bytes(conn, url)?;
    if backend == Backend::Postgres {
        #[derive(QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Text)]
            setting: String,
        }
        let mut show = |name: &str| -> anyhow::Result<String> {
            let s: Setting =
                diesel::sql_query(format!("SELECT current_setting('{name}') AS setting"))
                    .get_result(conn)?;
            Ok(s.setting)
        };
        let (fsync, shared_buffers) = (show("fsync")?, show("shared_buffers")?);
        if fsync == "off" {
            r.notes.push("This PostgreSQL server runs with `fsync = off` and `synchronous_commit = off` (`scripts/with-postgres.sh`'s throwaway server), so its import is faster than a durable server's would be; SQLite runs with its production settings (WAL, `synchronous = NORMAL`).".into());
        }
        r.notes.push(format!("PostgreSQL's `shared_buffers`: {shared_buffers} (`scripts/with-postgres.sh`, `HINDSIGHT_PG_SHARED_BUFFERS`); the planner's settings are the defaults."));
    }
    say(
        opts,
        format!(
            "{}: {} events in {:.1}s ({:.0} events/s), {:.0} MB",
            r.backend,
            r.events,
            r.import_seconds,
            r.import_events_per_s,
            r.disk_bytes as f64 / 1e6
        ),
    );
    Ok(())
}
