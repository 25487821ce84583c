//! Saved filters (filter templates): private to their owner or shared with the team.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hindsight_types::{FilterTemplate, FilterTemplateInput};

use super::schema::filter_templates as ft;
use super::DbConnection;

type Row = (
    i64,
    String,
    String,
    bool,
    String,
    NaiveDateTime,
    NaiveDateTime,
);

fn cols() -> (
    ft::id,
    ft::name,
    ft::owner,
    ft::shared,
    ft::query,
    ft::created_at,
    ft::updated_at,
) {
    (
        ft::id,
        ft::name,
        ft::owner,
        ft::shared,
        ft::query,
        ft::created_at,
        ft::updated_at,
    )
}

fn template((id, name, owner, shared, query, created_at, updated_at): Row) -> FilterTemplate {
    FilterTemplate {
        id,
        name,
        owner,
        shared,
        query,
        created_at: created_at.and_utc(),
        updated_at: updated_at.and_utc(),
    }
}

/// The caller's own templates and every shared one, by name.
pub fn visible(conn: &mut DbConnection, owner: &str) -> QueryResult<Vec<FilterTemplate>> {
    let rows: Vec<Row> = ft::table
        .filter(ft::owner.eq(owner).or(ft::shared.eq(true)))
        .order((ft::name, ft::id))
        .select(cols())
        .load(conn)?;
    Ok(rows.into_iter().map(template).collect())
}

/// Saves a new template owned by `owner`; returns it.
pub fn create(
    conn: &mut DbConnection,
    owner: &str,
    input: &FilterTemplateInput,
) -> QueryResult<FilterTemplate> {
    let now = chrono::Utc::now().naive_utc();
    let id: i64 = diesel::insert_into(ft::table)
        .values((
            ft::name.eq(&input.name),
            ft::owner.eq(owner),
            ft::shared.eq(input.shared),
            ft::query.eq(&input.query),
            ft::created_at.eq(now),
            ft::updated_at.eq(now),
        ))
        .returning(ft::id)
        .get_result(conn)?;
    ft::table.find(id).select(cols()).first(conn).map(template)
}

/// The template `id`.
pub fn get(conn: &mut DbConnection, id: i64) -> QueryResult<Option<FilterTemplate>> {
    let row: Option<Row> = ft::table.find(id).select(cols()).first(conn).optional()?;
    Ok(row.map(template))
}

/// Replaces a template's name, query and sharing; returns it.
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    input: &FilterTemplateInput,
) -> QueryResult<FilterTemplate> {
    diesel::update(ft::table.find(id))
        .set((
            ft::name.eq(&input.name),
            ft::shared.eq(input.shared),
            ft::query.eq(&input.query),
            ft::updated_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    ft::table.find(id).select(cols()).first(conn).map(template)
}

/// Deletes a template.
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(ft::table.find(id)).execute(conn).map(drop)
}
