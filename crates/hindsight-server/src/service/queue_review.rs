//! Working a queue: the next conversation reserved for the caller, skipped, released, or
//! completed with the rubric's answers.
//!
//! Each step runs in one write transaction holding the queue's lock
//! ([`db::queues::lock`]): two reviewers asking at once are answered one after the other, so
//! no conversation is reserved by two people at once, and a conversation needing two
//! reviews goes to two different ones, one after the other (a reviewer has one turn per
//! conversation: the table's key).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};
use hindsight_types::{
    QuestionKind, QueueAssignment, QueueReview, ReviewSubmission, RubricQuestion,
};
use serde_json::{json, Value};

use super::queues::{assignees_of, queue_row, rubric_of};
use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::audit::{self, Change};
use crate::db::queue_reviews::{self as turns, TurnRow};
use crate::db::queues::QueueRow;
use crate::db::{self, write_transaction, DbConnection};
use crate::error::{bad_request, conflict, forbidden, not_found, nothing_left, AppResult};

/// Longest text answer, in characters.
const MAX_TEXT: usize = 10_000;

/// 403 unless the caller may work the queue (an assignee, or anyone when it has none).
fn check_assignee(row: &QueueRow, caller: &AuthUser) -> AppResult<()> {
    let assignees = assignees_of(row)?;
    if !assignees.is_empty() && !assignees.contains(&caller.name) {
        return Err(forbidden(format!(
            "queue `{}` is assigned to {}; `{}` is not one of them",
            row.name,
            assignees.join(", "),
            caller.name
        )));
    }
    Ok(())
}

/// The queue, locked, if the caller may work it.
fn workable(conn: &mut DbConnection, caller: &AuthUser, id: i64) -> AppResult<QueueRow> {
    db::queues::lock(conn, id)?;
    let row = queue_row(conn, id)?;
    check_assignee(&row, caller)?;
    Ok(row)
}

fn assignment(
    conn: &mut DbConnection,
    row: &QueueRow,
    turn: &TurnRow,
) -> AppResult<QueueAssignment> {
    let conversation = db::conversations::get_row(conn, turn.conversation_id)?
        .ok_or_else(|| not_found(format!("conversation {}", turn.conversation_id)))?;
    let mut summaries = db::conversations::summarise(conn, vec![conversation])?;
    Ok(QueueAssignment {
        queue_id: row.id,
        conversation: summaries.remove(0),
        reserved_at: turn.reserved_at.and_utc(),
        reserved_until: turn.expires_at.and_utc(),
        reviews_done: turns::done_count(conn, row.id, turn.conversation_id)?,
        reviews_needed: row.reviewers_per_conversation,
    })
}

/// Now, to the microsecond: what PostgreSQL keeps, so an instant answered is the one stored.
fn now() -> NaiveDateTime {
    chrono::SubsecRound::trunc_subsecs(chrono::Utc::now().naive_utc(), 6)
}

/// Reserves the next conversation of the queue for the caller and returns it: reviewer or
/// above, and an assignee when the queue has any (403). A caller holding a reservation gets
/// it again. 409 (`field: paused`) while the queue is paused; 404 saying so when nothing is
/// left for the caller.
pub async fn next(state: &AppState, caller: AuthUser, id: i64) -> AppResult<QueueAssignment> {
    caller.require(Role::Reviewer)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let row = workable(conn, &caller, id)?;
                if row.paused {
                    return Err(conflict("paused", format!("queue `{}` is paused", row.name)));
                }
                let now = now();
                let needed = row.reviewers_per_conversation;
                turns::reclaim_expired(conn, id, now, needed)?;
                if let Some(turn) = turns::live_reservation(conn, id, &caller.name, now)? {
                    return assignment(conn, &row, &turn);
                }
                let Some(conversation) = turns::next_open(conn, id, &caller.name)? else {
                    let others = turns::reserved_by_others(conn, id, &caller.name, now)?;
                    let why = if others > 0 {
                        format!("; {others} reserved by other reviewers may return if their reservations expire")
                    } else {
                        String::new()
                    };
                    return Err(nothing_left(format!(
                        "queue `{}` has no conversation left for `{}`: each has its reviews or had your turn{why}",
                        row.name, caller.name
                    )));
                };
                let until = now + Duration::seconds(row.reservation_seconds);
                let turn = turns::reserve(conn, id, conversation, &caller.name, now, until)?;
                assignment(conn, &row, &turn)
            })
        })
        .await
}

/// The caller's reserved turn at conversation `sender_id` of the queue, or 404/409 saying
/// why there is none.
fn reserved_turn(
    conn: &mut DbConnection,
    caller: &AuthUser,
    row: &QueueRow,
    sender_id: &str,
) -> AppResult<TurnRow> {
    let conversation = super::any_conversation(conn, sender_id)?;
    match turns::turn(conn, row.id, conversation, &caller.name)? {
        Some(t) if t.status == turns::RESERVED => Ok(t),
        Some(t) if t.status == turns::DONE => Err(conflict(
            "reservation",
            format!("you reviewed conversation `{sender_id}` of queue `{}` already", row.name),
        )),
        _ => Err(conflict(
            "reservation",
            format!(
                "you hold no reservation of conversation `{sender_id}` in queue `{}` (it expired or was released): ask for the next one",
                row.name
            ),
        )),
    }
}

