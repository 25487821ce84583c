//! Saved stories and tests, and the training-data exports (NLU, stories, tests).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime};
use hindsight_types::{
    ConversationFilter, SaveTrainingItem, TrainingItem, TrainingItemKind, TrainingItemUpdate,
};
use serde_json::{json, Value};

use super::live_conversation;
use super::path_rewrite::{require_paths_for, PathRewrite};
use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::annotations::Scope;
use crate::db::audit::{self, Change};
use crate::db::training::{ItemRow, NewItem};
use crate::db::{self, write_transaction, DbConnection};
use crate::error::{
    bad_request, conflict, invalid_body, not_found, rebuilding, AppError, AppResult,
};
use crate::training::corrections::{apply, Correction};
use crate::training::{document, e2e, nlu, Example};

/// What an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// `data/nlu.yml`: the annotated messages.
    Nlu,
    /// Saved items of one kind, in one file.
    Items(TrainingItemKind),
}

/// The export's selection, as the query string gave it.
#[derive(Debug, Clone, Default)]
pub struct ExportQuery {
    /// Annotated (or saved) by.
    pub annotator: Option<String>,
    /// At or after (RFC 3339).
    pub since: Option<String>,
    /// At or before (RFC 3339).
    pub until: Option<String>,
    /// The conversation has this tag.
    pub tag: Option<String>,
    /// The conversation matches this saved filter (id).
    pub filter: Option<i64>,
}

fn instant(field: &str, value: &Option<String>) -> AppResult<Option<NaiveDateTime>> {
    value
        .as_deref()
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.naive_utc())
                .map_err(|_| {
                    bad_request(
                        field,
                        format!("`{field}` must be an RFC 3339 instant, not `{v}`"),
                    )
                })
        })
        .transpose()
}

/// The scope of an export: dates parsed, the tag's and the saved filter's conversations
/// gathered (a filter the caller may not see is 404). A saved filter with a sequence pattern
/// waits for the paths' rewrite after an upgrade, as the inbox does: the server's `rewrite`
/// tells its progress (503); the command line (`None`) reads the database's own mark.
fn scope(
    conn: &mut DbConnection,
    viewer: Option<&str>,
    rewrite: Option<&PathRewrite>,
    q: &ExportQuery,
) -> AppResult<Scope> {
    let mut scope = Scope {
        annotator: q.annotator.clone().filter(|a| !a.is_empty()),
        since: instant("since", &q.since)?,
        until: instant("until", &q.until)?,
        conversations: None,
    };
    if let Some(tag) = q.tag.as_deref().filter(|t| !t.is_empty()) {
        scope.conversations = Some(db::training::tagged(conn, tag)?.into_iter().collect());
    }
    if let Some(id) = q.filter {
        let t = db::filters::get(conn, id)?.ok_or_else(|| not_found(format!("filter {id}")))?;
        if !(t.shared || viewer.is_none_or(|v| t.owner == v)) {
            return Err(not_found(format!("filter {id}")));
        }
        let filter = ConversationFilter::from_query(&t.query)?;
        match rewrite {
            Some(rewrite) => require_paths_for(rewrite, &filter)?,
            None if filter.sequence.is_some() && db::paths::rewrite_needed(conn)? => {
                return Err(rebuilding(
                    Some("filter"),
                    format!(
                        "saved filter {id} has a sequence pattern, and the conversations' \
                         paths are of an older format until `hindsight serve` has rewritten \
                         them after the upgrade"
                    ),
                ))
            }
            None => {}
        }
        let ids: HashSet<i64> = db::training::matching(conn, &filter)?.into_iter().collect();
        scope.conversations = Some(match scope.conversations.take() {
            Some(tagged) => tagged.intersection(&ids).copied().collect(),
            None => ids,
        });
    }
    Ok(scope)
}

/// Writes one export file: viewer or above.
pub async fn export(
    state: &AppState,
    caller: AuthUser,
    kind: ExportKind,
    query: ExportQuery,
) -> AppResult<String> {
    caller.require(Role::Viewer)?;
    let rewrite = state.path_rewrite.clone();
    state
        .db(move |conn| write_export(conn, Some((caller.name.as_str(), &*rewrite)), kind, &query))
        .await
}

