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

/// Where the path explorer's settings are kept (JSON of `hindsight_types::PathSettings`).
const PATH_SETTINGS_KEY: &str = "path_settings";

/// The path explorer's settings as stored, if ever saved.
pub fn path_settings(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    get(conn, PATH_SETTINGS_KEY)
}

/// Stores the path explorer's settings.
pub fn set_path_settings(conn: &mut DbConnection, json: &str) -> QueryResult<()> {
    set(conn, PATH_SETTINGS_KEY, json)
}
