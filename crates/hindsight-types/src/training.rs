//! Training data made from reviewed conversations: annotations of user messages (corrected
//! intent and entities) and saved stories and tests.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An entity marked in a user message's text.
///
/// `start` and `end` count Unicode code points (Python string indices), as Rasa's do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntityAnnotation {
    /// First character of the entity's text.
    pub start: usize,
    /// One past the last character.
    pub end: usize,
    /// Entity type (`cuisine`).
    pub entity: String,
    /// Role (`departure`), optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Group (`1`), optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Normalised value (a string, number or boolean); the entity's text when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// The body of `PUT /api/conversations/{id}/events/{event_id}/annotation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnotationInput {
    /// The correct intent (a retrieval intent as `faq/ask_price`).
    pub intent: String,
    /// The message's entities, all of them (an empty list removes every entity).
    #[serde(default)]
    pub entities: Vec<EntityAnnotation>,
}

/// A user message's annotation, stored beside the event (the prediction is kept as it was).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// The annotated user event.
    pub event_id: i64,
    /// The conversation's sender id.
    pub conversation_id: String,
    /// The message's text.
    pub text: String,
    /// The corrected (or confirmed) intent.
    pub intent: String,
    /// The corrected entities, ordered by position.
    pub entities: Vec<EntityAnnotation>,
    /// The intent the assistant predicted (`null` when it predicted none).
    pub predicted_intent: Option<String>,
    /// Whether the correction differs from the prediction (a misclassification).
    pub differs: bool,
    /// Who annotated.
    pub annotated_by: String,
    /// When.
    pub annotated_at: DateTime<Utc>,
}

/// What a saved training item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingItemKind {
    /// A Rasa 3 story (`data/stories.yml`).
    Story,
    /// A Rasa 3 test story, with user texts (`tests/test_stories.yml`).
    TestStory,
    /// A Rasa Pro end-to-end test case (`tests/e2e_test_cases.yml`).
    E2eTest,
}

impl TrainingItemKind {
    /// Every kind.
    pub const ALL: [TrainingItemKind; 3] = [
        TrainingItemKind::Story,
        TrainingItemKind::TestStory,
        TrainingItemKind::E2eTest,
    ];

    /// The spelling in JSON, query strings and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TrainingItemKind::Story => "story",
            TrainingItemKind::TestStory => "test_story",
            TrainingItemKind::E2eTest => "e2e_test",
        }
    }
}

impl std::str::FromStr for TrainingItemKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

/// The body of `POST /api/training-data/items`: save a conversation (or its start up to a
/// message) as a story or a test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SaveTrainingItem {
    /// Story, test story or end-to-end test case.
    pub kind: TrainingItemKind,
    /// Its name (unique per kind).
    pub name: String,
    /// The conversation's sender id.
    pub conversation_id: String,
    /// The last event to include (the selected message); the whole conversation when absent.
    #[serde(default)]
    pub until_event_id: Option<i64>,
}

/// The body of `PATCH /api/training-data/items/{item_id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingItemUpdate {
    /// A new name.
    #[serde(default)]
    pub name: Option<String>,
    /// New YAML text (a whole file of the item's kind holding exactly one story or test case).
    #[serde(default)]
    pub content: Option<String>,
}

/// A saved story or test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingItem {
    /// Id.
    pub id: i64,
    /// Story, test story or end-to-end test case.
    pub kind: TrainingItemKind,
    /// Name.
    pub name: String,
    /// The YAML file of this one item, as Rasa writes it (or as last edited).
    pub content: String,
    /// The conversation it was saved from (it may since have been deleted).
    pub conversation_id: Option<String>,
    /// The last event it includes (`null`: the whole conversation as it was).
    pub event_id: Option<i64>,
    /// Whether its text was edited by hand.
    pub edited: bool,
    /// Who saved it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The text between two code-point offsets.
pub fn slice(text: &str, start: usize, end: usize) -> String {
    text.chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect()
}

/// The entities the assistant extracted, as a starting point: those with a span inside the
/// text, not overlapping one already taken, with their value when it differs from the text.
pub fn predicted_entities(text: &str, found: Option<&Value>) -> Vec<EntityAnnotation> {
    let len = text.chars().count();
    let mut out: Vec<EntityAnnotation> = vec![];
    for e in found.and_then(Value::as_array).into_iter().flatten() {
        let (Some(start), Some(end), Some(entity)) = (
            e.get("start").and_then(Value::as_u64),
            e.get("end").and_then(Value::as_u64),
            e.get("entity").and_then(Value::as_str),
        ) else {
            continue;
        };
        let (start, end) = (start as usize, end as usize);
        let clash = out
            .iter()
            .any(|o| start < o.end && o.start < end && (o.start, o.end) != (start, end));
        if start >= end || end > len || clash {
            continue;
        }
        let s = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_owned);
        let value = e
            .get("value")
            .filter(|v| matches!(v, Value::Bool(_) | Value::Number(_) | Value::String(_)))
            .filter(|v| v.as_str() != Some(slice(text, start, end).as_str()))
            .cloned();
        out.push(EntityAnnotation {
            start,
            end,
            entity: entity.to_owned(),
            role: s("role"),
            group: s("group"),
            value,
        });
    }
    out.sort_by_key(|e| (e.start, e.end));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predictions_give_a_valid_start() {
        let found = serde_json::json!([
            {"entity": "city", "start": 7, "end": 13, "value": "Berlin"},
            {"entity": "place", "start": 10, "end": 15, "value": "lin n"},
            {"entity": "time", "start": 14, "end": 17, "value": {"from": 1}},
            {"entity": "broken"}
        ]);
        let got = predicted_entities("fly to Berlin now", Some(&found));
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].start, got[0].value.clone()), (7, None));
        assert_eq!(
            (got[1].entity.as_str(), got[1].value.clone()),
            ("time", None)
        );
    }
}
