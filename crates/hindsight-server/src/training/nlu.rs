//! `RasaYAMLWriter().dumps(TrainingData(messages))` for annotated user messages.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};
use xxhash_rust::xxh3::Xxh3Builder;

use super::{entity_dict, Example};
use crate::story::annotate::generate_message;
use crate::story::yaml::{dump, Node};

/// `STRIP_SYMBOLS`: what `_convert_training_examples` strips from each written example.
const STRIP_SYMBOLS: [char; 3] = ['\n', '\r', ' '];
/// `ESCAPE_CHARS`: an example holding one of these makes its intent's examples objects.
const ESCAPE_CHARS: [char; 5] = ['\u{8}', '\u{c}', '\n', '\r', '\t'];

/// xxh3 (the dedup of a hundred thousand examples spent a tenth of the export in SipHash)
/// with a random seed, so that texts chosen to collide cannot slow the export down.
fn keyed_hasher() -> Xxh3Builder {
    use std::hash::BuildHasher;
    Xxh3Builder::new().with_seed(std::hash::RandomState::new().hash_one(0u8))
}

/// The NLU file Rasa writes for `examples`: `version: "3.1"`, then one `- intent:` per intent
/// in order of first appearance with its examples in order, each distinct example once
/// (`TrainingData` drops duplicates: same text, intent and entities). Empty when there are no
/// examples (Rasa writes nothing then).
pub fn write_nlu(examples: &[Example]) -> String {
    // Each distinct (text, intent, entities as Rasa's dicts) once; the entities' part of the
    // key is their JSON, empty when there are none (a JSON list is never empty text).
    let hasher = keyed_hasher();
    let mut seen: HashSet<(&str, &str, String), Xxh3Builder> =
        HashSet::with_capacity_and_hasher(examples.len(), hasher);
    let mut intents: Vec<(&str, Vec<String>)> = Vec::new();
    let mut intent_at: HashMap<&str, usize, Xxh3Builder> = HashMap::with_hasher(hasher);
    for ex in examples {
        // `sanitize_examples` strips the intent.
        let intent = ex.intent.trim();
        if intent.is_empty() {
            continue;
        }
        let (entities_key, message) = if ex.entities.is_empty() {
            // `generate_message` without entities is the text itself.
            (String::new(), None)
        } else {
            let chars: Vec<char> = ex.text.chars().collect();
            let entities: Vec<Map<String, Value>> =
                ex.entities.iter().map(|e| entity_dict(&chars, e)).collect();
            let key = serde_json::to_string(&entities).unwrap_or_default();
            let refs: Vec<&Map<String, Value>> = entities.iter().collect();
            (key, Some(generate_message(&ex.text, &refs)))
        };
        if !seen.insert((ex.text.as_str(), intent, entities_key)) {
            continue;
        }
        let written = message
            .as_deref()
            .unwrap_or(&ex.text)
            .trim_matches(&STRIP_SYMBOLS[..])
            .to_owned();
        let at = *intent_at.entry(intent).or_insert_with(|| {
            intents.push((intent, Vec::new()));
            intents.len() - 1
        });
        intents[at].1.push(written);
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
                let mut block =
                    String::with_capacity(texts.iter().map(|t| t.len() + 3).sum::<usize>());
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
