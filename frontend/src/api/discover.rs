//! Discover (issue 15): groups of likely unhandled user messages.

use hindsight_types::{
    DiscoverGroup, DiscoverResult, DiscoverRun, DiscoverSettings, DismissInput, DismissReason,
};

use super::{get, with_body, ApiResult, Method};

/// `GET /api/discover`: the latest finished run, its groups, and the run under way.
pub async fn latest() -> ApiResult<DiscoverResult> {
    get("/api/discover").await
}

/// `POST /api/discover/runs`: starts a run for the inbox query `query` with the default rules.
pub async fn start(query: &str) -> ApiResult<DiscoverRun> {
    let settings = DiscoverSettings {
        query: query.to_owned(),
        ..DiscoverSettings::default()
    };
    with_body(Method::Post, "/api/discover/runs", &settings).await
}

/// `POST /api/discover/groups/{group_id}/dismiss`.
pub async fn dismiss(group_id: i64, reason: DismissReason) -> ApiResult<DiscoverGroup> {
    let path = format!("/api/discover/groups/{group_id}/dismiss");
    with_body(Method::Post, &path, &DismissInput { reason }).await
}
