//! Saved filters (filter templates): private to their owner or shared with the team.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hindsight_types::{ConversationFilter, FilterTemplate, FilterTemplateInput};
use serde_json::json;

use super::audit::{self, Change};
use super::schema::filter_templates as ft;
use super::DbConnection;
use crate::auth::{AuthUser, Role};
use crate::error::{bad_request, forbidden, not_found, AppResult};

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

fn check(input: &FilterTemplateInput) -> AppResult<()> {
    if !(1..=100).contains(&input.name.chars().count()) {
        return Err(bad_request("name", "a filter name has 1 to 100 characters"));
    }
    ConversationFilter::from_query(&input.query).map_err(|e| bad_request("query", e.message))?;
    Ok(())
}

/// The caller's own templates and every shared one, by name.
pub fn visible(conn: &mut DbConnection, user: &str) -> AppResult<Vec<FilterTemplate>> {
    let rows: Vec<Row> = ft::table
        .filter(ft::owner.eq(user).or(ft::shared.eq(true)))
        .order((ft::name, ft::id))
        .select(cols())
        .load(conn)?;
    Ok(rows.into_iter().map(template).collect())
}

/// Saves a new template owned by the caller.
pub fn create(
    conn: &mut DbConnection,
    user: &str,
    input: &FilterTemplateInput,
) -> AppResult<FilterTemplate> {
    check(input)?;
    let now = chrono::Utc::now().naive_utc();
    let id: i64 = diesel::insert_into(ft::table)
        .values((
            ft::name.eq(&input.name),
            ft::owner.eq(user),
            ft::shared.eq(input.shared),
            ft::query.eq(&input.query),
            ft::created_at.eq(now),
            ft::updated_at.eq(now),
        ))
        .returning(ft::id)
        .get_result(conn)?;
    let change = Change {
        actor: user,
        action: "filter_created",
        conversation: None,
        target: Some(input.name.clone()),
        before: None,
        after: Some(json!(input)),
    };
    audit::record(conn, change)?;
    get(conn, id)
}

fn get(conn: &mut DbConnection, id: i64) -> AppResult<FilterTemplate> {
    let row: Option<Row> = ft::table.find(id).select(cols()).first(conn).optional()?;
    row.map(template)
        .ok_or_else(|| not_found(format!("filter {id}")))
}

/// The template `id` if the caller may change it: 404 when they cannot see it, 403 when they
/// see it (shared) but neither own it nor are admin.
fn editable(conn: &mut DbConnection, user: &AuthUser, id: i64) -> AppResult<FilterTemplate> {
    let t = get(conn, id)?;
    // An API token is its own principal: even an admin one has no rights over private filters.
    if t.owner == user.name || (user.role == Role::Admin && !user.is_api_token()) {
        Ok(t)
    } else if t.shared {
        Err(forbidden("only its owner or an admin may change a filter"))
    } else {
        Err(not_found(format!("filter {id}")))
    }
}

/// Replaces a template's name, query and sharing.
pub fn update(
    conn: &mut DbConnection,
    user: &AuthUser,
    id: i64,
    input: &FilterTemplateInput,
) -> AppResult<FilterTemplate> {
    check(input)?;
    let before = editable(conn, user, id)?;
    diesel::update(ft::table.find(id))
        .set((
            ft::name.eq(&input.name),
            ft::shared.eq(input.shared),
            ft::query.eq(&input.query),
            ft::updated_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    let change = Change {
        actor: &user.name,
        action: "filter_updated",
        conversation: None,
        target: Some(input.name.clone()),
        before: Some(json!(before)),
        after: Some(json!(input)),
    };
    audit::record(conn, change)?;
    get(conn, id)
}

/// Deletes a template.
pub fn delete(conn: &mut DbConnection, user: &AuthUser, id: i64) -> AppResult<()> {
    let before = editable(conn, user, id)?;
    diesel::delete(ft::table.find(id)).execute(conn)?;
    let change = Change {
        actor: &user.name,
        action: "filter_deleted",
        conversation: None,
        target: Some(before.name.clone()),
        before: Some(json!(before)),
        after: None,
    };
    Ok(audit::record(conn, change)?)
}
