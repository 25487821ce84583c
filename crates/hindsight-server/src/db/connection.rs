//! Database connections: one code base over SQLite and PostgreSQL.
//!
//! The backend is chosen from the URL's scheme here and nowhere else; an unknown scheme is an
//! error, never a silently created SQLite file (diesel's derived `establish` would try every
//! backend in turn, so the pool uses [`DbConnectionManager`] instead).

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::checkpoint::{Checkpointer, DEFERRED_AUTOCHECKPOINT_PAGES};

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// Embedded SQLite (the default).
    Sqlite(diesel::SqliteConnection),
    /// PostgreSQL server.
    Pg(diesel::PgConnection),
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://PATH`
    Sqlite,
    /// `postgres://…` or `postgresql://…`
    Postgres,
}

impl Backend {
    /// The backend's name in health output and logs.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL's scheme is not one we serve.
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://USER@HOST:PORT/DB")]
    UnknownScheme(String),
    /// `sqlite://` without a path, or an in-memory database (each pooled connection would get
    /// its own empty database).
    #[error("the SQLite URL `{0}` names no file: use sqlite://PATH")]
    NoSqlitePath(String),
    /// The driver refused.
    #[error(transparent)]
    Connection(#[from] diesel::ConnectionError),
    /// A setting could not be applied.
    #[error("could not prepare the connection: {0}")]
    Setup(#[from] diesel::result::Error),
}

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    /// Which backend.
    pub backend: Backend,
    /// What the driver is given: the file path for SQLite, the URL for PostgreSQL.
    pub target: String,
}

impl DatabaseUrl {
    /// Parses `sqlite://PATH`, `postgres://…` or `postgresql://…`.
    pub fn parse(url: &str) -> Result<Self, ConnectError> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() || path == ":memory:" || path.contains("mode=memory") {
                return Err(ConnectError::NoSqlitePath(url.to_owned()));
            }
            return Ok(DatabaseUrl {
                backend: Backend::Sqlite,
                target: path.to_owned(),
            });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl {
                backend: Backend::Postgres,
                target: url.to_owned(),
            });
        }
        Err(ConnectError::UnknownScheme(url.to_owned()))
    }

    /// Opens one connection, with the per-connection settings applied and the whole SQLite
    /// page-cache budget (one connection alone: a command-line import, a tracker store).
    pub fn connect(&self) -> Result<DbConnection, ConnectError> {
        self.connect_with(SQLITE_CACHE_BUDGET_KIB, 0)
    }

    /// Opens one connection as a serving pool of `pool_size` opens each of its own: its share
    /// of the SQLite page-cache budget, no statement timeout. What a measurement that stands
    /// beside the server's queries (the bench's hand-written SQL) runs on, so that both read
    /// through the same cache.
    pub fn connect_as_pooled(&self, pool_size: u32) -> Result<DbConnection, ConnectError> {
        self.connect_with(cache_share_kib(pool_size), 0)
    }

    /// Opens one connection whose SQLite page cache holds `cache_kib` KiB and whose
    /// PostgreSQL statements are cancelled after `statement_timeout_ms` (0: never).
    fn connect_with(
        &self,
        cache_kib: i64,
        statement_timeout_ms: u64,
    ) -> Result<DbConnection, ConnectError> {
        // The only place that matches on the backend to open a connection: each driver needs
        // its own settings.
        let mut conn = match self.backend {
            Backend::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(&self.target)?;
                // One statement each: SQLite applies only the first of a batch of PRAGMAs in
                // some drivers, and a failing one should name itself.
                let cache_size = format!("PRAGMA cache_size = -{cache_kib}");
                let mmap_size = format!("PRAGMA mmap_size = {SQLITE_MMAP_BYTES}");
                for pragma in [
                    "PRAGMA foreign_keys = ON",
                    "PRAGMA busy_timeout = 10000",
                    "PRAGMA journal_mode = WAL",
                    "PRAGMA synchronous = NORMAL",
                    cache_size.as_str(),
                    "PRAGMA temp_store = MEMORY",
                    mmap_size.as_str(),
                ] {
                    conn.batch_execute(pragma)?;
                }
                super::sqlite_functions::register(&mut conn)?;
                DbConnection::Sqlite(conn)
            }
            Backend::Postgres => {
                let mut conn = diesel::PgConnection::establish(&self.target)?;
                conn.batch_execute("SET TIME ZONE 'UTC'")?;
                // PostgreSQL's own budget, per statement; 0 is its "no limit" too.
                conn.batch_execute(&format!("SET statement_timeout = {statement_timeout_ms}"))?;
                conn.batch_execute(SERVING_SETTINGS)?;
                DbConnection::Pg(conn)
            }
        };
        if super::sql_log::enabled() {
            conn.set_instrumentation(super::sql_log::StatementLog::default());
        }
        Ok(conn)
    }
}

