//! `GET /api/conversations/export`: every conversation a filter matches, as a download.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{web, HttpRequest, HttpResponse};
use hindsight_types::{parse_export_query, ExportFormat};

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::service::export;

/// `GET /api/conversations/export?format=jsonl|csv&events=…&<filter>`: streams the matching
/// conversations as an attachment.
pub async fn export_conversations(
    user: AuthUser,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let request = parse_export_query(req.query_string()).map_err(Into::into);
    let format = request
        .as_ref()
        .map(|(_, options)| options.format)
        .unwrap_or_default();
    let body = export::export(&state, user, request).await?;
    let content_type = match format {
        ExportFormat::Jsonl => "application/x-ndjson",
        ExportFormat::Csv => "text/csv; charset=utf-8",
    };
    let filename = format!(
        "conversations-{}.{}",
        chrono::Utc::now().format("%Y-%m-%d"),
        format.as_str()
    );
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        })
        .streaming(body))
}
