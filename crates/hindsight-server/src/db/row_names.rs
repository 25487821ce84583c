//! What an inbox row shows of a conversation's intents and actions: at most
//! [`ROW_NAMES`] of each, most frequent first, then by name (bytewise), kept as one row per
//! conversation (`conversation_row_names`) and written at ingest beside its features. A page
//! reads 50 rows by id rather than every intent and action feature of its conversations.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::schema::{conversation_features, conversation_row_names};
use super::DbConnection;

/// Most intents and actions listed on one inbox row.
pub const ROW_NAMES: usize = 8;

/// Rows per SQLite INSERT (two bound parameters each).
const SQLITE_ROWS: usize = 2_000;

/// A conversation's intents and actions as its inbox row lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowNames {
    /// Intents, most frequent first.
    pub intents: Vec<String>,
    /// Actions, most frequent first.
    pub actions: Vec<String>,
}

impl RowNames {
    /// The row names of a conversation whose features are `features`: `(kind, name,
    /// occurrences)`, every kind (only intents and actions count), each name once.
    pub fn of<'a>(features: impl IntoIterator<Item = (&'a str, &'a str, i64)>) -> RowNames {
        let mut intents = Vec::new();
        let mut actions = Vec::new();
        for (kind, name, occurrences) in features {
            match kind {
                "intent" => intents.push((occurrences, name)),
                "action" => actions.push((occurrences, name)),
                _ => {}
            }
        }
        let top = |mut names: Vec<(i64, &str)>| -> Vec<String> {
            names.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
            names
                .into_iter()
                .take(ROW_NAMES)
                .map(|(_, name)| name.to_owned())
                .collect()
        };
        RowNames {
            intents: top(intents),
            actions: top(actions),
        }
    }

    /// As stored: JSON.
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).expect("names serialise")
    }
}

/// A conversation's row names to insert.
#[derive(Insertable)]
#[diesel(table_name = conversation_row_names)]
// What PostgreSQL's binary COPY requires (no field may stand for DEFAULT).
#[diesel(treat_none_as_default_value = false)]
pub struct NewRowNames {
    pub conversation_id: i64,
    /// [`RowNames::to_stored`].
    pub names: String,
}

/// Stores the row names of conversations that have none yet.
pub fn insert(conn: &mut DbConnection, rows: &[NewRowNames]) -> QueryResult<()> {
    insert_in_bulk!(
        conn,
        conversation_row_names::table,
        rows,
        SQLITE_ROWS,
        kept_prepared
    )
}

/// Replaces the row names of conversations that have them.
pub fn update(conn: &mut DbConnection, rows: &[NewRowNames]) -> QueryResult<()> {
    let rows: Vec<(i64, &str)> = rows
        .iter()
        .map(|r| (r.conversation_id, r.names.as_str()))
        .collect();
    update_by_conversation!(conn, conversation_row_names.names, &rows)
}

/// The row names of the conversations `ids`, from their stored rows `stored` (`(conversation,
/// names as stored)`, read beside their tags: `conversations::tags_and_names`). A
/// conversation without its row (none is, since the migration that made them wrote every
/// one; a row inserted by hand could be) has its names counted from its features.
pub fn from_stored(
    conn: &mut DbConnection,
    ids: &[i64],
    stored: Vec<(i64, String)>,
) -> QueryResult<HashMap<i64, RowNames>> {
    let mut names = HashMap::with_capacity(ids.len());
    for (id, text) in stored {
        let parsed = serde_json::from_str(&text).map_err(|e| {
            diesel::result::Error::DeserializationError(
                format!("row names of conversation {id}: {e}").into(),
            )
        })?;
        names.insert(id, parsed);
    }
    let missing: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !names.contains_key(id))
        .collect();
    if !missing.is_empty() {
        names.extend(counted(conn, &missing)?);
    }
    Ok(names)
}

/// The row names of `ids` counted from their features.
fn counted(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<HashMap<i64, RowNames>> {
    let rows: Vec<(i64, String, String, i64)> = conversation_features::table
        .filter(conversation_features::conversation_id.eq_any(ids))
        .filter(
            conversation_features::kind
                .eq("intent")
                .or(conversation_features::kind.eq("action")),
        )
        .select((
            conversation_features::conversation_id,
            conversation_features::kind,
            conversation_features::name,
            conversation_features::occurrences,
        ))
        .load(conn)?;
    let mut by_conversation: HashMap<i64, Vec<(&str, &str, i64)>> = HashMap::new();
    for (id, kind, name, occurrences) in &rows {
        by_conversation
            .entry(*id)
            .or_default()
            .push((kind.as_str(), name.as_str(), *occurrences));
    }
    Ok(ids
        .iter()
        .map(|id| {
            let features = by_conversation.remove(id).unwrap_or_default();
            (*id, RowNames::of(features))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_frequent_first_then_by_name_at_most_eight() {
        let mut features = vec![("slot", "city", 9), ("intent", "b", 2), ("intent", "a", 2)];
        features.push(("intent", "c", 5));
        let names: Vec<String> = (0..12).map(|i| format!("utter_{i:02}")).collect();
        features.extend(names.iter().map(|n| ("action", n.as_str(), 1)));
        let row = RowNames::of(features);
        assert_eq!(row.intents, ["c", "a", "b"]);
        assert_eq!(row.actions, names[..ROW_NAMES]);
        let stored = row.to_stored();
        assert_eq!(serde_json::from_str::<RowNames>(&stored).unwrap(), row);
    }
}
