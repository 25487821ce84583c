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
///
/// The examples are taken one at a time, so a caller can parse each one's entities as it
/// comes: collected first, a hundred thousand examples' entities held 64 MB at once.
pub fn write_nlu(examples: impl IntoIterator<Item = Example>) -> String {
    // Each distinct (text, intent, entities as Rasa's dicts) once; the entities' part of the
    // key is their JSON, empty when there are none (a JSON list is never empty text).
    let hasher = keyed_hasher();
    let mut seen: HashSet<(String, String, String), Xxh3Builder> = HashSet::with_hasher(hasher);
    let mut intents: Vec<(String, Vec<String>)> = Vec::new();
    let mut intent_at: HashMap<String, usize, Xxh3Builder> = HashMap::with_hasher(hasher);
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
        let written = message
            .as_deref()
            .unwrap_or(&ex.text)
            .trim_matches(&STRIP_SYMBOLS[..])
            .to_owned();
        let intent = intent.to_owned();
        let at = match intent_at.get(&intent) {
            Some(&at) => at,
            None => intents.len(),
        };
        if !seen.insert((ex.text, intent.clone(), entities_key)) {
            continue;
        }
        if at == intents.len() {
            intent_at.insert(intent.clone(), at);
            intents.push((intent, Vec::new()));
        }
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
            Node::map([("intent", Node::str(&intent)), ("examples", examples)])
        })
        .collect();
    dump(&Node::map([
        ("version", Node::double_quoted("3.1")),
        ("nlu", Node::Seq(items)),
    ]))
}