/// Settings of every PostgreSQL connection Hindsight opens for itself, measured at a million
/// conversations (2 cores, the database on the same machine):
/// - No parallel workers: Hindsight's statements are short index walks a reviewer waits for,
///   several at once (a view sends five); starting two workers took 30–60 ms of an intent's
///   first page that reads in 11 ms without them, and the tab counts beside it lost the
///   cores to them (an entity's view 297 → 78 ms).
/// - No JIT compilation: a plan past `jit_above_cost` spent ~18 ms compiling for one run.
/// - `work_mem` at least 64 MB (an operator's larger setting stays): a common word's bitmap
///   of 200,000 messages in 4 MB turned lossy and re-tested 3.8 million messages (the
///   four-condition view with a word: 7.4 → 1.2 s).
const SERVING_SETTINGS: &str = "SET max_parallel_workers_per_gather = 0; SET jit = off; \
    SELECT set_config('work_mem', '64MB', false) \
    WHERE pg_size_bytes(current_setting('work_mem')) < 64 * 1024 * 1024";

/// Runs `read` (an exact count a reviewer asked for after its estimate) with PostgreSQL's
/// parallel workers allowed, as many as the server's own `max_parallel_workers_per_gather`
/// gives (2 unless its operator says otherwise), where [`SERVING_SETTINGS`] turns them off.
/// Such a count is one long scan or join of a large part of the conversations, not the short
/// index walks those settings are for, and it is asked for on its own once the view's rows
/// and estimates are on screen. At a million conversations on this machine (2 cores), in
/// psql with the server's settings, three runs each: `min_intent_confidence <= 0.3` counted
/// in 234–240 ms without workers, 157–164 with; `time_of_day` 22:00–06:00 243–245 → 157–162;
/// the four conditions with a word 693–752 → 346–424; the candidates of the sequence
/// pattern `intent:intent_000 > !action:utter_000 > end` (254,686) 681–741 → 260–272. The
/// planner still runs a statement without workers where it finds them not worth starting.
///
/// In a transaction of its own (`SET LOCAL`), so the connection goes back to the pool with
/// the serving settings. SQLite has no parallel query: `read` runs as it is.
pub fn with_parallel_workers<T>(
    conn: &mut DbConnection,
    read: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    with_planner_settings(
        conn,
        "SET LOCAL max_parallel_workers_per_gather TO DEFAULT",
        read,
    )
}

/// Runs `read` (an exact count of conversations holding one word, nothing else but their
/// review status) with PostgreSQL's planner held to nested loops: each conversation the
/// words' index names looked up by id in the conversations' covering index. The planner
/// prices a hash join lower, which reads every live conversation's index entry to probe the
/// matches. At a million conversations in psql with the server's settings, the tab counts of
/// a word: "refund" (149,444 conversations) 562 ms hashed, 206–210 ms looked up; "zürich"
/// (95,352) 426 → 158; "want" (69 %) 762 → 651. Parallel workers made the lookups slower
/// (257–264 ms for "refund") and stay off.
///
/// In a transaction of its own (`SET LOCAL`), as [`with_parallel_workers`]. SQLite chooses
/// its loops itself: `read` runs as it is.
pub fn with_joins_by_lookup<T>(
    conn: &mut DbConnection,
    read: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    with_planner_settings(
        conn,
        "SET LOCAL enable_hashjoin TO off; SET LOCAL enable_mergejoin TO off",
        read,
    )
}

