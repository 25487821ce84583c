//! The path explorer (issue 14): the graph of the steps of the conversations a filter
//! matches, drawn from the newest of them when there are many.

use hindsight_types::paths::PATH_SAMPLE;
use hindsight_types::{ConversationFilter, PathGraph, PathSettings};
use serde_json::json;

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::audit::{self, Change};
use crate::db::{self, write_transaction, DbConnection};
use crate::error::{bad_request, AppResult};
use crate::sequence::explore::{graph, GraphShape};

/// The graph of what `filter` matches, for a viewer or above, within the request's budget.
pub async fn path_graph(
    state: &AppState,
    caller: AuthUser,
    filter: AppResult<(ConversationFilter, GraphShape)>,
) -> AppResult<PathGraph> {
    caller.require(Role::Viewer)?;
    let (filter, shape) = filter?;
    super::path_rewrite::require_paths(&state.path_rewrite, None)?;
    let (paths, fallbacks) = state
        .db(move |conn| {
            let paths = db::paths::newest_matching(conn, &filter, PATH_SAMPLE + 1)?;
            Ok((paths, stored_settings(conn)?))
        })
        .await?;
    let sampled = paths.len() as i64 > PATH_SAMPLE;
    // Drawing 20,000 paths takes a few milliseconds of CPU: off the async workers all the same.
    let drawn = actix_web::web::block(move || {
        let paths = &paths[..paths.len().min(PATH_SAMPLE as usize)];
        graph(paths, shape, &fallbacks, sampled)
    })
    .await?;
    Ok(drawn)
}

/// The stored settings, Rasa's defaults when none were saved (or what was saved cannot be
/// read).
pub(crate) fn stored_settings(conn: &mut DbConnection) -> AppResult<PathSettings> {
    Ok(db::settings::path_settings(conn)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

/// The names the explorer colours as fallbacks, for a viewer or above.
pub async fn path_settings(state: &AppState, caller: AuthUser) -> AppResult<PathSettings> {
    caller.require(Role::Viewer)?;
    state.db(stored_settings).await
}

/// Replaces the names the explorer colours as fallbacks (admins), with an audit row.
pub async fn update_path_settings(
    state: &AppState,
    caller: AuthUser,
    settings: AppResult<PathSettings>,
) -> AppResult<PathSettings> {
    caller.require(Role::Admin)?;
    let after = settings?
        .checked()
        .map_err(|(field, message)| bad_request(field, message))?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let before = stored_settings(conn)?;
                db::settings::set_path_settings(conn, &json!(after).to_string())?;
                let change = Change {
                    actor: &caller.name,
                    action: "path_settings_updated",
                    conversation: None,
                    target: None,
                    before: Some(json!(before)),
                    after: Some(json!(after)),
                };
                audit::record(conn, change)?;
                Ok(after)
            })
        })
        .await
}
