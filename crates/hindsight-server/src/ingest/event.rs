//! One Rasa event: its original text and the facts the inbox filters on.

use serde_json::Value;

/// A Rasa event as received: the exact JSON text (returned unchanged by the conversation view
/// and the tracker export) and what the inbox reads of it, worked out once where the event is
/// parsed.
///
/// The parsed JSON tree is not kept: reading the facts and hashing the content happen on the
/// thread that parses (an import's reader, the demo generator), so the thread that writes the
/// batch, which every import waits on, only stores what was read.
#[derive(Debug, Clone)]
pub struct RawEvent {
    /// The JSON text exactly as received.
    pub raw: String,
    type_name: String,
    timestamp: Option<f64>,
    content_hash: i64,
    /// What the inbox filters on.
    pub facts: EventFacts,
}

impl RawEvent {
    /// Parses one event's JSON text; the reason names what is wrong.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(raw).map_err(|e| format!("invalid JSON: {e}"))?;
        Self::from_value(raw.to_owned(), value)
    }

    /// Checks an already parsed event and reads it.
    pub fn from_value(raw: String, value: Value) -> Result<Self, String> {
        let Some(obj) = value.as_object() else {
            return Err("an event must be a JSON object".into());
        };
        let type_name = match obj.get("event") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(_) => return Err("the event's `event` field must be a non-empty string".into()),
            None => return Err("the event has no `event` field naming its type".into()),
        };
        let timestamp = match obj.get("timestamp") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64(),
            Some(_) => return Err("the event's `timestamp` must be a number (Unix seconds)".into()),
        };
        Ok(RawEvent {
            facts: EventFacts::read(&type_name, &value),
            content_hash: content_hash(&value),
            raw,
            type_name,
            timestamp,
        })
    }

    /// Rasa's event type name.
    pub fn type_name(&self) -> &str {
        &self.type_name
    }

    /// The timestamp, when the event has one.
    pub fn timestamp(&self) -> Option<f64> {
        self.timestamp
    }

    /// A stable 64-bit hash of the event's content, independent of how it was written: key
    /// order, whitespace and number spelling (`1`, `1.0`, `1e0`) do not change it. Re-imports
    /// of the same event match on it.
    pub fn content_hash(&self) -> i64 {
        self.content_hash
    }
}

/// Which definition of [`content_hash`] the stored `events.content_hash` follow; older rows
/// are recomputed by [`crate::db::ingest_upkeep::upgrade_content_hashes`].
pub const CONTENT_HASH_VERSION: &str = "2";

/// The hash of a JSON value in canonical form (object keys sorted, numbers by value), fed to
/// the hasher as it is walked: nothing is serialised.
pub fn content_hash(value: &Value) -> i64 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    feed(&mut hasher, value);
    hasher.digest() as i64
}

/// Writes `value` into the hasher unambiguously: each item starts with a tag byte, strings
/// and containers carry their length.
fn feed(h: &mut xxhash_rust::xxh3::Xxh3, value: &Value) {
    match value {
        Value::Null => h.update(b"n"),
        Value::Bool(b) => h.update(if *b { b"t" } else { b"f" }),
        Value::Number(n) => feed_number(h, n),
        Value::String(s) => feed_str(h, b's', s),
        Value::Array(items) => {
            h.update(b"a");
            h.update(&(items.len() as u64).to_le_bytes());
            for item in items {
                feed(h, item);
            }
        }
        Value::Object(map) => {
            // `preserve_order` keeps the received key order, which must not matter.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            h.update(b"o");
            h.update(&(entries.len() as u64).to_le_bytes());
            for (key, item) in entries {
                feed_str(h, b'k', key);
                feed(h, item);
            }
        }
    }
}

