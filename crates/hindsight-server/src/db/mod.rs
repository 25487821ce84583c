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

/// Inserts a slice of rows (an `Insertable` struct with `treat_none_as_default_value = false`:
/// no field may stand for DEFAULT) into a table, each backend its fastest way: SQLite in
/// multi-row `INSERT … VALUES` of at most the given number of rows (one statement journal per
/// chunk rather than per row, under its 32,766 bound parameters), PostgreSQL by
/// `COPY … FROM STDIN (FORMAT binary)`, which skips parsing and planning a statement of
/// thousands of parameters (diesel never caches a multi-row insert of a `Vec`, so each was
/// parsed and planned afresh). An expression of type `QueryResult<()>`.
macro_rules! insert_in_bulk {
    // Rows that own their values (`'static`): SQLite's full chunks go as fixed-size arrays,
    // whose statement diesel keys by its type and keeps prepared, where it parses a slice's
    // afresh each time (perf, a demo import: parsing the 22,000 parameters of each 2,000-row
    // insert of events was 8 % of the writer's time).
    ($conn:expr, $table:expr, $rows:expr, $sqlite_rows:expr, kept_prepared) => {{
        let rows = $rows;
        // The backends' bulk paths differ (above).
        match $conn {
            _ if rows.is_empty() => Ok(()),
            $crate::db::DbConnection::Sqlite(c) => (|| -> diesel::QueryResult<()> {
                let mut full = rows.chunks_exact($sqlite_rows);
                for chunk in &mut full {
                    let chunk: &[_; $sqlite_rows] =
                        chunk.try_into().expect("a chunk of the exact size");
                    diesel::insert_into($table).values(chunk).execute(c)?;
                }
                match full.remainder() {
                    [] => Ok(()),
                    rest => diesel::insert_into($table).values(rest).execute(c).map(drop),
                }
            })(),
            $crate::db::DbConnection::Pg(c) => insert_in_bulk!(@copy c, $table, rows),
        }
    }};
    ($conn:expr, $table:expr, $rows:expr, $sqlite_rows:expr) => {{
        let rows = $rows;
        // The backends' bulk paths differ (above).
        match $conn {
            _ if rows.is_empty() => Ok(()),
            $crate::db::DbConnection::Sqlite(c) => {
                rows.chunks($sqlite_rows).try_for_each(|chunk| {
                    diesel::insert_into($table)
                        .values(chunk)
                        .execute(c)
                        .map(drop)
                })
            }
            $crate::db::DbConnection::Pg(c) => insert_in_bulk!(@copy c, $table, rows),
        }
    }};
    (@copy $c:expr, $table:expr, $rows:expr) => {
        diesel::copy_from($table)
            .from_insertable($rows)
            .execute($c)
            .map(drop)
    };
}

/// Sets one text column of a table keyed by `conversation_id` (its primary key) from
/// `(conversation id, text)` pairs, each backend its fastest way, as
/// [`bulk::update_occurrences`] for the same reasons: on SQLite a statement per row, kept
/// prepared ([`cached_sql::kept_update`]) and run in process; on PostgreSQL one statement
/// joining the values passed as arrays. An expression of type `QueryResult<()>`.
macro_rules! update_by_conversation {
    ($conn:expr, $table:ident . $column:ident, $rows:expr) => {{
        use $crate::db::schema::$table;
        let rows: &[(i64, &str)] = $rows;
        // The backends' bulk paths differ (above).
        match $conn {
            _ if rows.is_empty() => Ok(()),
            $crate::db::DbConnection::Sqlite(c) => rows.iter().try_for_each(|(id, text)| {
                $crate::db::cached_sql::kept_update(
                    $table::table,
                    $table::conversation_id.eq(*id),
                    $table::$column.eq(*text),
                )
                .execute(c)
                .map(drop)
            }),
            $crate::db::DbConnection::Pg(c) => diesel::sql_query(concat!(
                "UPDATE ",
                stringify!($table),
                " AS t SET ",
                stringify!($column),
                " = v.text FROM unnest($1, $2) AS v (conversation_id, text) \
                 WHERE t.conversation_id = v.conversation_id"
            ))
            .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(
                rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            )
            .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(
                rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            )
            .execute(c)
            .map(drop),
        }
    }};
}

pub mod annotations;
pub mod audit;
pub mod broker;
pub mod budget;
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
pub mod explain;
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
pub mod row_names;
pub mod schema;
pub mod settings;
pub mod sql_log;
pub mod stats;
pub mod tag_counts;
pub mod tags;
pub mod training;
pub mod triage;
pub mod users;

mod sqlite_functions;

pub use connection::{
    open_pool, with_joins_by_lookup, with_parallel_workers, write_transaction, Backend,
    DatabaseUrl, DbConnection, DbPool, PooledDb,
};
