//! Review queues: created, edited, paused and deleted by admins, filled from a saved filter
//! or by id and inbox filter ([`super::queue_add`]), and read by everyone.

use hindsight_types::{
    ConversationFilter, Queue, QueueInput, QueueSource, QueueUpdate, RubricQuestion, Sampling,
};
use serde_json::Value;

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::audit::{self, Change};
use crate::db::queue_fill::fill;
use crate::db::queues::{QueueFields, QueueOrigin, QueueRow};
use crate::db::{self, write_transaction, DbConnection};
use crate::error::{bad_request, conflict, not_found, AppError, AppResult};
use crate::review::sampling;

use super::queue_checks::{
    check_name, check_rubric, check_rubric_change, check_sampling, check_work,
};

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("stored {what} unreadable: {e}"))
}

/// The queue's rubric as stored.
pub fn rubric_of(row: &QueueRow) -> AppResult<Vec<RubricQuestion>> {
    serde_json::from_str(&row.rubric).map_err(|e| internal("rubric", e))
}

/// The queue's assignees as stored.
pub fn assignees_of(row: &QueueRow) -> AppResult<Vec<String>> {
    serde_json::from_str(&row.assignees).map_err(|e| internal("assignees", e))
}

/// The queue's sampling rule as stored.
pub fn sampling_of(row: &QueueRow) -> AppResult<Sampling> {
    serde_json::from_str(&row.sampling).map_err(|e| internal("sampling", e))
}

/// The queue `id`, or 404 naming it.
pub fn queue_row(conn: &mut DbConnection, id: i64) -> AppResult<QueueRow> {
    db::queues::get(conn, id)?.ok_or_else(|| not_found(format!("queue {id}")))
}

/// The queue `id` in its API form, or 404.
fn load(conn: &mut DbConnection, id: i64) -> AppResult<Queue> {
    let row = queue_row(conn, id)?;
    to_api(conn, row)
}

/// The API form of a stored queue, with its sizes.
pub fn to_api(conn: &mut DbConnection, row: QueueRow) -> AppResult<Queue> {
    let (population, sampled) = db::queues::size(conn, row.id)?;
    let mut queue = unsized_api(row)?;
    queue.population = population;
    queue.sampled = sampled;
    Ok(queue)
}

/// The API form of a stored queue with sizes of 0, for a caller that has them.
fn unsized_api(row: QueueRow) -> AppResult<Queue> {
    Ok(Queue {
        source: match (row.source_kind.as_str(), row.source_filter_id) {
            ("filter", Some(filter_id)) => QueueSource::Filter { filter_id },
            _ => QueueSource::Explicit,
        },
        sampling: sampling_of(&row)?,
        assignees: assignees_of(&row)?,
        rubric: rubric_of(&row)?,
        id: row.id,
        name: row.name,
        source_query: row.source_query,
        reviewers_per_conversation: row.reviewers_per_conversation,
        reservation_seconds: row.reservation_seconds,
        paused: row.paused,
        population: 0,
        sampled: 0,
        created_by: row.created_by,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

/// The saved filter `id` if `caller` may use it (their own or a shared one), with its query.
fn source_filter(
    conn: &mut DbConnection,
    caller: &AuthUser,
    id: i64,
) -> AppResult<(String, ConversationFilter)> {
    let missing = || {
        bad_request(
            "source.filter_id",
            format!("saved filter {id} does not exist or is not shared with you"),
        )
    };
    let t = db::filters::get(conn, id)?.ok_or_else(missing)?;
    if !(t.shared || t.owner == caller.name) {
        return Err(missing());
    }
    let filter = ConversationFilter::from_query(&t.query).map_err(|e| {
        bad_request(
            "source.filter_id",
            format!("saved filter {id} no longer parses: {}", e.message),
        )
    })?;
    Ok((t.query, filter))
}

fn audit_queue(
    conn: &mut DbConnection,
    actor: &str,
    action: &str,
    id: i64,
    before: Option<&Queue>,
    after: Option<&Queue>,
) -> AppResult<()> {
    let state = |q: Option<&Queue>| q.map(|q| serde_json::to_value(q).unwrap_or(Value::Null));
    audit::record(
        conn,
        Change {
            actor,
            action,
            conversation: None,
            target: Some(format!("queue {id}")),
            before: state(before),
            after: state(after),
        },
    )?;
    Ok(())
}

fn to_json<T: serde::Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))
}

