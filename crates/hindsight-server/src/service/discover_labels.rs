//! A Discover group's messages listed, and saved as NLU examples of one intent (issue 15):
//! what a reviewer does with a group that is a goal the assistant should learn.
//!
//! Labelling annotates every message of the group in live conversations, but those the
//! reviewer left out, in one transaction with one audit row. A new annotation starts from
//! the entities the assistant extracted (as the annotation panel does), so an example does
//! not teach the model that its entities are none; a message annotated before keeps its
//! annotation unless the reviewer asks to replace its intent (its entities stay as they were
//! corrected).

use std::collections::HashSet;

use hindsight_types::training::predicted_entities;
use hindsight_types::{
    EntityAnnotation, GroupLabelled, GroupMessage, GroupMessagePage, LabelGroupInput,
    RepresentativeMessage,
};
use serde_json::{json, Value};

use super::annotations::{audit_state, check_entities, check_intent};
use super::cursor;
use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::annotations::NewAnnotation;
use crate::db::audit::{self, Change};
use crate::db::discover::GroupRow;
use crate::db::discover_labels::GroupMessageRow;
use crate::db::{self, write_transaction, DbConnection};
use crate::discover::text::fold;
use crate::error::{bad_request, not_found, AppError, AppResult};

/// Messages a page holds unless `limit` says otherwise.
pub const DEFAULT_PAGE: i64 = 100;
/// Most messages a page holds.
pub const MAX_PAGE: i64 = 500;
/// Most messages one labelling leaves out (a run reads at most 200,000 candidates).
pub const MAX_EXCLUDED: usize = 200_000;
/// Messages read and written per step of a labelling: what a step holds in memory, not a
/// limit on how many are labelled.
const LABEL_STEP: i64 = 1_000;

/// The group `id`, or 404 naming it.
fn group(conn: &mut DbConnection, id: i64) -> AppResult<GroupRow> {
    db::discover::get_group(conn, id)?.ok_or_else(|| not_found(format!("discover group {id}")))
}

fn to_api(row: GroupMessageRow) -> GroupMessage {
    GroupMessage {
        message: RepresentativeMessage {
            event_id: row.event_id,
            sender_id: row.sender_id,
            text: row.text.unwrap_or_default(),
            intent: row.intent,
            confidence: row.confidence,
        },
        annotated_intent: row.annotated_intent,
    }
}

/// A page of group `id`'s messages in live conversations, by conversation then event:
/// viewer or above. `limit` 1 to [`MAX_PAGE`].
pub async fn group_messages(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    cursor: Option<String>,
    limit: Option<i64>,
) -> AppResult<GroupMessagePage> {
    caller.require(Role::Viewer)?;
    let after = cursor.as_deref().map(cursor::parse_pair).transpose()?;
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(bad_request(
            "limit",
            format!("`limit` must be between 1 and {MAX_PAGE}, got {limit}"),
        ));
    }
    state
        .db(move |conn| {
            group(conn, id)?;
            let mut rows = db::discover_labels::messages_page(conn, id, after, limit + 1)?;
            let next_cursor = if rows.len() as i64 > limit {
                rows.truncate(limit as usize);
                rows.last()
                    .map(|r| cursor::pair(r.conversation_id, r.event_id))
            } else {
                None
            };
            Ok(GroupMessagePage {
                messages: rows.into_iter().map(to_api).collect(),
                next_cursor,
            })
        })
        .await
}

