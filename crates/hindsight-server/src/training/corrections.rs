//! A conversation's events with its annotations applied, ready for the story writer.

use std::collections::HashMap;

use serde_json::Value;

use super::entity_dict;
use hindsight_types::EntityAnnotation;

/// The correction of one user event.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    /// The corrected intent.
    pub intent: String,
    /// The corrected entities.
    pub entities: Vec<EntityAnnotation>,
}

/// Applies `corrections` (by index into `events`) to copies of the user events:
/// `parse_data.intent.name` becomes the corrected intent, `parse_data.entities` the corrected
/// entities, and `parse_data.response_selector` is dropped (Rasa would otherwise write the
/// predicted retrieval intent's full name instead of the correction).
pub fn apply(events: &[Value], corrections: &HashMap<usize, Correction>) -> Vec<Value> {
    let mut out = events.to_vec();
    for (&index, c) in corrections {
        let Some(Value::Object(event)) = out.get_mut(index) else {
            continue;
        };
        let text: Vec<char> = event
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .chars()
            .collect();
        let parse = event
            .entry("parse_data")
            .or_insert_with(|| Value::Object(Default::default()));
        if !parse.is_object() {
            *parse = Value::Object(Default::default());
        }
        let Value::Object(parse) = parse else {
            continue;
        };
        let intent = parse
            .entry("intent")
            .or_insert_with(|| Value::Object(Default::default()));
        if !intent.is_object() {
            *intent = Value::Object(Default::default());
        }
        if let Value::Object(intent) = intent {
            intent.insert("name".into(), Value::String(c.intent.clone()));
        }
        let entities = c
            .entities
            .iter()
            .map(|e| Value::Object(entity_dict(&text, e)))
            .collect();
        parse.insert("entities".into(), Value::Array(entities));
        parse.shift_remove("response_selector");
    }
    out
}
