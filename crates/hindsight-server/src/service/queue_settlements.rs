//! Disagreements between a queue's reviewers, listed newest first, and their settlement:
//! final answers to the rubric that the queue's findings take for the conversation.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDateTime};
use hindsight_types::{
    Disagreement, DisagreementPage, DisputedQuestion, QuestionKind, QueueReview, QueueSettlement,
    ReviewSubmission, RubricQuestion,
};
use serde_json::{json, Value};

use super::queue_review::{answer_value, check_answers};
use super::queues::{queue_row, rubric_of};
use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::audit::{self, Change};
use crate::db::queue_settlements::{self as settlements, DoneReview, SettlementRow};
use crate::db::{self, write_transaction, DbConnection};
use crate::error::{bad_request, conflict, not_found, AppError, AppResult};
use crate::review::disagreements::{disputed, Disputed};

/// Disagreements in a page when the request names no `limit`.
const PAGE_DEFAULT: i64 = 50;
/// Most disagreements in a page.
const PAGE_MAX: i64 = 200;

/// One conversation's disagreement: internal id, its latest review's time, the questions
/// answered differently, and its reviews.
struct Found<'a> {
    conversation: i64,
    last: NaiveDateTime,
    questions: Vec<Disputed>,
    reviews: Vec<&'a DoneReview>,
}

impl Found<'_> {
    /// The listing's order, newest first: (latest review in microseconds, conversation).
    fn key(&self) -> (i64, i64) {
        (self.last.and_utc().timestamp_micros(), self.conversation)
    }
}

/// The conversations among `live` whose completed `reviews` disagree.
fn find<'a>(
    rubric: &[RubricQuestion],
    reviews: &'a [DoneReview],
    live: &BTreeSet<i64>,
) -> Vec<Found<'a>> {
    let mut by_conversation: BTreeMap<i64, Vec<&DoneReview>> = BTreeMap::new();
    for r in reviews
        .iter()
        .filter(|r| live.contains(&r.0.conversation_id))
    {
        by_conversation
            .entry(r.0.conversation_id)
            .or_default()
            .push(r);
    }
    by_conversation
        .into_iter()
        .filter(|(_, rs)| rs.len() > 1)
        .filter_map(|(conversation, reviews)| {
            let answers: Vec<(&str, &BTreeMap<String, String>)> = reviews
                .iter()
                .map(|(t, a)| (t.reviewer.as_str(), a))
                .collect();
            let questions = disputed(rubric, &answers);
            let last = reviews
                .iter()
                .map(|(t, _)| t.completed_at.unwrap_or(t.reserved_at))
                .max()?;
            (!questions.is_empty()).then_some(Found {
                conversation,
                last,
                questions,
                reviews,
            })
        })
        .collect()
}

/// The kinds of the rubric's questions, by id.
fn kinds(rubric: &[RubricQuestion]) -> BTreeMap<&str, QuestionKind> {
    rubric.iter().map(|q| (q.id.as_str(), q.kind)).collect()
}

/// Stored answers (question id → text) in their JSON form.
fn values(
    kinds: &BTreeMap<&str, QuestionKind>,
    answers: &BTreeMap<String, String>,
) -> BTreeMap<String, Value> {
    answers
        .iter()
        .map(|(q, v)| (q.clone(), answer_value(kinds.get(q.as_str()).copied(), v)))
        .collect()
}

/// A page of the queue's disagreements not settled yet, newest first (by their latest
/// review); `cursor` is the previous page's `next_cursor`: viewer or above.
pub async fn list(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    limit: Option<i64>,
    cursor: Option<String>,
) -> AppResult<DisagreementPage> {
    caller.require(Role::Viewer)?;
    let limit = limit.unwrap_or(PAGE_DEFAULT);
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(bad_request("limit", format!("`limit` is 1 to {PAGE_MAX}")));
    }
    let after = cursor
        .as_deref()
        .map(super::cursor::parse_pair)
        .transpose()?;
    state
        .db(move |conn| {
            let row = queue_row(conn, id)?;
            let rubric = rubric_of(&row)?;
            let live: BTreeSet<i64> = db::queues::members(conn, id)?
                .into_iter()
                .filter(|m| m.2)
                .map(|m| m.0)
                .collect();
            let reviews = settlements::done_reviews(conn, id, None)?;
            let settled = settlements::of_queue(conn, id)?;
            let mut found = find(&rubric, &reviews, &live);
            let settled_count = found
                .iter()
                .filter(|f| settled.contains_key(&f.conversation))
                .count() as i64;
            found.retain(|f| !settled.contains_key(&f.conversation));
            found.sort_unstable_by_key(|f| std::cmp::Reverse(f.key()));
            let total = found.len() as i64;
            let mut page: Vec<Found> = found
                .into_iter()
                .filter(|f| after.is_none_or(|a| f.key() < a))
                .take(limit as usize + 1)
                .collect();
            let more = page.len() as i64 > limit;
            page.truncate(limit as usize);
            let next_cursor = page
                .last()
                .filter(|_| more)
                .map(|f| super::cursor::pair(f.key().0, f.key().1));
            let ids: Vec<i64> = page.iter().map(|f| f.conversation).collect();
            let senders = settlements::sender_ids(conn, &ids)?;
            let kinds = kinds(&rubric);
            let disagreements = page
                .into_iter()
                .map(|f| {
                    let sender = senders.get(&f.conversation).cloned().unwrap_or_default();
                    Disagreement {
                        reviews_done: f.reviews.len() as i64,
                        reviews_needed: row.reviewers_per_conversation,
                        last_review_at: f.last.and_utc(),
                        questions: f
                            .questions
                            .into_iter()
                            .map(|(q, by)| {
                                let kind = kinds.get(q.as_str()).copied();
                                DisputedQuestion {
                                    kind: kind.unwrap_or(QuestionKind::Text),
                                    answers: by
                                        .into_iter()
                                        .map(|(who, v)| (who, answer_value(kind, &v)))
                                        .collect(),
                                    id: q,
                                }
                            })
                            .collect(),
                        reviews: f
                            .reviews
                            .iter()
                            .map(|(t, a)| QueueReview {
                                queue_id: id,
                                conversation_id: sender.clone(),
                                reviewer: t.reviewer.clone(),
                                answers: values(&kinds, a),
                                reserved_at: t.reserved_at.and_utc(),
                                completed_at: t.completed_at.unwrap_or(t.reserved_at).and_utc(),
                            })
                            .collect(),
                        conversation_id: sender,
                    }
                })
                .collect();
            Ok::<_, AppError>(DisagreementPage {
                disagreements,
                total,
                settled: settled_count,
                next_cursor,
            })
        })
        .await
}

