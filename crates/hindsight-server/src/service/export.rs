//! Exporting every conversation a filter matches, streamed as JSON lines or CSV.
//!
//! A blocking thread walks the filter in id order, a page at a time, taking a pooled
//! connection for each page only, encodes the page and hands it to the response through a
//! channel of `CHANNEL_PAGES` pages. Memory therefore holds a few pages whatever the size
//! of the result; when the client goes away the channel closes and the walk stops.

use std::panic::AssertUnwindSafe;

use actix_web::web::Bytes;
use chrono::SecondsFormat;
use futures_util::stream::{self, BoxStream, StreamExt};
use hindsight_types::{
    ConversationFilter, ConversationSummary, ExportFormat, ExportOptions, ExportedConversation,
    MessageFlag, CSV_COLUMNS,
};
use tokio::sync::mpsc;

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::conversations::{ConversationRow, NameRow, TagRow};
use crate::db::export::{ExportPage, FlagRow};
use crate::db::{self, DbPool};
use crate::error::{AppError, AppResult};

/// Encoded pages waiting for the client at most.
const CHANNEL_PAGES: usize = 2;
/// The body of an export: encoded pages; an error ends it early (the status has been sent).
pub type ExportStream = BoxStream<'static, Result<Bytes, AppError>>;

/// Starts an export for a viewer or above. The first page is read before this returns, so a
/// failure there is still an error response; later failures end the stream (and are logged).
pub async fn export(
    state: &AppState,
    caller: AuthUser,
    request: AppResult<(ConversationFilter, ExportOptions)>,
) -> AppResult<ExportStream> {
    caller.require(Role::Viewer)?;
    let (filter, options) = request?;
    super::path_rewrite::require_paths_for(&state.path_rewrite, &filter)?;
    let (tx, mut rx) = mpsc::channel(CHANNEL_PAGES);
    let pool = state.pool.clone();
    // Detached: the thread ends when the walk does or when the receiver is dropped.
    drop(actix_web::rt::task::spawn_blocking(move || {
        let walk = std::panic::catch_unwind(AssertUnwindSafe(|| {
            produce(&pool, &filter, options, &tx);
        }));
        if walk.is_err() {
            // A clean end would pass a cut-off file for a whole one.
            let _ = tx.blocking_send(Err(AppError::Internal("the export panicked".into())));
        }
    }));
    let first = match rx.recv().await {
        Some(first) => first?,
        None => {
            return Err(AppError::Internal(
                "the export ended before its first page".into(),
            ))
        }
    };
    let rest = stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    Ok(stream::once(async move { Ok(first) }).chain(rest).boxed())
}

/// Walks the filter page by page and sends each page encoded; stops at the end, on the first
/// error (sent on) or when the receiver is gone.
fn produce(
    pool: &DbPool,
    filter: &ConversationFilter,
    options: ExportOptions,
    tx: &mpsc::Sender<Result<Bytes, AppError>>,
) {
    let mut after = 0;
    let mut first = true;
    loop {
        // One connection per page: a long export does not keep one from other requests.
        let page = pool
            .get()
            .map_err(AppError::from)
            .and_then(|mut conn| Ok(db::export::page(&mut conn, filter, after, options.events)?));
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                if !first {
                    tracing::error!(error = %e, after, "export ended early: the response is cut off");
                }
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        let done = page.last;
        if let Some(last) = page.rows.last() {
            after = last.id;
        }
        let bytes = match options.format {
            ExportFormat::Jsonl => encode_jsonl(page, options.events),
            ExportFormat::Csv => encode_csv(page, options.events, first),
        };
        first = false;
        if tx.blocking_send(bytes).is_err() {
            tracing::info!(after, "export stopped: the client went away");
            return;
        }
        if done {
            return;
        }
    }
}

/// The rows of `rows` (ordered by conversation) that belong to conversation `id`, advancing
/// `pos` past them: one pass joins a page's lists to its conversations.
fn run_of<'a, T>(rows: &'a [T], pos: &mut usize, id: i64, key: impl Fn(&T) -> i64) -> &'a [T] {
    while *pos < rows.len() && key(&rows[*pos]) < id {
        *pos += 1;
    }
    let start = *pos;
    while *pos < rows.len() && key(&rows[*pos]) == id {
        *pos += 1;
    }
    &rows[start..*pos]
}

/// One conversation of a page, joined with its lists.
struct Joined<'a> {
    row: ConversationRow,
    tags: &'a [TagRow],
    features: &'a [NameRow],
    flags: &'a [FlagRow],
    events: &'a [(i64, String)],
}