/// Runs `read` in a transaction that changes PostgreSQL's planner `settings` (`SET LOCAL`)
/// for its statements only; on SQLite, which has no such settings, `read` as it is.
fn with_planner_settings<T>(
    conn: &mut DbConnection,
    settings: &str,
    read: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<T> {
    // Only PostgreSQL has the settings.
    match conn {
        DbConnection::Sqlite(_) => read(conn),
        DbConnection::Pg(_) => conn.transaction(|conn| {
            conn.batch_execute(settings)?;
            read(conn)
        }),
    }
}

/// `path` as a SQLite URI that opens the file read-only: `%`, `?` and `#` escaped, as URI
/// paths require.
fn sqlite_read_only_uri(path: &str) -> String {
    let mut uri = String::from("file:");
    for c in path.chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?mode=ro");
    uri
}

impl DatabaseUrl {
    /// Opens one connection that cannot write: someone else's database (a Rasa tracker store)
    /// is read and left exactly as it was. SQLite opens the file with `mode=ro` and runs only
    /// pragmas that change nothing on disk (no `journal_mode`); PostgreSQL makes every
    /// transaction of the session read-only.
    pub fn connect_read_only(&self) -> Result<DbConnection, ConnectError> {
        // Each driver spells read-only differently.
        match self.backend {
            Backend::Sqlite => {
                let mut conn =
                    diesel::SqliteConnection::establish(&sqlite_read_only_uri(&self.target))?;
                for pragma in ["PRAGMA query_only = ON", "PRAGMA busy_timeout = 10000"] {
                    conn.batch_execute(pragma)?;
                }
                Ok(DbConnection::Sqlite(conn))
            }
            Backend::Postgres => {
                let mut conn = diesel::PgConnection::establish(&self.target)?;
                conn.batch_execute(
                    "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY; SET TIME ZONE 'UTC'",
                )?;
                Ok(DbConnection::Pg(conn))
            }
        }
    }
}

impl DbConnection {
    /// Which backend this connection talks to.
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Sqlite(_) => Backend::Sqlite,
            DbConnection::Pg(_) => Backend::Postgres,
        }
    }
}

/// An r2d2 manager that opens connections of the backend its URL names.
#[derive(Debug, Clone)]
pub struct DbConnectionManager {
    url: DatabaseUrl,
    /// Each pooled SQLite connection's share of [`SQLITE_CACHE_BUDGET_KIB`].
    sqlite_cache_kib: i64,
    /// PostgreSQL's `statement_timeout` on each pooled connection, in ms (0: none).
    statement_timeout_ms: u64,
    /// SQLite's checkpoints on a thread of their own, for as long as the pool lives.
    checkpointer: Option<Arc<Checkpointer>>,
}

/// SQLite's page cache is per connection, so a pool's connections each cache the same hot
/// pages: they share one budget rather than each taking a large cache (8 connections of
/// 64 MiB held 275 MB of a million-conversation database in a serving process). Pages
/// beyond it come from the operating system's file cache.
const SQLITE_CACHE_BUDGET_KIB: i64 = 128 * 1024;

/// Each connection's page cache in a pool of `pool_size`: its share of the budget.
fn cache_share_kib(pool_size: u32) -> i64 {
    (SQLITE_CACHE_BUDGET_KIB / i64::from(pool_size.max(1))).max(SQLITE_CACHE_FLOOR_KIB)
}

/// How much of the database file SQLite reads through a memory map (all of it, up to 1 TiB:
/// `.cargo/config.toml` raises SQLite's compiled limit of 2 GB to this). Pages beyond the
/// connection's own cache are then read from the operating system's file cache in place,
/// where a `read` call copied each one: at a million conversations an inbox page that
/// tests 10,000 conversations' rows in its order (four conditions and a word) took 32 ms
/// without, 21 ms with. The mapped pages are the file cache's, shared by the connections;
/// SQLite still writes through its own pages and the WAL. The cost SQLite's documentation
/// names: an I/O error while reading a mapped page arrives as a signal that stops the
/// process, not as an error code; the database is a local file that Hindsight owns.
const SQLITE_MMAP_BYTES: u64 = 1 << 40;

/// The smallest page cache a pooled SQLite connection gets, however large the pool.
const SQLITE_CACHE_FLOOR_KIB: i64 = 4 * 1024;

impl r2d2::ManageConnection for DbConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        let mut conn = self
            .url
            .connect_with(self.sqlite_cache_kib, self.statement_timeout_ms)?;
        if self.checkpointer.is_some() {
            conn.batch_execute(&format!(
                "PRAGMA wal_autocheckpoint = {DEFERRED_AUTOCHECKPOINT_PAGES}"
            ))?;
        }
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        conn.batch_execute("SELECT 1").map_err(ConnectError::Setup)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        // A connection handed back with a transaction still open (a panic inside a
        // transaction closure unwinds past diesel's commit/rollback) or whose transaction
        // manager is in an error state must not serve the next request: r2d2 drops it.
        <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// Runs `work` in a transaction meant to write, committing on `Ok` and rolling back on `Err`.