/// The stored answers of a settlement.
pub fn settled_answers(row: &SettlementRow) -> AppResult<BTreeMap<String, String>> {
    serde_json::from_str(&row.answers)
        .map_err(|e| AppError::Internal(format!("stored settlement unreadable: {e}")))
}

/// Every settlement of the queue: conversation → question id → the answer as text.
pub fn settled_of_queue(
    conn: &mut DbConnection,
    id: i64,
) -> AppResult<HashMap<i64, BTreeMap<String, String>>> {
    settlements::of_queue(conn, id)?
        .into_iter()
        .map(|(c, row)| Ok((c, settled_answers(&row)?)))
        .collect()
}

/// Settles the disagreement of conversation `sender_id` in the queue with final answers,
/// checked against the rubric like a review (400 naming the answer); settling again
/// replaces the answers: admin. 404 when the conversation is not one the queue sampled,
/// 409 (`field: reviews`) when its reviews do not disagree. Audited.
pub async fn settle(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    sender_id: String,
    input: AppResult<ReviewSubmission>,
) -> AppResult<QueueSettlement> {
    caller.require(Role::Admin)?;
    let input = input?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                db::queues::lock(conn, id)?;
                let row = queue_row(conn, id)?;
                let rubric = rubric_of(&row)?;
                let missing = || {
                    not_found(format!(
                        "conversation `{sender_id}` in queue `{}`",
                        row.name
                    ))
                };
                let conversation = db::conversations::find_live(conn, &sender_id)?
                    .ok_or_else(missing)?
                    .id;
                if !settlements::sampled(conn, id, conversation)? {
                    return Err(missing());
                }
                let reviews = settlements::done_reviews(conn, id, Some(conversation))?;
                let live = BTreeSet::from([conversation]);
                if find(&rubric, &reviews, &live).is_empty() {
                    return Err(conflict(
                        "reviews",
                        format!(
                            "the reviews of conversation `{sender_id}` in queue `{}` do not disagree: there is nothing to settle",
                            row.name
                        ),
                    ));
                }
                let answers: BTreeMap<String, String> =
                    check_answers(&rubric, &input.answers)?.into_iter().collect();
                let before = settlements::get(conn, id, conversation)?
                    .map(|r| settled_answers(&r))
                    .transpose()?;
                let stored = SettlementRow {
                    queue_id: id,
                    conversation_id: conversation,
                    answers: serde_json::to_string(&answers)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                    settled_by: caller.name.clone(),
                    settled_at: chrono::SubsecRound::trunc_subsecs(
                        chrono::Utc::now().naive_utc(),
                        6,
                    ),
                };
                settlements::put(conn, &stored)?;
                let kinds = kinds(&rubric);
                let answers = values(&kinds, &answers);
                audit::record(
                    conn,
                    Change {
                        actor: &caller.name,
                        action: "queue_disagreement_settled",
                        conversation: Some(conversation),
                        target: Some(format!("queue {id}")),
                        before: before.map(|b| json!({ "answers": values(&kinds, &b) })),
                        after: Some(json!({ "answers": answers })),
                    },
                )?;
                Ok(QueueSettlement {
                    queue_id: id,
                    conversation_id: sender_id.clone(),
                    settled_by: caller.name.clone(),
                    answers,
                    settled_at: DateTime::from_naive_utc_and_offset(stored.settled_at, chrono::Utc),
                })
            })
        })
        .await
}
