//! The path explorer (issue 14): the graph of the steps of the conversations a filter
//! matches, drawn from the newest of them when there are many.

use hindsight_types::paths::PATH_SAMPLE;
use hindsight_types::{ConversationFilter, PathGraph};

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db;
use crate::error::AppResult;
use crate::sequence::explore::{graph, GraphShape};

/// The graph of what `filter` matches, for a viewer or above, within the request's budget.
pub async fn path_graph(
    state: &AppState,
    caller: AuthUser,
    filter: AppResult<(ConversationFilter, GraphShape)>,
) -> AppResult<PathGraph> {
    caller.require(Role::Viewer)?;
    let (filter, shape) = filter?;
    let paths = state
        .db(move |conn| Ok(db::paths::newest_matching(conn, &filter, PATH_SAMPLE + 1)?))
        .await?;
    let sampled = paths.len() as i64 > PATH_SAMPLE;
    // Drawing 20,000 paths takes a few milliseconds of CPU: off the async workers all the same.
    let drawn = actix_web::web::block(move || {
        let paths = &paths[..paths.len().min(PATH_SAMPLE as usize)];
        graph(paths, shape, sampled)
    })
    .await?;
    Ok(drawn)
}