/// One export file, for a viewer on the server (whose private saved filters it may use, with
/// the server's paths rewrite) or, `None`, the operator on the command line, who may use any.
pub fn write_export(
    conn: &mut DbConnection,
    viewer: Option<(&str, &PathRewrite)>,
    kind: ExportKind,
    query: &ExportQuery,
) -> AppResult<String> {
    let (viewer, rewrite) = viewer.unzip();
    let scope = scope(conn, viewer, rewrite, query)?;
    Ok(match kind {
        ExportKind::Nlu => {
            let rows = db::annotations::examples_in_scope(conn, &scope)?;
            // Each example's entities parsed as the writer comes to it, not all at once.
            let examples = rows.into_iter().map(|(_, text, intent, entities)| Example {
                text: text.unwrap_or_default(),
                intent,
                // Most examples mark no entity: no parse for those.
                entities: match entities.as_str() {
                    "[]" => Vec::new(),
                    json => serde_json::from_str(json).unwrap_or_default(),
                },
            });
            nlu::write_nlu(examples)
        }
        ExportKind::Items(kind) => {
            let rows = db::training::list(conn, Some(kind.as_str()), &scope)?;
            let contents: Vec<&str> = rows.iter().map(|r| r.content.as_str()).collect();
            document::merge(kind, &contents)
        }
    })
}

fn to_api(row: ItemRow) -> AppResult<TrainingItem> {
    Ok(TrainingItem {
        id: row.id,
        kind: row
            .kind
            .parse()
            .map_err(|()| AppError::Internal(format!("training item of kind {}", row.kind)))?,
        name: row.name,
        content: row.content,
        conversation_id: row.sender_id,
        event_id: row.event_id,
        edited: row.edited,
        created_by: row.created_by,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

fn check_name(name: &str) -> AppResult<()> {
    document::valid_name(name).map_err(|m| bad_request("name", format!("`name` {m}")))
}

fn audit_state(row: &ItemRow) -> Value {
    json!({"kind": row.kind, "name": row.name, "content": row.content, "conversation_id": row.sender_id})
}

/// The file of a new item: the conversation's events with its annotations applied, up to
/// `until`, as Rasa writes the kind.
fn item_file(
    conn: &mut DbConnection,
    input: &SaveTrainingItem,
) -> AppResult<(String, Option<i64>)> {
    let row = live_conversation(conn, &input.conversation_id)?;
    let rows = db::events::load_event_data(conn, row.id)?;
    let index_of: HashMap<i64, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();
    let until = match input.until_event_id {
        Some(id) => *index_of
            .get(&id)
            .ok_or_else(|| not_found(format!("event {id} in conversation `{}`", row.sender_id)))?,
        None => usize::MAX,
    };
    let events: Vec<Value> = rows
        .iter()
        .map(|(_, d)| serde_json::from_str(d).unwrap_or(Value::Null))
        .collect();
    let corrections: HashMap<usize, Correction> = db::annotations::of_conversation(conn, row.id)?
        .into_iter()
        .filter_map(|a| {
            let c = Correction {
                intent: a.intent,
                entities: serde_json::from_str(&a.entities).unwrap_or_default(),
            };
            Some((*index_of.get(&a.event_id)?, c))
        })
        .collect();
    let events = apply(&events, &corrections);
    let name = input.name.as_str();
    let file = match input.kind {
        TrainingItemKind::Story => crate::story::story_until_named(&events, until, false, name),
        TrainingItemKind::TestStory => crate::story::story_until_named(&events, until, true, name),
        TrainingItemKind::E2eTest => {
            let end = events.len().min(until.saturating_add(1));
            e2e::write_test_cases(&[(name, e2e::steps(&events[..end]))])
        }
    };
    Ok((file, input.until_event_id))
}

/// Saves a conversation (or its start up to a message) as a story or a test: reviewer or
/// above. 409 when an item of that kind has the name already.
pub async fn save_item(
    state: &AppState,
    caller: AuthUser,
    input: AppResult<SaveTrainingItem>,
) -> AppResult<TrainingItem> {
    caller.require(Role::Reviewer)?;
    let input = input?;
    check_name(&input.name)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let (content, event_id) = item_file(conn, &input)?;
                let kind = input.kind.as_str();
                if db::training::find_named(conn, kind, &input.name)?.is_some() {
                    return Err(conflict(
                        "name",
                        format!("a {kind} named `{}` exists already", input.name),
                    ));
                }
                let new = NewItem {
                    kind,
                    name: &input.name,
                    content: &content,
                    sender_id: &input.conversation_id,
                    event_id,
                    created_by: &caller.name,
                };
                let id = db::training::insert(conn, &new)?;
                let row = db::training::get(conn, id)?
                    .ok_or_else(|| not_found(format!("training item {id}")))?;
                let conversation = live_conversation(conn, &input.conversation_id)?.id;
                audit::record(
                    conn,
                    Change {
                        actor: &caller.name,
                        action: "training_item_saved",
                        conversation: Some(conversation),
                        target: Some(format!("training item {id}")),
                        before: None,
                        after: Some(audit_state(&row)),
                    },
                )?;
                to_api(row)
            })
        })
        .await
}

