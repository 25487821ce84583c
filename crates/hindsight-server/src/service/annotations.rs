//! Annotating user messages: the corrected intent and entities, stored beside the event.

use hindsight_types::{Annotation, AnnotationInput, EntityAnnotation};
use serde_json::{json, Value};
use unicode_segmentation::UnicodeSegmentation;

use super::{live_conversation, lock_live_conversation};
use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::annotations::{AnnotationRow, NewAnnotation};
use crate::db::audit::{self, Change};
use crate::db::{self, write_transaction, DbConnection};
use crate::error::{bad_request, not_found, AppResult};

/// Intent, entity, role and group names are this long at most (characters).
const MAX_LABEL_CHARS: usize = 200;
/// Entities per message at most.
const MAX_ENTITIES: usize = 100;

/// Checks a label (intent, entity type, role, group): not empty, one line, not too long, no
/// space at either end. `field` names it in the error.
fn check_label(field: &str, label: &str) -> AppResult<()> {
    if label.is_empty() {
        return Err(bad_request(field, format!("`{field}` must not be empty")));
    }
    if label.trim() != label {
        return Err(bad_request(
            field,
            format!("`{field}` must not start or end with a space"),
        ));
    }
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(bad_request(
            field,
            format!("`{field}` must be at most {MAX_LABEL_CHARS} characters"),
        ));
    }
    if label.chars().any(char::is_control) {
        return Err(bad_request(
            field,
            format!("`{field}` must not contain control characters"),
        ));
    }
    Ok(())
}

/// Checks an intent: a label, and a retrieval intent (`faq/ask_price`) has one `/` between
/// two non-empty parts.
pub fn check_intent(intent: &str) -> AppResult<()> {
    check_label("intent", intent)?;
    let parts: Vec<&str> = intent.split('/').collect();
    if parts.len() > 2 || parts.iter().any(|p| p.trim().is_empty()) {
        return Err(bad_request(
            "intent",
            "`intent` is a name or a retrieval intent `base/response_key`",
        ));
    }
    Ok(())
}

/// Checks the entities against the message's text and orders them by position.
///
/// Spans count Unicode code points (Rasa's string indices); they must lie inside the text,
/// be non-empty and not cut a character the reader sees as one (a grapheme cluster: a flag,
/// an emoji with a skin tone, a letter with a combining accent). Two entities may share a
/// span exactly (Rasa writes both on one text) but not overlap otherwise: Rasa's writer
/// cannot write such a pair so that it reads back.
pub fn check_entities(text: &str, entities: &mut [EntityAnnotation]) -> AppResult<()> {
    if entities.len() > MAX_ENTITIES {
        return Err(bad_request(
            "entities",
            format!("at most {MAX_ENTITIES} entities"),
        ));
    }
    let len = text.chars().count();
    // Code point offsets at which a grapheme cluster starts, and the end.
    let mut boundaries: Vec<usize> = Vec::new();
    let mut at = 0;
    for g in text.graphemes(true) {
        boundaries.push(at);
        at += g.chars().count();
    }
    boundaries.push(at);
    for (i, e) in entities.iter().enumerate() {
        let field = format!("entities[{i}]");
        check_label(&format!("{field}.entity"), &e.entity)?;
        if let Some(role) = &e.role {
            check_label(&format!("{field}.role"), role)?;
        }
        if let Some(group) = &e.group {
            check_label(&format!("{field}.group"), group)?;
        }
        match &e.value {
            None | Some(Value::String(_) | Value::Number(_) | Value::Bool(_)) => {}
            Some(_) => {
                return Err(bad_request(
                    &format!("{field}.value"),
                    "an entity's value is a string, a number or a boolean",
                ))
            }
        }
        if e.start >= e.end || e.end > len {
            return Err(bad_request(
                &field,
                format!(
                    "the span {}..{} is not inside the message's {len} characters (start < end <= length)",
                    e.start, e.end
                ),
            ));
        }
        for edge in [e.start, e.end] {
            if boundaries.binary_search(&edge).is_err() {
                return Err(bad_request(
                    &field,
                    format!(
                        "the span {}..{} cuts a character in two at {edge}",
                        e.start, e.end
                    ),
                ));
            }
        }
    }
    entities.sort_by_key(|e| (e.start, e.end));
    for (i, pair) in entities.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        if b.start < a.end && (a.start, a.end) != (b.start, b.end) {
            return Err(bad_request(
                &format!("entities[{}]", i + 1),
                format!(
                    "the spans {}..{} and {}..{} overlap: entities may share a span exactly but not overlap otherwise",
                    a.start, a.end, b.start, b.end
                ),
            ));
        }
    }
    Ok(())
}

