//! `RasaYAMLWriter().dumps(TrainingData(messages))` for annotated user messages.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{entity_dict, Example};
use crate::story::annotate::generate_message;
use crate::story::yaml::{dump, Node};

/// `STRIP_SYMBOLS`: what `_convert_training_examples` strips from each written example.
const STRIP_SYMBOLS: [char; 3] = ['\n', '\r', ' '];
/// `ESCAPE_CHARS`: an example holding one of these makes its intent's examples objects.
const ESCAPE_CHARS: [char; 5] = ['\u{8}', '\u{c}', '\n', '\r', '\t'];

/// The NLU file Rasa writes for `examples`: `version: "3.1"`, then one `- intent:` per intent
/// in order of first appearance with its examples in order, each distinct example once
/// (`TrainingData` drops duplicates: same text, intent and entities). Empty when there are no
/// examples (Rasa writes nothing then).
pub fn write_nlu(examples: &[Example]) -> String {
    let mut seen = HashSet::new();
    let mut intents: Vec<(&str, Vec<String>)> = Vec::new();
    for ex in examples {
        // `sanitize_examples` strips the intent.
        let intent = ex.intent.trim();
        if intent.is_empty() {
            continue;
        }
        let chars: Vec<char> = ex.text.chars().collect();
        let entities: Vec<Map<String, Value>> =
            ex.entities.iter().map(|e| entity_dict(&chars, e)).collect();
        let key = (
            ex.text.as_str(),
            intent,
            Value::Array(entities.iter().cloned().map(Value::Object).collect()).to_string(),
        );
        if !seen.insert(key) {
            continue;
        }
        let refs: Vec<&Map<String, Value>> = entities.iter().collect();
        let written = generate_message(&ex.text, &refs)
            .trim_matches(&STRIP_SYMBOLS[..])
            .to_owned();
        match intents.iter_mut().find(|(name, _)| *name == intent) {
            Some((_, list)) => list.push(written),
            None => intents.push((intent, vec![written])),
        }
    }
    if intents.is_empty() {
        return String::new();
    }
    let items = intents
        .into_iter()
        .map(|(intent, texts)| {
            let as_objects = texts.iter().any(|t| t.contains(&ESCAPE_CHARS[..]));
            let examples = if as_objects {
                Node::Seq(
                    texts
                        .iter()
                        .map(|t| Node::map([("text", Node::literal(&format!("{t}\n")))]))
                        .collect(),
                )
            } else {
                // `generate_list_item`; `encode_string` changes nothing here, as no text has
                // an escape character.
                let mut block = String::new();
                for t in &texts {
                    block.push_str("- ");
                    block.push_str(t);
                    block.push('\n');
                }
                Node::literal(&block)
            };
            Node::map([("intent", Node::str(intent)), ("examples", examples)])
        })
        .collect();
    dump(&Node::map([
        ("version", Node::double_quoted("3.1")),
        ("nlu", Node::Seq(items)),
    ]))
}