/// The saved items, of one kind or all, oldest first: viewer or above.
pub async fn list_items(
    state: &AppState,
    caller: AuthUser,
    kind: Option<TrainingItemKind>,
) -> AppResult<Vec<TrainingItem>> {
    caller.require(Role::Viewer)?;
    state
        .db(move |conn| {
            let rows =
                db::training::list(conn, kind.map(TrainingItemKind::as_str), &Scope::default())?;
            rows.into_iter().map(to_api).collect()
        })
        .await
}

/// One saved item: viewer or above.
pub async fn get_item(state: &AppState, caller: AuthUser, id: i64) -> AppResult<TrainingItem> {
    caller.require(Role::Viewer)?;
    state
        .db(move |conn| {
            let row = db::training::get(conn, id)?
                .ok_or_else(|| not_found(format!("training item {id}")))?;
            to_api(row)
        })
        .await
}

/// Renames an item or replaces its text: reviewer or above. A new text must be a file of
/// the item's kind holding one item; its name is the item's (unless `name` renames it).
pub async fn update_item(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    input: AppResult<TrainingItemUpdate>,
) -> AppResult<TrainingItem> {
    caller.require(Role::Reviewer)?;
    let input = input?;
    if input.name.is_none() && input.content.is_none() {
        return Err(invalid_body("give a new `name`, a new `content` or both"));
    }
    if let Some(name) = &input.name {
        check_name(name)?;
    }
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let before = db::training::get(conn, id)?
                    .ok_or_else(|| not_found(format!("training item {id}")))?;
                let kind: TrainingItemKind = before.kind.parse().map_err(|()| {
                    AppError::Internal(format!("training item of kind {}", before.kind))
                })?;
                let content = match &input.content {
                    Some(text) => {
                        document::parse_item(kind, text)
                            .map_err(|m| bad_request("content", format!("`content` {m}")))?;
                        text.clone()
                    }
                    None => before.content.clone(),
                };
                let (name, content) = match &input.name {
                    Some(name) => (name.clone(), document::rename(kind, &content, name)),
                    None => {
                        let name = document::item_name(kind, &content)
                            .ok_or_else(|| bad_request("content", "`content` has no item name"))?;
                        (name, content)
                    }
                };
                if let Some(other) = db::training::find_named(conn, &before.kind, &name)? {
                    if other != id {
                        return Err(conflict(
                            "name",
                            format!("a {} named `{name}` exists already", before.kind),
                        ));
                    }
                }
                let edited = before.edited || input.content.is_some();
                db::training::update(conn, id, &name, &content, edited)?;
                let after = db::training::get(conn, id)?
                    .ok_or_else(|| not_found(format!("training item {id}")))?;
                let conversation = match &after.sender_id {
                    Some(s) => db::conversations::find_any(conn, s)?,
                    None => None,
                };
                audit::record(
                    conn,
                    Change {
                        actor: &caller.name,
                        action: "training_item_updated",
                        conversation,
                        target: Some(format!("training item {id}")),
                        before: Some(audit_state(&before)),
                        after: Some(audit_state(&after)),
                    },
                )?;
                to_api(after)
            })
        })
        .await
}

/// Deletes an item: reviewer or above.
pub async fn delete_item(state: &AppState, caller: AuthUser, id: i64) -> AppResult<()> {
    caller.require(Role::Reviewer)?;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let before = db::training::get(conn, id)?
                    .ok_or_else(|| not_found(format!("training item {id}")))?;
                db::training::delete(conn, id)?;
                let conversation = match &before.sender_id {
                    Some(s) => db::conversations::find_any(conn, s)?,
                    None => None,
                };
                audit::record(
                    conn,
                    Change {
                        actor: &caller.name,
                        action: "training_item_deleted",
                        conversation,
                        target: Some(format!("training item {id}")),
                        before: Some(audit_state(&before)),
                        after: None,
                    },
                )?;
                Ok(())
            })
        })
        .await
}