/// The annotation as the API shows it.
pub fn to_api(row: AnnotationRow, sender_id: &str) -> Annotation {
    Annotation {
        event_id: row.event_id,
        conversation_id: sender_id.to_owned(),
        text: row.text.unwrap_or_default(),
        intent: row.intent,
        entities: serde_json::from_str(&row.entities).unwrap_or_default(),
        predicted_intent: row.predicted_intent,
        differs: row.differs,
        annotated_by: row.annotated_by,
        annotated_at: row.annotated_at.and_utc(),
    }
}

/// An annotation as its audit rows record it.
pub fn audit_state(row: &AnnotationRow) -> Value {
    json!({
        "intent": row.intent,
        "entities": serde_json::from_str::<Value>(&row.entities).unwrap_or(Value::Null),
        "predicted_intent": row.predicted_intent,
    })
}

/// The user event `event_id` of the conversation (internal id) with its text and prediction,
/// or 404 (no such event) / 400 (not a user message).
fn user_message(
    conn: &mut DbConnection,
    conversation: i64,
    sender_id: &str,
    event_id: i64,
) -> AppResult<(String, Option<String>)> {
    let (kind, text, intent) = db::annotations::event_of(conn, conversation, event_id)?
        .ok_or_else(|| not_found(format!("event {event_id} in conversation `{sender_id}`")))?;
    if kind != "user" {
        return Err(bad_request(
            "event_id",
            format!("event {event_id} is a `{kind}` event: only user messages are annotated"),
        ));
    }
    Ok((text.unwrap_or_default(), intent))
}

/// Annotates a user message (or replaces its annotation): reviewer or above.
pub async fn annotate(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
    event_id: i64,
    input: AppResult<AnnotationInput>,
) -> AppResult<Annotation> {
    caller.require(Role::Reviewer)?;
    let mut input = input?;
    input.intent = input.intent.trim().to_owned();
    check_intent(&input.intent)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let row = lock_live_conversation(conn, &sender_id)?;
                let (text, predicted) = user_message(conn, row.id, &sender_id, event_id)?;
                check_entities(&text, &mut input.entities)?;
                let entities = serde_json::to_string(&input.entities)
                    .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
                let before = db::annotations::get(conn, event_id)?;
                let new = NewAnnotation {
                    event_id,
                    conversation_id: row.id,
                    intent: &input.intent,
                    entities: &entities,
                    // The prediction when first annotated: a later correction keeps it.
                    predicted_intent: before
                        .as_ref()
                        .map_or(predicted.as_deref(), |b| b.predicted_intent.as_deref()),
                    annotated_by: &caller.name,
                };
                db::annotations::put(conn, &new)?;
                let after = db::annotations::get(conn, event_id)?
                    .ok_or_else(|| not_found(format!("the annotation of event {event_id}")))?;
                audit::record(
                    conn,
                    Change {
                        actor: &caller.name,
                        action: "annotate",
                        conversation: Some(row.id),
                        target: Some(format!("event {event_id}")),
                        before: before.as_ref().map(audit_state),
                        after: Some(audit_state(&after)),
                    },
                )?;
                Ok(to_api(after, &row.sender_id))
            })
        })
        .await
}

/// Removes a message's annotation (404 when it has none): reviewer or above.
pub async fn remove_annotation(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
    event_id: i64,
) -> AppResult<()> {
    caller.require(Role::Reviewer)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let row = lock_live_conversation(conn, &sender_id)?;
                user_message(conn, row.id, &sender_id, event_id)?;
                let before = db::annotations::get(conn, event_id)?
                    .ok_or_else(|| not_found(format!("an annotation of event {event_id}")))?;
                db::annotations::delete(conn, event_id)?;
                audit::record(
                    conn,
                    Change {
                        actor: &caller.name,
                        action: "annotation_removed",
                        conversation: Some(row.id),
                        target: Some(format!("event {event_id}")),
                        before: Some(audit_state(&before)),
                        after: None,
                    },
                )?;
                Ok(())
            })
        })
        .await
}

/// The annotations of a live conversation, in event order: viewer or above.
pub async fn list_annotations(
    state: &AppState,
    caller: AuthUser,
    sender_id: String,
) -> AppResult<Vec<Annotation>> {
    caller.require(Role::Viewer)?;
    state
        .db(move |conn| {
            let row = live_conversation(conn, &sender_id)?;
            let rows = db::annotations::of_conversation(conn, row.id)?;
            Ok(rows
                .into_iter()
                .map(|r| to_api(r, &row.sender_id))
                .collect())
        })
        .await
}

/// Every intent the picker offers: those predicted in live conversations and those
/// annotated, sorted and each once: viewer or above.
pub async fn known_intents(state: &AppState, caller: AuthUser) -> AppResult<Vec<String>> {
    caller.require(Role::Viewer)?;
    state
        .db(|conn| {
            let mut names: Vec<String> = db::facets::facets(conn)?
                .intents
                .into_iter()
                .map(|f| f.value)
                .collect();
            names.extend(db::annotations::intents(conn)?);
            names.sort();
            names.dedup();
            Ok(names)
        })
        .await
}