/// Calls `each` with every conversation of the page joined with its tags, features, flags
/// and events.
fn join_page(page: ExportPage, mut each: impl FnMut(Joined<'_>)) {
    let ExportPage {
        last: _,
        rows,
        tags,
        features,
        flags,
        events,
    } = page;
    let (mut t, mut f, mut g, mut e) = (0, 0, 0, 0);
    for row in rows {
        let id = row.id;
        each(Joined {
            tags: run_of(&tags, &mut t, id, |r| r.0),
            features: run_of(&features, &mut f, id, |r| r.0),
            flags: run_of(&flags, &mut g, id, |r| r.0),
            events: run_of(&events, &mut e, id, |r| r.0),
            row,
        });
    }
}

fn summary(j: &Joined<'_>) -> ConversationSummary {
    db::conversations::summary(&j.row, j.tags, j.features)
}

/// Appends the events as a JSON array of their original texts. JSON allows a line break only
/// between tokens, so one inside an event's text becomes a space and the line stays one line.
fn push_events(out: &mut Vec<u8>, events: &[(i64, String)]) {
    out.push(b'[');
    for (i, (_, raw)) in events.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if raw.contains(['\n', '\r']) {
            out.extend(raw.bytes().map(|b| match b {
                b'\n' | b'\r' => b' ',
                b => b,
            }));
        } else {
            out.extend_from_slice(raw.as_bytes());
        }
    }
    out.push(b']');
}

fn encode_jsonl(page: ExportPage, with_events: bool) -> Result<Bytes, AppError> {
    let mut out = Vec::with_capacity(page.rows.len() * 512);
    let mut failed = None;
    join_page(page, |j| {
        let line = ExportedConversation {
            summary: summary(&j),
            flags: j.flags.iter().map(flag).collect(),
            events: None,
        };
        if let Err(e) = serde_json::to_writer(&mut out, &line) {
            failed = Some(e);
            return;
        }
        if with_events {
            // Spliced in as stored rather than re-serialised: each event stays as imported.
            out.pop();
            out.extend_from_slice(b",\"events\":");
            push_events(&mut out, j.events);
            out.push(b'}');
        }
        out.push(b'\n');
    });
    match failed {
        Some(e) => Err(AppError::Internal(format!("encoding an export line: {e}"))),
        None => Ok(Bytes::from(out)),
    }
}

fn flag((_, event_id, note, by, at): &FlagRow) -> MessageFlag {
    MessageFlag {
        event_id: *event_id,
        note: note.clone(),
        flagged_by: by.clone(),
        flagged_at: at.and_utc(),
    }
}

fn encode_csv(page: ExportPage, with_events: bool, header: bool) -> Result<Bytes, AppError> {
    let columns = if with_events {
        &CSV_COLUMNS[..]
    } else {
        &CSV_COLUMNS[..CSV_COLUMNS.len() - 1]
    };
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(page.rows.len() * 256));
    let mut result = if header {
        w.write_record(columns)
    } else {
        Ok(())
    };
    let time = |t: chrono::NaiveDateTime| t.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true);
    let number = |n: Option<f64>| n.map(|n| n.to_string()).unwrap_or_default();
    let mut events = Vec::new();
    join_page(page, |j| {
        if result.is_err() {
            return;
        }
        let s = summary(&j);
        let flagged_ids: Vec<String> = j.flags.iter().map(|f| f.1.to_string()).collect();
        let tag_names: Vec<&str> = s.tags.iter().map(|t| t.value.as_str()).collect();
        let mut record = vec![
            s.id,
            s.channel.unwrap_or_default(),
            time(j.row.first_event_at),
            time(j.row.latest_event_at),
            s.user_message_count.to_string(),
            s.event_count.to_string(),
            s.intents.join(";"),
            s.actions.join(";"),
            number(s.min_intent_confidence),
            number(s.min_action_confidence),
            s.review_status.as_str().to_owned(),
            s.has_news.to_string(),
            s.flagged.to_string(),
            flagged_ids.join(";"),
            tag_names.join(";"),
            s.first_user_message.unwrap_or_default(),
        ];
        if with_events {
            events.clear();
            push_events(&mut events, j.events);
            record.push(String::from_utf8_lossy(&events).into_owned());
        }
        result = w.write_record(&record);
    });
    result
        .and_then(|()| w.into_inner().map_err(|e| e.into_error().into()))
        .map(Bytes::from)
        .map_err(|e| AppError::Internal(format!("encoding an export row: {e}")))
}