/// Runs `change` on the caller's reserved turn of conversation `sender_id` in queue `id`, in
/// one write transaction: a reviewer, a queue they may work, a reservation they hold.
async fn with_reserved_turn(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    sender_id: String,
    change: impl FnOnce(&mut DbConnection, &AuthUser, &QueueRow, &TurnRow) -> AppResult<()>
        + Send
        + 'static,
) -> AppResult<()> {
    caller.require(Role::Reviewer)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let row = workable(conn, &caller, id)?;
                let turn = reserved_turn(conn, &caller, &row, &sender_id)?;
                change(conn, &caller, &row, &turn)
            })
        })
        .await
}

/// Gives the caller's reservation back: the conversation returns to the queue, for the
/// caller too.
pub async fn release(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    sender_id: String,
) -> AppResult<()> {
    with_reserved_turn(state, caller, id, sender_id, |conn, _, row, turn| {
        turns::release(conn, turn, row.reviewers_per_conversation)?;
        Ok(())
    })
    .await
}

/// Skips the caller's reserved conversation: it returns to the queue for the others, never
/// to the caller again. Audited.
pub async fn skip(state: &AppState, caller: AuthUser, id: i64, sender_id: String) -> AppResult<()> {
    with_reserved_turn(
        state,
        caller,
        id,
        sender_id,
        move |conn, caller, row, turn| {
            turns::skip(conn, turn, now(), row.reviewers_per_conversation)?;
            audit::record(
                conn,
                Change {
                    actor: &caller.name,
                    action: "queue_conversation_skipped",
                    conversation: Some(turn.conversation_id),
                    target: Some(format!("queue {id}")),
                    before: None,
                    after: None,
                },
            )?;
            Ok(())
        },
    )
    .await
}

/// Checks answers against the rubric; each as stored text, by question id. The field of a
/// 400 is `answers.<question id>`.
pub fn check_answers(
    rubric: &[RubricQuestion],
    answers: &BTreeMap<String, Value>,
) -> AppResult<Vec<(String, String)>> {
    if let Some(unknown) = answers.keys().find(|k| !rubric.iter().any(|q| &q.id == *k)) {
        return Err(bad_request(
            &format!("answers.{unknown}"),
            format!("the rubric has no question `{unknown}`"),
        ));
    }
    let mut out = Vec::new();
    for q in rubric {
        let field = format!("answers.{}", q.id);
        let value = match answers.get(&q.id) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if q.kind == QuestionKind::Text && s.trim().is_empty() => None,
            Some(v) => Some(v),
        };
        let Some(value) = value else {
            if q.required {
                return Err(bad_request(&field, format!("`{}` is required", q.id)));
            }
            continue;
        };
        let text = match (q.kind, value) {
            (QuestionKind::PassFail, Value::Bool(b)) => b.to_string(),
            (QuestionKind::Label, Value::String(s)) if q.choices.contains(s) => s.clone(),
            (QuestionKind::Scale1To5, Value::Number(n))
                if n.as_i64().is_some_and(|n| (1..=5).contains(&n)) =>
            {
                n.to_string()
            }
            (QuestionKind::Text, Value::String(s))
                if s.chars().count() <= MAX_TEXT && !s.contains('\0') =>
            {
                s.clone()
            }
            (kind, _) => {
                let expected = match kind {
                    QuestionKind::PassFail => "true or false".to_owned(),
                    QuestionKind::Label => format!("one of {}", q.choices.join(", ")),
                    QuestionKind::Scale1To5 => "an integer from 1 to 5".to_owned(),
                    QuestionKind::Text => format!("a text of at most {MAX_TEXT} characters"),
                };
                return Err(bad_request(
                    &field,
                    format!("the answer to `{}` must be {expected}", q.id),
                ));
            }
        };
        out.push((q.id.clone(), text));
    }
    Ok(out)
}

/// An answer as stored, back in its JSON form.
pub fn answer_value(kind: Option<QuestionKind>, text: &str) -> Value {
    match kind {
        Some(QuestionKind::PassFail) => Value::Bool(text == "true"),
        Some(QuestionKind::Scale1To5) => text
            .parse::<i64>()
            .map_or_else(|_| json!(text), Value::from),
        _ => Value::String(text.to_owned()),
    }
}

/// Completes the caller's reserved turn with answers to the rubric (400 naming the answer
/// at fault): the review is stored and audited, and the conversation counts as reviewed
/// once by the caller.
pub async fn submit(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    sender_id: String,
    input: AppResult<ReviewSubmission>,
) -> AppResult<QueueReview> {
    caller.require(Role::Reviewer)?;
    let input = input?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let row = workable(conn, &caller, id)?;
                let rubric = rubric_of(&row)?;
                let turn = reserved_turn(conn, &caller, &row, &sender_id)?;
                let answers = check_answers(&rubric, &input.answers)?;
                let completed = now();
                turns::complete(
                    conn,
                    &turn,
                    completed,
                    &answers,
                    row.reviewers_per_conversation,
                )?;
                let kinds: BTreeMap<&str, QuestionKind> =
                    rubric.iter().map(|q| (q.id.as_str(), q.kind)).collect();
                let answers: BTreeMap<String, Value> = answers
                    .into_iter()
                    .map(|(q, v)| {
                        let value = answer_value(kinds.get(q.as_str()).copied(), &v);
                        (q, value)
                    })
                    .collect();
                audit::record(
                    conn,
                    Change {
                        actor: &caller.name,
                        action: "queue_review_submitted",
                        conversation: Some(turn.conversation_id),
                        target: Some(format!("queue {id}")),
                        before: None,
                        after: Some(json!({ "answers": answers })),
                    },
                )?;
                Ok(QueueReview {
                    queue_id: id,
                    conversation_id: sender_id.clone(),
                    reviewer: caller.name.clone(),
                    answers,
                    reserved_at: turn.reserved_at.and_utc(),
                    completed_at: completed.and_utc(),
                })
            })
        })
        .await
}