/// Creates a queue and fills it from its source: admin. 409 when the name is taken.
pub async fn create_queue(
    state: &AppState,
    caller: AuthUser,
    input: AppResult<QueueInput>,
) -> AppResult<Queue> {
    caller.require(Role::Admin)?;
    let input = input?;
    check_name(&input.name)?;
    check_sampling(&input.sampling)?;
    let path_rewrite = state.path_rewrite.clone();
    check_rubric(&input.rubric)?;
    state
        .db(move |conn| {
            let (queue, added) = write_transaction(conn, |conn| {
                check_work(
                    conn,
                    &input.assignees,
                    input.reviewers_per_conversation,
                    input.reservation_seconds,
                )?;
                if db::queues::find_named(conn, &input.name)?.is_some() {
                    return Err(conflict(
                        "name",
                        format!("a queue named `{}` exists already", input.name),
                    ));
                }
                let (source, candidates) = match &input.source {
                    QueueSource::Filter { filter_id } => {
                        let (query, filter) = source_filter(conn, &caller, *filter_id)?;
                        super::path_rewrite::require_paths_for(&path_rewrite, &filter)?;
                        // Purges first: a purge may wait on an import's rows, and the import
                        // on the creation lock, so waiting for a purge while holding that lock
                        // could close a cycle.
                        db::queue_fill::hold_off_purges(conn)?;
                        // No import commits between this fill and the queue's creation.
                        db::queue_fill::lock_for_creation(conn)?;
                        (
                            Some((*filter_id, query)),
                            db::queue_fill::candidates(
                                conn,
                                &filter,
                                sampling::stratify_by(&input.sampling),
                            )?,
                        )
                    }
                    QueueSource::Explicit => (None, Vec::new()),
                };
                let fields = QueueFields {
                    name: input.name.clone(),
                    assignees: to_json(&input.assignees)?,
                    reviewers_per_conversation: input.reviewers_per_conversation,
                    reservation_seconds: input.reservation_seconds,
                    paused: input.paused,
                    rubric: to_json(&input.rubric)?,
                };
                let sampling = to_json(&input.sampling)?;
                let origin = QueueOrigin {
                    source_kind: if source.is_some() {
                        "filter"
                    } else {
                        "explicit"
                    },
                    source_filter_id: source.as_ref().map(|s| s.0),
                    source_query: source.as_ref().map(|s| s.1.as_str()),
                    sampling: &sampling,
                    created_by: &caller.name,
                };
                let id = db::queues::insert(conn, &fields, &origin)?;
                let (added, sampled) = fill(conn, id, &input.sampling, &candidates)?;
                // The new queue's sizes are what the fill wrote: the live conversations the
                // filter found in this transaction. Counting them again through a join with
                // the conversations took PostgreSQL 300 ms of a 2.6 s fill of 93,890 at a
                // million; later reads of the queue count (a deletion since is left out).
                let mut queue = unsized_api(queue_row(conn, id)?)?;
                queue.population = added;
                queue.sampled = sampled;
                audit_queue(conn, &caller.name, "queue_created", id, None, Some(&queue))?;
                Ok((queue, added))
            })?;
            refresh_statistics_after_fill(conn, queue.id, added);
            Ok(queue)
        })
        .await
}

