//! Saved filters: private to their owner or shared with the team.

use hindsight_types::{ConversationFilter, FilterTemplate, FilterTemplateInput};
use serde_json::json;

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::audit::{self, Change};
use crate::db::{self, write_transaction, DbConnection};
use crate::error::{bad_request, forbidden, not_found, AppResult};

fn check(input: &FilterTemplateInput) -> AppResult<()> {
    if !(1..=100).contains(&input.name.chars().count()) {
        return Err(bad_request("name", "a filter name has 1 to 100 characters"));
    }
    ConversationFilter::from_query(&input.query).map_err(|e| bad_request("query", e.message))?;
    Ok(())
}

/// The template `id` if the caller may change it: 404 when they cannot see it, 403 when they
/// see it (shared) but neither own it nor are admin.
fn editable(conn: &mut DbConnection, caller: &AuthUser, id: i64) -> AppResult<FilterTemplate> {
    let t = db::filters::get(conn, id)?.ok_or_else(|| not_found(format!("filter {id}")))?;
    // An API token is its own principal: even an admin one has no rights over private filters.
    if t.owner == caller.name || (caller.role == Role::Admin && !caller.is_api_token()) {
        Ok(t)
    } else if t.shared {
        Err(forbidden("only its owner or an admin may change a filter"))
    } else {
        Err(not_found(format!("filter {id}")))
    }
}

/// The caller's own templates and every shared one.
pub async fn list_filters(state: &AppState, caller: AuthUser) -> AppResult<Vec<FilterTemplate>> {
    caller.require(Role::Viewer)?;
    state
        .db(move |conn| Ok(db::filters::visible(conn, &caller.name)?))
        .await
}

/// Saves a template owned by the caller.
pub async fn create_filter(
    state: &AppState,
    caller: AuthUser,
    input: AppResult<FilterTemplateInput>,
) -> AppResult<FilterTemplate> {
    caller.require(Role::Reviewer)?;
    let input = input?;
    check(&input)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let saved = db::filters::create(conn, &caller.name, &input)?;
                let change = Change {
                    actor: &caller.name,
                    action: "filter_created",
                    conversation: None,
                    target: Some(saved.name.clone()),
                    before: None,
                    after: Some(json!(saved)),
                };
                audit::record(conn, change)?;
                Ok(saved)
            })
        })
        .await
}

/// Changes a template (its owner or an admin).
pub async fn update_filter(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    input: AppResult<FilterTemplateInput>,
) -> AppResult<FilterTemplate> {
    caller.require(Role::Reviewer)?;
    let input = input?;
    check(&input)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let before = editable(conn, &caller, id)?;
                let after = db::filters::update(conn, id, &input)?;
                let change = Change {
                    actor: &caller.name,
                    action: "filter_updated",
                    conversation: None,
                    target: Some(after.name.clone()),
                    before: Some(json!(before)),
                    after: Some(json!(after)),
                };
                audit::record(conn, change)?;
                Ok(after)
            })
        })
        .await
}

/// Deletes a template (its owner or an admin).
pub async fn delete_filter(state: &AppState, caller: AuthUser, id: i64) -> AppResult<()> {
    caller.require(Role::Reviewer)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let before = editable(conn, &caller, id)?;
                db::filters::delete(conn, id)?;
                let change = Change {
                    actor: &caller.name,
                    action: "filter_deleted",
                    conversation: None,
                    target: Some(before.name.clone()),
                    before: Some(json!(before)),
                    after: None,
                };
                Ok(audit::record(conn, change)?)
            })
        })
        .await
}