fn feed_str(h: &mut xxhash_rust::xxh3::Xxh3, tag: u8, s: &str) {
    h.update(&[tag]);
    h.update(&(s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

/// A number by its value: integers that a double holds exactly hash as that double, so
/// `1` and `1.0` are the same number; larger integers hash as themselves.
fn feed_number(h: &mut xxhash_rust::xxh3::Xxh3, n: &serde_json::Number) {
    let exact = |f: f64, back: bool| back.then_some(f);
    let as_double = if let Some(i) = n.as_i64() {
        exact(
            i as f64,
            (i as f64) as i64 == i && i.unsigned_abs() <= 1 << 53,
        )
    } else if let Some(u) = n.as_u64() {
        exact(u as f64, u <= 1 << 53)
    } else {
        n.as_f64()
    };
    match as_double {
        // -0.0 and 0.0 are the same number.
        Some(f) => {
            h.update(b"d");
            h.update(&(if f == 0.0 { 0.0f64 } else { f }).to_bits().to_le_bytes());
        }
        None => feed_str(h, b'i', &n.to_string()),
    }
}

/// What the inbox needs to know of an event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFacts {
    /// Message text of `user` and `bot` events.
    pub text: Option<String>,
    /// Predicted intent of a `user` event.
    pub intent: Option<String>,
    /// Action name, or slot name of a `slot` event.
    pub name: Option<String>,
    /// Predicting policy, without Rasa 2's `policy_N_` prefix.
    pub policy: Option<String>,
    /// Intent or action confidence.
    pub confidence: Option<f64>,
    /// Input channel of a `user` event.
    pub input_channel: Option<String>,
    /// Entity types extracted from a `user` event.
    pub entities: Vec<String>,
    /// Slot value as filter text, for a `slot` event that sets a non-null value.
    pub slot_value: Option<String>,
    /// Slot value (null too) as a conversation's path writes it, for a `slot` event
    /// ([`crate::sequence::slot_field`]).
    pub slot_field: Option<String>,
    /// The response a `bot` event sent (its metadata's `utter_action`), when it names one.
    pub response: Option<String>,
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Rasa 2 wrote policies as `policy_2_TEDPolicy`; filters use the bare name.
pub fn normalise_policy(policy: &str) -> &str {
    policy
        .strip_prefix("policy_")
        .and_then(|rest| rest.split_once('_'))
        .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        .map_or(policy, |(_, name)| name)
}

/// Longest slot value kept for the slot = value filter and its menu.
const MAX_SLOT_FILTER_VALUE: usize = 500;

/// A slot value as the filter matches it: strings bare, anything else as compact JSON.
pub fn slot_filter_text(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.len() <= MAX_SLOT_FILTER_VALUE {
        return text;
    }
    let mut end = MAX_SLOT_FILTER_VALUE;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

impl EventFacts {
    /// Reads the facts of an event of type `type_name` from its JSON.
    pub fn read(type_name: &str, v: &Value) -> Self {
        let mut facts = EventFacts::default();
        match type_name {
            "user" => {
                facts.text = string(v, "text");
                facts.input_channel = string(v, "input_channel");
                let parse = v.get("parse_data");
                let intent = parse.and_then(|p| p.get("intent"));
                facts.intent = intent.and_then(|i| string(i, "name"));
                facts.confidence = intent
                    .and_then(|i| i.get("confidence"))
                    .and_then(Value::as_f64);
                let entities = parse
                    .and_then(|p| p.get("entities"))
                    .and_then(Value::as_array);
                facts.entities = entities
                    .into_iter()
                    .flatten()
                    .filter_map(|e| string(e, "entity"))
                    .collect();
            }
            "bot" => {
                facts.text = string(v, "text");
                facts.response = v.get("metadata").and_then(|m| string(m, "utter_action"));
            }
            "action" => {
                facts.name = string(v, "name");
                facts.policy = string(v, "policy").map(|p| normalise_policy(&p).to_owned());
                facts.confidence = v.get("confidence").and_then(Value::as_f64);
            }
            "slot" => {
                facts.name = string(v, "name");
                facts.slot_value = v
                    .get("value")
                    .filter(|x| !x.is_null())
                    .map(slot_filter_text);
                facts.slot_field = Some(crate::sequence::slot_field(v.get("value")));
            }
            "active_loop" | "form" => facts.name = string(v, "name"),
            _ => {}
        }
        facts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_rasa_2_policy_prefix() {
        assert_eq!(normalise_policy("policy_1_TEDPolicy"), "TEDPolicy");
        assert_eq!(normalise_policy("policy_12_RulePolicy"), "RulePolicy");
        assert_eq!(normalise_policy("TEDPolicy"), "TEDPolicy");
        assert_eq!(normalise_policy("policy_x_Foo"), "policy_x_Foo");
    }

    #[test]
    fn reads_user_facts() {
        let e = RawEvent::parse(r#"{"event":"user","timestamp":1.5,"text":"hi","input_channel":"rest","parse_data":{"intent":{"name":"greet","confidence":0.42},"entities":[{"entity":"city","value":"Berlin"}]}}"#).unwrap();
        let f = &e.facts;
        assert_eq!(f.intent.as_deref(), Some("greet"));
        assert_eq!(f.confidence, Some(0.42));
        assert_eq!(f.entities, ["city"]);
        assert_eq!(f.input_channel.as_deref(), Some("rest"));
    }

    #[test]
    fn hash_ignores_key_order_spacing_and_number_spelling() {
        let a = RawEvent::parse(r#"{"event":"user","timestamp":1.0,"text":"yes","parse_data":{"intent":{"name":"affirm","confidence":1}}}"#).unwrap();
        let b = RawEvent::parse(r#"{ "text": "yes", "parse_data": {"intent": {"confidence": 1e0, "name": "affirm"}}, "timestamp": 1, "event": "user" }"#).unwrap();
        assert_eq!(a.content_hash(), b.content_hash());
        let c = RawEvent::parse(r#"{"event":"user","timestamp":1.0,"text":"no","parse_data":{"intent":{"name":"affirm","confidence":1}}}"#).unwrap();
        assert_ne!(a.content_hash(), c.content_hash());
        // Nesting and types are part of the content.
        let d = RawEvent::parse(r#"{"event":"x","v":["1"]}"#).unwrap();
        let e = RawEvent::parse(r#"{"event":"x","v":[1]}"#).unwrap();
        let f = RawEvent::parse(r#"{"event":"x","v":1}"#).unwrap();
        assert_ne!(d.content_hash(), e.content_hash());
        assert_ne!(e.content_hash(), f.content_hash());
    }

    #[test]
    fn rejects_events_without_type() {
        assert!(RawEvent::parse(r#"{"timestamp":1}"#)
            .unwrap_err()
            .contains("`event`"));
        assert!(RawEvent::parse("[1]").is_err());
        assert!(RawEvent::parse(r#"{"event":"user","timestamp":"x"}"#)
            .unwrap_err()
            .contains("timestamp"));
    }
}
