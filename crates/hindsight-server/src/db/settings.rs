//! Key-value settings kept in the database (import positions, generated secrets, …).

use diesel::prelude::*;

use super::schema::settings;
use super::DbConnection;

/// The value under `key`, if any.
pub fn get(conn: &mut DbConnection, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()
}

/// Sets `key` to `value`. (Update-then-insert: the multi-backend has no portable upsert.)
pub fn set(conn: &mut DbConnection, key: &str, value: &str) -> QueryResult<()> {
    let updated = diesel::update(settings::table.find(key))
        .set(settings::value.eq(value))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(settings::table)
            .values((settings::key.eq(key), settings::value.eq(value)))
            .execute(conn)?;
    }
    Ok(())
}