///
/// On SQLite the transaction is `BEGIN IMMEDIATE`: it takes the write lock up front, so a
/// second writer waits (up to `busy_timeout`) instead of failing. A plain `BEGIN` starts as a
/// reader; when a reader then tries to write while another connection writes, SQLite
/// answers `SQLITE_BUSY` at once without waiting, because waiting could deadlock. On
/// PostgreSQL a plain transaction already queues on row locks.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    let nested = Manager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .map_err(E::from)?
        .is_some();
    // The one place that opens a transaction per backend: SQLite needs its own BEGIN.
    match conn {
        DbConnection::Sqlite(c) if !nested => {
            diesel::connection::AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        _ => Manager::begin_transaction(conn)?,
    }
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            // The work's error is the one to report; a failed rollback leaves the transaction
            // manager broken, and the pool then drops the connection (`has_broken`).
            if let Err(rollback) = Manager::rollback_transaction(conn) {
                tracing::warn!(%rollback, "rollback failed");
            }
            Err(e)
        }
    }
}

/// The connection pool.
pub type DbPool = Pool<DbConnectionManager>;
/// A connection borrowed from the pool.
pub type PooledDb = PooledConnection<DbConnectionManager>;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// Runs the pending migrations of the connection's backend; returns how many ran.
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<usize> {
    // Each backend has its own migration folder (mirrored by name), since DDL differs.
    let ran = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?
    .len();
    // A database without conversations has no path to write: its paths (the ones imports will
    // write) are of the current format from the start.
    crate::db::paths::mark_current_if_empty(conn)?;
    Ok(ran)
}

/// Opens a pool for `url` and brings the schema and the stored data up to date; its statements
/// run without a time limit (the command line: an import must not be cut off).
///
/// SQLite's WAL is checkpointed by the committing connection, as SQLite does by default: an
/// import measured no faster with the [`Checkpointer`] beside it (300,000 demo conversations,
/// alternating: 52,790 / 53,880 events/s with it, 52,817 / 53,931 without; a million, one run
/// each: 40,061 with it, 43,245 without).
pub fn open_pool(url: &str, max_size: u32) -> anyhow::Result<DbPool> {
    let pool = open(url, max_size, None, false)?;
    // No one waits on a command the way a reviewer waits on a server: the paths are written
    // before it goes on (a server writes them in the background: `service::path_rewrite`).
    let paths = crate::db::paths::backfill(&mut *pool.get()?)?;
    if paths > 0 {
        tracing::info!(paths, "conversation paths written");
    }
    Ok(pool)
}

/// A pool for serving requests: on PostgreSQL each statement is cancelled after
/// `statement_timeout` (SQLite's budget is the request's: [`QueryBudget`]). The schema is
/// brought up to date; the sequence filter's paths, when an upgrade needs them written, are
/// the caller's to write ([`crate::db::paths::backfill`], or in the background:
/// `service::path_rewrite`). On SQLite a [`Checkpointer`] copies the WAL into the database
/// file beside the pool, so the writer a broker backlog, an import or a review waits on does
/// not (a 1,000,000-event backlog into a million conversations: 18,413 events/s without it,
/// 19,138 with it).
pub fn open_pool_with_timeout(
    url: &str,
    max_size: u32,
    statement_timeout: Option<Duration>,
) -> anyhow::Result<DbPool> {
    open(url, max_size, statement_timeout, true)
}

fn open(
    url: &str,
    max_size: u32,
    statement_timeout: Option<Duration>,
    background_checkpoints: bool,
) -> anyhow::Result<DbPool> {
    let url = DatabaseUrl::parse(url)?;
    // Fail fast with the driver's own message rather than r2d2's timeout.
    let mut first = url.connect()?;
    run_migrations(&mut first)?;
    // A data migration the SQL ones cannot do: hashes computed in Rust.
    let rehashed = crate::db::ingest_upkeep::upgrade_content_hashes(&mut first)?;
    if rehashed > 0 {
        tracing::info!(rehashed, "event content hashes recomputed");
    }
    drop(first);
    let checkpointer = match background_checkpoints {
        true => Checkpointer::start(&url)?.map(Arc::new),
        false => None,
    };
    let pool = Pool::builder()
        .max_size(max_size)
        // How long a request waits for a connection: for a free one under load, or for the
        // database to come back (a 503 after that, rather than a hung request).
        .connection_timeout(Duration::from_secs(5))
        .build(DbConnectionManager {
            url,
            sqlite_cache_kib: cache_share_kib(max_size),
            statement_timeout_ms: statement_timeout
                // At least 1 ms (0 would mean none); at most PostgreSQL's largest (i32 ms).
                .map_or(0, |t| t.as_millis().clamp(1, i32::MAX as u128) as u64),
            checkpointer,
        })?;
    Ok(pool)
}
