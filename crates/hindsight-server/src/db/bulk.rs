//! Writing an import batch's event and feature rows in bulk, each backend its fastest way.
//!
//! New rows go through [`insert_in_bulk!`](crate::db): multi-row inserts on SQLite, a binary
//! COPY on PostgreSQL. Rows that change ([`update_occurrences`]) are updated one statement
//! per row on SQLite, a statement kept prepared ([`kept_update`]) and run in process, and by
//! one statement per batch on PostgreSQL, which joins the batch's values passed as arrays: a
//! statement per row there costs a round trip and an executor start (about 100 µs a row).

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};

use super::cached_sql::kept_update;
use super::schema::{conversation_features, events};
use super::DbConnection;

/// Event rows per SQLite INSERT: under its 32,766 bound parameters (11 columns).
const SQLITE_EVENT_ROWS: usize = 2_000;
/// Feature rows per SQLite INSERT (5 columns).
const SQLITE_FEATURE_ROWS: usize = 5_000;

/// An event row to insert.
#[derive(Insertable)]
#[diesel(table_name = events)]
// NULL, not DEFAULT, for `None` (the columns have no default): one statement shape for every
// row, which SQLite can keep prepared and PostgreSQL's binary COPY requires.
#[diesel(treat_none_as_default_value = false)]
pub struct NewEvent {
    pub conversation_id: i64,
    pub seq: i64,
    pub type_name: String,
    pub timestamp: f64,
    pub text: Option<String>,
    pub intent: Option<String>,
    pub name: Option<String>,
    pub policy: Option<String>,
    pub confidence: Option<f64>,
    pub content_hash: i64,
    pub data: String,
}

/// A conversation feature row to insert.
#[derive(Insertable)]
#[diesel(table_name = conversation_features)]
// What PostgreSQL's binary COPY requires (no field may stand for DEFAULT).
#[diesel(treat_none_as_default_value = false)]
pub struct NewFeature {
    pub conversation_id: i64,
    pub kind: String,
    pub name: String,
    pub value: String,
    pub occurrences: i64,
}

/// Inserts event rows in the order given (their ids follow it).
pub fn insert_events(conn: &mut DbConnection, rows: &[NewEvent]) -> QueryResult<()> {
    insert_in_bulk!(conn, events::table, rows, SQLITE_EVENT_ROWS, kept_prepared)
}

/// Inserts feature rows.
pub fn insert_features(conn: &mut DbConnection, rows: &[NewFeature]) -> QueryResult<()> {
    insert_in_bulk!(
        conn,
        conversation_features::table,
        rows,
        SQLITE_FEATURE_ROWS,
        kept_prepared
    )
}

/// Sets the occurrence counts of stored feature rows to those of `rows` (matched by
/// conversation, kind, name and value).
pub fn update_occurrences(conn: &mut DbConnection, rows: &[NewFeature]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    // Each backend's way (see the module's documentation).
    match conn {
        DbConnection::Sqlite(c) => {
            use conversation_features as cf;
            for f in rows {
                let key = cf::conversation_id
                    .eq(f.conversation_id)
                    .and(cf::kind.eq(&f.kind))
                    .and(cf::name.eq(&f.name))
                    .and(cf::value.eq(&f.value));
                kept_update(cf::table, key, cf::occurrences.eq(f.occurrences)).execute(c)?;
            }
            Ok(())
        }
        DbConnection::Pg(c) => {
            let column = |get: fn(&NewFeature) -> &str| rows.iter().map(get).collect::<Vec<_>>();
            diesel::sql_query(
                "UPDATE conversation_features AS f SET occurrences = v.occurrences \
                 FROM unnest($1, $2, $3, $4, $5) AS v (conversation_id, kind, name, value, occurrences) \
                 WHERE f.conversation_id = v.conversation_id AND f.kind = v.kind \
                 AND f.name = v.name AND f.value = v.value",
            )
            .bind::<Array<BigInt>, _>(rows.iter().map(|f| f.conversation_id).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(column(|f| &f.kind))
            .bind::<Array<Text>, _>(column(|f| &f.name))
            .bind::<Array<Text>, _>(column(|f| &f.value))
            .bind::<Array<BigInt>, _>(rows.iter().map(|f| f.occurrences).collect::<Vec<_>>())
            .execute(c)
            .map(drop)
        }
    }
}
