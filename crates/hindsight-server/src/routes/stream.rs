//! `GET /api/stream`: server-sent events announcing new and updated conversations, and
//! comments written, edited or deleted.

use std::convert::Infallible;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use hindsight_types::StreamTicket;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::service::stream;

/// How often an idle stream sends a `heartbeat` event (proxies close silent connections).
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// Query of `GET /api/stream`.
#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    /// A ticket from `POST /api/stream/ticket` (for `EventSource`, which cannot send headers).
    ticket: Option<String>,
}

/// `POST /api/stream/ticket`: a short-lived ticket that opens the stream.
pub async fn create_stream_ticket(
    user: AuthUser,
    state: web::Data<AppState>,
) -> AppResult<web::Json<StreamTicket>> {
    Ok(web::Json(stream::issue_ticket(&state, user).await?))
}

/// `GET /api/stream`: `ready` once, then a `conversation` event for each conversation
/// created or given new events (data: `ConversationChange`), a `comment` event for each
/// comment written, edited or deleted (data: `CommentChange`), `heartbeat` when idle, and
/// `resync` when this client fell too far behind (reload the list). Opened with
/// `?ticket=` or with the usual `Authorization` header.
pub async fn get_stream(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<StreamQuery>,
) -> AppResult<HttpResponse> {
    let caller = match &query.ticket {
        Some(ticket) => stream::redeem_ticket(&state, ticket).await?,
        None => AuthUser::extract(&req).await?,
    };
    stream::may_watch(&caller)?;
    let rx = state.changes.subscribe();
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Nginx would otherwise hold events back in its buffer.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(events(rx, HEARTBEAT)))
}

type Receiver = tokio::sync::broadcast::Receiver<std::sync::Arc<hindsight_types::StreamEvent>>;

/// The stream's text: one chunk per event.
fn events(
    rx: Receiver,
    every: Duration,
) -> impl futures_util::Stream<Item = Result<web::Bytes, Infallible>> {
    let tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    futures_util::stream::unfold((rx, tick, true), |(mut rx, mut tick, first)| async move {
        if first {
            let ready = "retry: 3000\nevent: ready\ndata: {}\n\n";
            return Some((
                Ok(web::Bytes::from_static(ready.as_bytes())),
                (rx, tick, false),
            ));
        }
        let chunk = tokio::select! {
            r = rx.recv() => match r {
                Ok(event) => format!("event: {}\ndata: {}\n\n", event.name(), event.data()),
                Err(RecvError::Lagged(missed)) => {
                    format!("event: resync\ndata: {{\"missed\":{missed}}}\n\n")
                }
                Err(RecvError::Closed) => return None,
            },
            _ = tick.tick() => "event: heartbeat\ndata: {}\n\n".to_owned(),
        };
        Some((Ok(web::Bytes::from(chunk)), (rx, tick, false)))
    })
}
