//! Conversations: the inbox listing, one conversation, its story, triage and flags.

use hindsight_types::{
    BulkRequest, BulkResult, ConversationDetail, ConversationPage, ConversationStats, EventWindow,
    Facets, FlagRequest, ReviewStatus, ReviewStatusUpdate, StoryAtEvent, TabCounts,
};

use super::{enc, get, no_body, with_body, with_body_no_answer, ApiResult, Method};

/// Rows per inbox page (the list draws only the rows in view, so a page costs the DOM nothing).
/// Fifty fill three screens of rows (62 px each) and the rest load as the list nears its end;
/// the first page is what a reviewer waits for, and a page's server time grows with its rows
/// where a filter is tested row by row (a million conversations, SQLite, four conditions with
/// a word: 80–90 ms for 100 rows, 45 ms for 50).
pub const PAGE_SIZE: u32 = 50;

fn join(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

/// `GET /api/conversations?<filter>&limit=…&cursor=…`, without the total: the tab counts
/// ([`tab_counts`]) tell it, so a page is never held by counting.
pub async fn list(filter_query: &str, cursor: Option<&str>) -> ApiResult<ConversationPage> {
    let mut q = form_query(filter_query);
    q.push_str(&format!("limit={PAGE_SIZE}&total=false"));
    if let Some(c) = cursor {
        q.push_str("&cursor=");
        q.push_str(&enc(c));
    }
    get(&join("/api/conversations", &q)).await
}

/// The address of `GET /api/conversations/export` for a filter (`format` is `jsonl` or
/// `csv`). It carries the session's token, so that a plain link downloads it: the browser
/// streams the file to disk, however many conversations match.
pub fn export_url(filter_query: &str, format: &str) -> String {
    let mut q = form_query(filter_query);
    q.push_str("format=");
    q.push_str(format);
    if let Some(t) = super::token() {
        q.push_str("&api_token=");
        q.push_str(&enc(&t));
    }
    join("/api/conversations/export", &q)
}

fn form_query(filter_query: &str) -> String {
    if filter_query.is_empty() {
        String::new()
    } else {
        format!("{filter_query}&")
    }
}

/// `GET /api/conversations/tab-counts?<filter>[&estimate=true]`: every tab's count in one
/// request; with `estimate`, an estimate when counting exactly would keep the list waiting.
pub async fn tab_counts(filter_query: &str, estimate: bool) -> ApiResult<TabCounts> {
    let mut q = form_query(filter_query);
    q.push_str(if estimate {
        "estimate=true"
    } else {
        "estimate=false"
    });
    get(&join("/api/conversations/tab-counts", &q)).await
}

/// `GET /api/conversations/stats?<filter>`: per-day counts and the confidence histogram.
pub async fn stats(filter_query: &str) -> ApiResult<ConversationStats> {
    get(&join("/api/conversations/stats", filter_query)).await
}

/// `GET /api/conversations/paths?<filter>&depth=…&branches=…&low_confidence=…`: the path
/// explorer's graph.
pub async fn paths(query: &str) -> ApiResult<hindsight_types::PathGraph> {
    get(&join("/api/conversations/paths", query)).await
}

/// `GET /api/facets`.
pub async fn facets() -> ApiResult<Facets> {
    get("/api/facets").await
}

/// `GET /api/conversations/{id}?<window>`: the conversation and one window of its events.
pub async fn window(id: &str, window: EventWindow) -> ApiResult<ConversationDetail> {
    get(&format!(
        "/api/conversations/{}?{}",
        enc(id),
        window.to_query()
    ))
    .await
}

/// `GET /api/conversations/{id}/events/{event_id}/story?e2e=…`.
pub async fn story(id: &str, event_id: i64, e2e: bool) -> ApiResult<StoryAtEvent> {
    get(&format!(
        "/api/conversations/{}/events/{event_id}/story?e2e={e2e}",
        enc(id)
    ))
    .await
}

/// `PUT /api/conversations/{id}/reviewStatus`.
/// `seen_event_id`: the newest event on screen, so later arrivals stay "new".
pub async fn set_review_status(
    id: &str,
    review_status: ReviewStatus,
    seen_event_id: Option<i64>,
) -> ApiResult<()> {
    let path = format!("/api/conversations/{}/reviewStatus", enc(id));
    let update = ReviewStatusUpdate {
        review_status,
        seen_event_id,
    };
    with_body_no_answer(Method::Put, &path, &update).await
}

/// `DELETE /api/conversations/{id}`: to the trash.
pub async fn delete(id: &str) -> ApiResult<()> {
    no_body(Method::Delete, &format!("/api/conversations/{}", enc(id))).await
}

/// `POST /api/conversations/{id}/restore`: out of the trash (undo).
pub async fn restore(id: &str) -> ApiResult<()> {
    no_body(
        Method::Post,
        &format!("/api/conversations/{}/restore", enc(id)),
    )
    .await
}

/// `POST /api/conversations/bulk`.
pub async fn bulk(request: &BulkRequest) -> ApiResult<BulkResult> {
    with_body(Method::Post, "/api/conversations/bulk", request).await
}

fn flag_path(id: &str, event_id: i64) -> String {
    format!("/api/conversations/{}/events/{event_id}/flag", enc(id))
}

/// `PUT /api/conversations/{id}/events/{event_id}/flag`.
pub async fn flag(id: &str, event_id: i64, note: Option<String>) -> ApiResult<()> {
    with_body_no_answer(Method::Put, &flag_path(id, event_id), &FlagRequest { note }).await
}

/// `DELETE /api/conversations/{id}/events/{event_id}/flag`.
pub async fn unflag(id: &str, event_id: i64) -> ApiResult<()> {
    no_body(Method::Delete, &flag_path(id, event_id)).await
}
