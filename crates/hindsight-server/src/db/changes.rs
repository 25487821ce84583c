//! Changed conversations and comments across server processes: PostgreSQL's `NOTIFY` /
//! `LISTEN`.

use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::Text;
use hindsight_types::{CommentChange, ConversationChange, StreamEvent};

use super::DbConnection;

/// The notification channel of changed conversations (a JSON array of them each).
const CHANNEL: &str = "hindsight_changes";
/// The notification channel of changed comments (one each). A channel of its own, so that
/// the conversations' payloads stay as they were for a process of the previous version.
const COMMENT_CHANNEL: &str = "hindsight_comments";

/// How often the listener reads what has arrived. diesel's connection offers no socket to
/// wait on, so it polls: a non-blocking read 50 times a second costs next to nothing, and it
/// bounds the delay it adds to a live announcement (it was 100 ms, most of PostgreSQL's
/// publish-to-inbox p95 of 119 ms in the bench).
const POLL: Duration = Duration::from_millis(20);

/// Largest payload sent in one notification (PostgreSQL allows just under 8,000 bytes).
const MAX_PAYLOAD: usize = 7_000;

/// Inside an ingest transaction: tells every listening process about `changes` when (and
/// only if) the transaction commits.
///
/// Backends differ, hence the match: SQLite has no notifications (one process announces its
/// own changes, see [`crate::broker::changes`]).
pub fn notify(conn: &mut DbConnection, changes: &[ConversationChange]) -> QueryResult<()> {
    let DbConnection::Pg(pg) = conn else {
        return Ok(());
    };
    for payload in payloads(changes) {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(CHANNEL)
            .bind::<Text, _>(payload)
            .execute(pg)?;
    }
    Ok(())
}

/// Inside a comment's transaction: tells every listening process about `change` when (and
/// only if) the transaction commits. SQLite: nothing (see [`notify`]).
pub fn notify_comment(conn: &mut DbConnection, change: &CommentChange) -> QueryResult<()> {
    let DbConnection::Pg(pg) = conn else {
        return Ok(());
    };
    let payload = serde_json::to_string(change)
        .map_err(|e| diesel::result::Error::SerializationError(e.into()))?;
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(COMMENT_CHANNEL)
        .bind::<Text, _>(payload)
        .execute(pg)?;
    Ok(())
}

/// JSON arrays of changes, each under [`MAX_PAYLOAD`] bytes.
fn payloads(changes: &[ConversationChange]) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut len = 2;
    for change in changes {
        let Ok(one) = serde_json::to_string(change) else {
            continue;
        };
        if !current.is_empty() && len + one.len() + 1 > MAX_PAYLOAD {
            out.push(format!("[{}]", current.join(",")));
            current.clear();
            len = 2;
        }
        len += one.len() + 1;
        current.push(one);
    }
    if !current.is_empty() {
        out.push(format!("[{}]", current.join(",")));
    }
    out
}

/// Listens on its own PostgreSQL connection and hands each notification's changes
/// (conversations and comments) to `deliver` until it answers `false`; `listening` is called once `LISTEN` holds. Returns an
/// error when the connection fails.
pub fn listen(
    url: &str,
    listening: &mut dyn FnMut(),
    deliver: &mut dyn FnMut(Vec<StreamEvent>) -> bool,
) -> QueryResult<()> {
    let mut conn = diesel::PgConnection::establish(url)
        .map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?;
    diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(&mut conn)?;
    diesel::sql_query(format!("LISTEN {COMMENT_CHANNEL}")).execute(&mut conn)?;
    listening();
    let mut checked = std::time::Instant::now();
    loop {
        // `notifications_iter` reads what has arrived without waiting.
        let mut batch = Vec::new();
        for note in conn.notifications_iter() {
            let note = note?;
            let read = if note.channel == COMMENT_CHANNEL {
                serde_json::from_str::<CommentChange>(&note.payload)
                    .map(|c| batch.push(StreamEvent::Comment(c)))
            } else {
                serde_json::from_str::<Vec<ConversationChange>>(&note.payload).map(|changes| {
                    batch.extend(changes.into_iter().map(StreamEvent::Conversation));
                })
            };
            if let Err(e) = read {
                tracing::warn!(error = %e, "an unreadable change notification");
            }
        }
        if !batch.is_empty() && !deliver(batch) {
            return Ok(());
        }
        if !deliver(Vec::new()) {
            return Ok(());
        }
        std::thread::sleep(POLL);
        // A dead connection shows only when asked: check now and then.
        if checked.elapsed() > Duration::from_secs(2) {
            diesel::sql_query("SELECT 1").execute(&mut conn)?;
            checked = std::time::Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hindsight_types::ChangeKind;

    #[test]
    fn payloads_stay_small() {
        let changes: Vec<ConversationChange> = (0..500)
            .map(|i| ConversationChange {
                id: format!("conversation-{i:05}-{}", "x".repeat(40)),
                change: ChangeKind::Created,
                events_added: 3,
            })
            .collect();
        let out = payloads(&changes);
        assert!(out.len() > 1);
        let mut back = Vec::new();
        for p in &out {
            assert!(p.len() <= MAX_PAYLOAD);
            back.extend(serde_json::from_str::<Vec<ConversationChange>>(p).unwrap());
        }
        assert_eq!(back, changes);
    }
}
