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
