//! Storage: the schema, connections to SQLite or PostgreSQL, and the queries.

/// Runs the same diesel statement on the connection of either backend.
///
/// Diesel's multi-backend cannot express multi-row `INSERT … VALUES (…), (…)` (each backend
/// spells default values differently), and bulk import needs them: this is the one way around
/// it, used only in `db/`.
macro_rules! on_each_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Pg($c) => $body,
        }
    };
}

pub mod annotations;
pub mod audit;
pub mod broker;
pub mod bulk;
pub mod cached_sql;
pub mod changes;
pub mod checkpoint;
pub mod comments;
pub mod connection;
pub mod conversations;
pub mod counts;
pub mod discover;
pub mod discover_labels;
pub mod discover_reads;
pub mod events;
pub mod export;
pub mod facets;
pub mod filters;
pub mod flags;
pub mod ingest;
pub mod ingest_upkeep;
pub mod paths;
pub mod plan;
pub mod queue_fill;
pub mod queue_reviews;
pub mod queue_settlements;
pub mod queues;
pub mod schema;
pub mod settings;
pub mod sql_log;
pub mod stats;
pub mod tags;
pub mod training;
pub mod triage;
pub mod users;

mod sqlite_functions;

pub use connection::{
    open_pool, write_transaction, Backend, DatabaseUrl, DbConnection, DbPool, PooledDb,
};
