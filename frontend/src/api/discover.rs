//! Discover (issue 15): groups of likely unhandled user messages.

use hindsight_types::{
    DiscoverGroup, DiscoverResult, DiscoverRun, DiscoverSettings, DismissInput, DismissReason,
    GroupLabelled, GroupMessagePage, LabelGroupInput,
};

use super::{enc, get, with_body, ApiResult, Method};

/// Messages a page of a group's messages holds.
pub const GROUP_MESSAGES_PAGE: i64 = 200;

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

/// `GET /api/discover/groups/{group_id}/messages?limit=…&cursor=…`.
pub async fn group_messages(group_id: i64, cursor: Option<&str>) -> ApiResult<GroupMessagePage> {
    let mut path = format!("/api/discover/groups/{group_id}/messages?limit={GROUP_MESSAGES_PAGE}");
    if let Some(c) = cursor {
        path.push_str("&cursor=");
        path.push_str(&enc(c));
    }
    get(&path).await
}

/// `POST /api/discover/groups/{group_id}/label`.
pub async fn label(group_id: i64, input: &LabelGroupInput) -> ApiResult<GroupLabelled> {
    let path = format!("/api/discover/groups/{group_id}/label");
    with_body(Method::Post, &path, input).await
}