/// After a fill's transaction committed `added` entries to `queue`: a large one refreshes the
/// planner's statistics of queue entries, so that the next `next` is planned for the queue's
/// size. The entries are stored whatever happens here: a failure is only logged.
pub(super) fn refresh_statistics_after_fill(conn: &mut DbConnection, queue: i64, added: i64) {
    if added >= db::queue_fill::FILL_REFRESHES_STATISTICS {
        if let Err(e) = db::queue_fill::refresh_statistics(conn) {
            tracing::warn!(error = %e, queue, "queue entries' statistics not refreshed");
        }
    }
}

/// Every queue, by name: viewer or above.
pub async fn list_queues(state: &AppState, caller: AuthUser) -> AppResult<Vec<Queue>> {
    caller.require(Role::Viewer)?;
    state
        .db(move |conn| {
            let rows = db::queues::list(conn)?;
            let sizes = db::queues::sizes(conn)?;
            rows.into_iter()
                .map(|row| {
                    let (population, sampled) = sizes.get(&row.id).copied().unwrap_or((0, 0));
                    // The sizes of every queue came in two queries: no per-queue count.
                    let mut queue = unsized_api(row)?;
                    queue.population = population;
                    queue.sampled = sampled;
                    Ok(queue)
                })
                .collect()
        })
        .await
}

/// One queue: viewer or above.
pub async fn get_queue(state: &AppState, caller: AuthUser, id: i64) -> AppResult<Queue> {
    caller.require(Role::Viewer)?;
    state
        .db(move |conn| {
            let row = queue_row(conn, id)?;
            to_api(conn, row)
        })
        .await
}

/// Renames, reassigns, pauses or resumes a queue, or changes its rubric or work settings:
/// admin. The source and the sampling rule stay as they were.
pub async fn update_queue(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    input: AppResult<QueueUpdate>,
) -> AppResult<Queue> {
    caller.require(Role::Admin)?;
    let input = input?;
    if let Some(name) = &input.name {
        check_name(name)?;
    }
    if let Some(rubric) = &input.rubric {
        check_rubric(rubric)?;
    }
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                db::queues::lock(conn, id)?;
                let row = queue_row(conn, id)?;
                let before = to_api(conn, row.clone())?;
                let name = input.name.clone().unwrap_or_else(|| row.name.clone());
                let assignees = input
                    .assignees
                    .clone()
                    .unwrap_or_else(|| before.assignees.clone());
                let reviewers = input
                    .reviewers_per_conversation
                    .unwrap_or(row.reviewers_per_conversation);
                let reservation = input.reservation_seconds.unwrap_or(row.reservation_seconds);
                check_work(conn, &assignees, reviewers, reservation)?;
                if name != row.name && db::queues::find_named(conn, &name)?.is_some() {
                    return Err(conflict(
                        "name",
                        format!("a queue named `{name}` exists already"),
                    ));
                }
                let rubric = match &input.rubric {
                    Some(new) => {
                        if db::queues::has_reviews(conn, id)? {
                            check_rubric_change(&before.rubric, new)?;
                        }
                        new.clone()
                    }
                    None => before.rubric.clone(),
                };
                let fields = QueueFields {
                    name,
                    assignees: to_json(&assignees)?,
                    reviewers_per_conversation: reviewers,
                    reservation_seconds: reservation,
                    paused: input.paused.unwrap_or(row.paused),
                    rubric: to_json(&rubric)?,
                };
                db::queues::update(conn, id, &fields)?;
                if reviewers != row.reviewers_per_conversation {
                    db::queues::reopen(conn, id, reviewers)?;
                }
                let after = load(conn, id)?;
                audit_queue(
                    conn,
                    &caller.name,
                    "queue_updated",
                    id,
                    Some(&before),
                    Some(&after),
                )?;
                Ok(after)
            })
        })
        .await
}

/// Deletes a queue with its reviews: admin.
pub async fn delete_queue(state: &AppState, caller: AuthUser, id: i64) -> AppResult<()> {
    caller.require(Role::Admin)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                db::queues::lock(conn, id)?;
                let before = load(conn, id)?;
                db::queues::delete(conn, id)?;
                audit_queue(conn, &caller.name, "queue_deleted", id, Some(&before), None)
            })
        })
        .await
}
