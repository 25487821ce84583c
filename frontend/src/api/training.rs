//! Training data: annotations of user messages, saved stories and tests, and the exports.

use hindsight_types::{
    Annotation, AnnotationInput, SaveTrainingItem, TrainingItem, TrainingItemUpdate,
};

use super::{enc, get, no_body, with_body, ApiResult, Method};

fn annotation_path(id: &str, event_id: i64) -> String {
    format!(
        "/api/conversations/{}/events/{event_id}/annotation",
        enc(id)
    )
}

/// `GET /api/conversations/{id}/annotations`.
pub async fn annotations(id: &str) -> ApiResult<Vec<Annotation>> {
    get(&format!("/api/conversations/{}/annotations", enc(id))).await
}

/// `PUT /api/conversations/{id}/events/{event_id}/annotation`.
pub async fn annotate(id: &str, event_id: i64, input: &AnnotationInput) -> ApiResult<Annotation> {
    with_body(Method::Put, &annotation_path(id, event_id), input).await
}

/// `DELETE /api/conversations/{id}/events/{event_id}/annotation`.
pub async fn remove_annotation(id: &str, event_id: i64) -> ApiResult<()> {
    no_body(Method::Delete, &annotation_path(id, event_id)).await
}

/// `GET /api/training-data/intents`: the intents seen, predicted or annotated.
pub async fn intents() -> ApiResult<Vec<String>> {
    get("/api/training-data/intents").await
}

/// `GET /api/training-data/items`: every saved story and test.
pub async fn items() -> ApiResult<Vec<TrainingItem>> {
    get("/api/training-data/items").await
}

/// `POST /api/training-data/items`.
pub async fn save_item(item: &SaveTrainingItem) -> ApiResult<TrainingItem> {
    with_body(Method::Post, "/api/training-data/items", item).await
}

/// `PATCH /api/training-data/items/{item_id}`: a new name or a new text.
pub async fn update_item(item_id: i64, update: &TrainingItemUpdate) -> ApiResult<TrainingItem> {
    with_body(
        Method::Patch,
        &format!("/api/training-data/items/{item_id}"),
        update,
    )
    .await
}

/// `DELETE /api/training-data/items/{item_id}`.
pub async fn delete_item(item_id: i64) -> ApiResult<()> {
    no_body(
        Method::Delete,
        &format!("/api/training-data/items/{item_id}"),
    )
    .await
}

/// The address of an export (`nlu`, `stories`, `tests` or `e2e`) carrying the session's
/// token, so that a plain `download` link saves it, as the inbox's Export link does.
pub fn export_url(which: &str) -> String {
    let mut url = format!("/api/training-data/{which}");
    if let Some(t) = super::token() {
        url.push_str("?api_token=");
        url.push_str(&enc(&t));
    }
    url
}