/// The entities the assistant extracted from a message whose stored event is `data`, those
/// an annotation may hold (a span that cuts a character in two is dropped).
fn starting_entities(text: &str, data: Option<&str>) -> AppResult<String> {
    let event: Option<Value> = data.and_then(|d| serde_json::from_str(d).ok());
    let found = event
        .as_ref()
        .and_then(|e| e.pointer("/parse_data/entities"));
    let mut entities = predicted_entities(text, found);
    if check_entities(text, &mut entities).is_err() {
        entities.retain(|e| check_entities(text, &mut [e.clone()]).is_ok());
    }
    serde_json::to_string::<Vec<EntityAnnotation>>(&entities)
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// What a labelling counted.
#[derive(Default)]
struct Tally {
    labelled: Vec<i64>,
    replaced: Vec<Value>,
    kept: i64,
    excluded: i64,
}

/// Labels one step's messages; what it did goes into `tally`.
fn label_step(
    conn: &mut DbConnection,
    rows: &[GroupMessageRow],
    input: &LabelGroupInput,
    exclude: &HashSet<i64>,
    actor: &str,
    tally: &mut Tally,
) -> AppResult<()> {
    let mut fresh = Vec::new();
    for r in rows {
        if exclude.contains(&r.event_id) {
            tally.excluded += 1;
            continue;
        }
        match &r.annotated_intent {
            None => fresh.push(r),
            Some(intent) if *intent != input.intent && input.replace_annotated => {
                let before = db::annotations::get(conn, r.event_id)?
                    .ok_or_else(|| not_found(format!("the annotation of event {}", r.event_id)))?;
                db::annotations::put(
                    conn,
                    &NewAnnotation {
                        event_id: r.event_id,
                        conversation_id: r.conversation_id,
                        intent: &input.intent,
                        entities: &before.entities,
                        predicted_intent: before.predicted_intent.as_deref(),
                        annotated_by: actor,
                    },
                )?;
                let mut state = audit_state(&before);
                state["event_id"] = json!(r.event_id);
                tally.replaced.push(state);
                tally.labelled.push(r.event_id);
            }
            Some(_) => tally.kept += 1,
        }
    }
    let ids: Vec<i64> = fresh.iter().map(|r| r.event_id).collect();
    let data = db::discover_labels::event_data(conn, &ids)?;
    let entities = fresh
        .iter()
        .map(|r| {
            let text = r.text.as_deref().unwrap_or_default();
            starting_entities(text, data.get(&r.event_id).map(String::as_str))
        })
        .collect::<AppResult<Vec<String>>>()?;
    let new: Vec<NewAnnotation<'_>> = fresh
        .iter()
        .zip(&entities)
        .map(|(r, entities)| NewAnnotation {
            event_id: r.event_id,
            conversation_id: r.conversation_id,
            intent: &input.intent,
            entities,
            predicted_intent: r.intent.as_deref(),
            annotated_by: actor,
        })
        .collect();
    db::annotations::insert_new(conn, &new)?;
    tally.labelled.extend(ids);
    Ok(())
}

/// How many of group `id`'s messages are NLU examples, as a run counts them: their text
/// (folded) is the text of an annotated message.
fn count_covered(conn: &mut DbConnection, id: i64) -> AppResult<i64> {
    let annotated = super::discover_run::covered_texts(conn)?;
    let texts = db::discover_labels::member_texts(conn, id)?;
    Ok(texts
        .iter()
        .filter(|t| annotated.contains(&fold(t)))
        .count() as i64)
}

/// Saves group `id`'s messages in live conversations as NLU examples of `input.intent`, but
/// those it excludes: reviewer or above (the role that edits training data); one
/// transaction, one audit row naming every message labelled and every annotation replaced.
/// 400 for an excluded id that is not one of the group's messages.
pub async fn label_group(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    input: AppResult<LabelGroupInput>,
) -> AppResult<GroupLabelled> {
    caller.require(Role::Reviewer)?;
    let mut input = input?;
    input.intent = input.intent.trim().to_owned();
    check_intent(&input.intent)?;
    if input.exclude.len() > MAX_EXCLUDED {
        return Err(bad_request(
            "exclude",
            format!("`exclude` holds at most {MAX_EXCLUDED} messages"),
        ));
    }
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                group(conn, id)?;
                let members = db::discover_labels::member_event_ids(conn, id)?;
                if let Some((i, event)) = input
                    .exclude
                    .iter()
                    .enumerate()
                    .find(|(_, e)| !members.contains(e))
                {
                    return Err(bad_request(
                        &format!("exclude[{i}]"),
                        format!("event {event} is not a message of discover group {id}"),
                    ));
                }
                let exclude: HashSet<i64> = input.exclude.iter().copied().collect();
                let mut tally = Tally::default();
                let mut after = None;
                loop {
                    let rows = db::discover_labels::messages_page(conn, id, after, LABEL_STEP)?;
                    let Some(last) = rows.last() else { break };
                    after = Some((last.conversation_id, last.event_id));
                    label_step(conn, &rows, &input, &exclude, &caller.name, &mut tally)?;
                }
                let covered = count_covered(conn, id)?;
                db::discover_labels::set_covered(conn, id, covered)?;
                let (annotated, replaced) =
                    (tally.labelled.len() as i64, tally.replaced.len() as i64);
                audit::record(
                    conn,
                    Change {
                        actor: &caller.name,
                        action: "discover_group_labelled",
                        conversation: None,
                        target: Some(format!("discover group {id}")),
                        before: (!tally.replaced.is_empty())
                            .then(|| json!({ "replaced": tally.replaced })),
                        after: Some(json!({
                            "intent": input.intent,
                            "labelled": tally.labelled,
                            "kept": tally.kept,
                            "excluded": tally.excluded,
                        })),
                    },
                )?;
                Ok(GroupLabelled {
                    intent: input.intent.clone(),
                    annotated,
                    replaced,
                    kept: tally.kept,
                    excluded: tally.excluded,
                    group: super::discover::group_to_api(group(conn, id)?)?,
                })
            })
        })
        .await
}
