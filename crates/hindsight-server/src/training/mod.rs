//! Training data in Rasa's formats, byte for byte as Rasa Pro 3.21 writes it.
//!
//! * [`nlu`]: annotated user messages as `RasaYAMLWriter` writes NLU data;
//! * [`corrections`]: a conversation's events with the annotations applied, for the story
//!   writer of [`crate::story`] (stories and Rasa 3 test stories);
//! * [`e2e`]: Rasa Pro end-to-end test cases (`test_cases:`) from a conversation's events;
//! * [`document`]: one saved item's YAML file: merging many into one file, renaming, and
//!   checking a hand-edited text.
//!
//! The golden tests in `tests.rs` compare against files written by Rasa itself
//! (`tools/goldens/make_training_goldens.py`).

pub mod corrections;
pub mod document;
pub mod e2e;
pub mod nlu;

#[cfg(test)]
mod tests;

use hindsight_types::EntityAnnotation;
use serde_json::{Map, Value};

/// One annotated user message: an NLU training example.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The message's text.
    pub text: String,
    /// Its intent (`faq/ask_price` for a retrieval intent).
    pub intent: String,
    /// Its entities, ordered by position.
    pub entities: Vec<EntityAnnotation>,
}

/// The entity as a Rasa message holds it: `start`, `end`, `value` (the annotated text when
/// no normalised value was given), `entity`, then `role` and `group` when set.
pub fn entity_dict(text: &[char], e: &EntityAnnotation) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("start".into(), Value::from(e.start));
    m.insert("end".into(), Value::from(e.end));
    let value = e.value.clone().unwrap_or_else(|| {
        let end = e.end.min(text.len());
        let start = e.start.min(end);
        Value::String(text[start..end].iter().collect())
    });
    m.insert("value".into(), value);
    m.insert("entity".into(), Value::String(e.entity.clone()));
    if let Some(role) = &e.role {
        m.insert("role".into(), Value::String(role.clone()));
    }
    if let Some(group) = &e.group {
        m.insert("group".into(), Value::String(group.clone()));
    }
    m
}
