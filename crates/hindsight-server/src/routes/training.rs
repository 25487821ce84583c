//! Saved stories and tests, and the training-data exports.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use hindsight_types::{SaveTrainingItem, TrainingItem, TrainingItemKind, TrainingItemUpdate};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::{bad_request, json_body, AppResult, JsonBody};
use crate::service::training::{self, ExportKind, ExportQuery};

/// Query of the export routes.
#[derive(Debug, Deserialize)]
pub struct ExportParams {
    annotator: Option<String>,
    since: Option<String>,
    until: Option<String>,
    tag: Option<String>,
    filter: Option<i64>,
}

/// Query of the item list.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    kind: Option<String>,
}

async fn export(
    user: AuthUser,
    state: web::Data<AppState>,
    params: web::Query<ExportParams>,
    kind: ExportKind,
    file: &str,
) -> AppResult<HttpResponse> {
    let p = params.into_inner();
    let query = ExportQuery {
        annotator: p.annotator,
        since: p.since,
        until: p.until,
        tag: p.tag,
        filter: p.filter,
    };
    let body = training::export(&state, user, kind, query).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/yaml; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .body(body))
}

/// `GET /api/training-data/nlu`: the annotated messages as Rasa NLU data (`data/nlu.yml`).
pub async fn export_nlu(
    user: AuthUser,
    state: web::Data<AppState>,
    params: web::Query<ExportParams>,
) -> AppResult<HttpResponse> {
    export(user, state, params, ExportKind::Nlu, "nlu.yml").await
}

/// `GET /api/training-data/stories`: the saved stories (`data/stories.yml`).
pub async fn export_stories(
    user: AuthUser,
    state: web::Data<AppState>,
    params: web::Query<ExportParams>,
) -> AppResult<HttpResponse> {
    let kind = ExportKind::Items(TrainingItemKind::Story);
    export(user, state, params, kind, "stories.yml").await
}

/// `GET /api/training-data/tests`: the saved test stories (`tests/test_stories.yml`).
pub async fn export_tests(
    user: AuthUser,
    state: web::Data<AppState>,
    params: web::Query<ExportParams>,
) -> AppResult<HttpResponse> {
    let kind = ExportKind::Items(TrainingItemKind::TestStory);
    export(user, state, params, kind, "test_stories.yml").await
}

/// `GET /api/training-data/e2e`: the saved end-to-end test cases (`tests/e2e_test_cases.yml`).
pub async fn export_e2e(
    user: AuthUser,
    state: web::Data<AppState>,
    params: web::Query<ExportParams>,
) -> AppResult<HttpResponse> {
    let kind = ExportKind::Items(TrainingItemKind::E2eTest);
    export(user, state, params, kind, "e2e_test_cases.yml").await
}

/// `GET /api/training-data/items`: the saved stories and tests.
pub async fn list_items(
    user: AuthUser,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> AppResult<web::Json<Vec<TrainingItem>>> {
    let kind = match params.into_inner().kind.filter(|k| !k.is_empty()) {
        Some(k) => Some(k.parse().map_err(|()| {
            bad_request(
                "kind",
                format!("`kind` must be story, test_story or e2e_test, not `{k}`"),
            )
        })?),
        None => None,
    };
    Ok(web::Json(training::list_items(&state, user, kind).await?))
}

/// `POST /api/training-data/items`: saves a conversation as a story or a test (201).
pub async fn create_item(
    user: AuthUser,
    state: web::Data<AppState>,
    body: JsonBody<SaveTrainingItem>,
) -> AppResult<HttpResponse> {
    let item = training::save_item(&state, user, json_body(body)).await?;
    Ok(HttpResponse::Created().json(item))
}

/// `GET /api/training-data/items/{item_id}`: one saved item.
pub async fn get_item(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<web::Json<TrainingItem>> {
    Ok(web::Json(
        training::get_item(&state, user, path.into_inner()).await?,
    ))
}

/// `PATCH /api/training-data/items/{item_id}`: renames an item or replaces its text.
pub async fn update_item(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    body: JsonBody<TrainingItemUpdate>,
) -> AppResult<web::Json<TrainingItem>> {
    let id = path.into_inner();
    Ok(web::Json(
        training::update_item(&state, user, id, json_body(body)).await?,
    ))
}

/// `DELETE /api/training-data/items/{item_id}`: deletes an item.
pub async fn delete_item(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    training::delete_item(&state, user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
