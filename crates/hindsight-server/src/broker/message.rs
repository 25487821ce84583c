//! One message from Rasa's event broker: what `PikaEventBroker` puts on the wire, read into an
//! event of a conversation, or into the reason it can never be imported.

use serde_json::{Map, Value};

use crate::ingest::parse::check_sender_id;
use crate::ingest::RawEvent;

/// The header `rasa export` puts on every message of one run (one id per run).
pub const EXPORT_HEADER: &str = "rasa-export-process-id";

/// A message as received, independent of the AMQP library.
#[derive(Debug, Clone, Default)]
pub struct Message {
    /// The body, as published.
    pub body: Vec<u8>,
    /// The `app_id` property: Rasa sets it from `RASA_ENVIRONMENT`.
    pub app_id: Option<String>,
    /// The message headers, as JSON (strings stay strings).
    pub headers: Map<String, Value>,
    /// Whether RabbitMQ delivered it before (to a consumer that did not acknowledge it).
    pub redelivered: bool,
    /// Every property and header, kept with a message that cannot be imported.
    pub properties: Value,
}

/// An event of a conversation, read from a message.
#[derive(Debug, Clone)]
pub struct BrokerEvent {
    /// The conversation (the `sender_id` Rasa adds to the event).
    pub sender_id: String,
    /// The event: the body byte for byte as `raw`, the event without the fields the broker
    /// adds as `value` (so the same event imported from a tracker store is the same event).
    pub event: RawEvent,
    /// The Rasa environment (`app_id`), when the message names one.
    pub environment: Option<String>,
    /// The `rasa export` run the message belongs to.
    pub export_run: Option<String>,
}

/// Fields Rasa adds to an event's own dict when it publishes it: `sender_id` (always),
/// `user_id` (live streaming). They are not part of the event stored in a tracker.
const ADDED_FIELDS: [&str; 2] = ["sender_id", "user_id"];

/// Reads a message; the error says why it can never be imported.
pub fn decode(message: &Message) -> Result<BrokerEvent, String> {
    let text = std::str::from_utf8(&message.body)
        .map_err(|e| format!("the message body is not UTF-8 text: {e}"))?;
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("the message body is not JSON: {e}"))?;
    let Value::Object(mut map) = value else {
        return Err("the message body is not a JSON object (a Rasa event)".into());
    };
    let sender_id = match map.get("sender_id") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("the event's `sender_id` is not a string".into()),
        None => return Err("the event has no `sender_id` naming its conversation".into()),
    };
    check_sender_id(&sender_id)?;
    for field in ADDED_FIELDS {
        map.shift_remove(field);
    }
    // Rasa's live stream also adds the environment to the event's metadata.
    let mut metadata_environment = None;
    if let Some(Value::Object(meta)) = map.get_mut("metadata") {
        metadata_environment = match meta.shift_remove("rasa_environment") {
            Some(Value::String(s)) if !s.is_empty() => Some(s),
            _ => None,
        };
        if meta.is_empty() {
            map.shift_remove("metadata");
        }
    }
    let event = RawEvent::from_value(text.to_owned(), Value::Object(map))?;
    let environment = message
        .app_id
        .clone()
        .filter(|s| !s.is_empty())
        .or(metadata_environment);
    let export_run = match message.headers.get(EXPORT_HEADER) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    Ok(BrokerEvent {
        sender_id,
        event,
        environment,
        export_run,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(body: &str) -> Message {
        Message {
            body: body.as_bytes().to_vec(),
            ..Message::default()
        }
    }

    #[test]
    fn reads_a_rasa_event_keeping_the_body() {
        let body = r#"{"sender_id": "abc", "user_id": null, "event": "user", "timestamp": 1.5, "text": "hi", "metadata": {"rasa_environment": "production"}}"#;
        let e = decode(&msg(body)).unwrap();
        assert_eq!(e.sender_id, "abc");
        assert_eq!(e.event.raw, body);
        assert_eq!(e.event.type_name(), "user");
        assert_eq!(e.environment.as_deref(), Some("production"));
        // The same event as a tracker store holds it hashes the same.
        let stored = RawEvent::parse(r#"{"event":"user","timestamp":1.5,"text":"hi"}"#).unwrap();
        assert_eq!(e.event.content_hash(), stored.content_hash());
    }

    #[test]
    fn app_id_and_export_header() {
        let mut m = msg(r#"{"sender_id":"a","event":"bot","timestamp":2}"#);
        m.app_id = Some("staging".into());
        m.headers
            .insert(EXPORT_HEADER.into(), Value::String("run-1".into()));
        let e = decode(&m).unwrap();
        assert_eq!(e.environment.as_deref(), Some("staging"));
        assert_eq!(e.export_run.as_deref(), Some("run-1"));
    }

    #[test]
    fn says_why_a_message_cannot_be_imported() {
        let cases = [
            ("not json", "not JSON"),
            ("[1]", "not a JSON object"),
            (r#"{"event":"user"}"#, "no `sender_id`"),
            (r#"{"sender_id":1,"event":"user"}"#, "not a string"),
            (r#"{"sender_id":"a"}"#, "`event`"),
            (r#"{"sender_id":"","event":"user"}"#, "empty"),
        ];
        for (body, want) in cases {
            let err = decode(&msg(body)).unwrap_err();
            assert!(err.contains(want), "{body}: {err}");
        }
        let bad = Message {
            body: vec![0xff, 0xfe],
            ..Message::default()
        };
        assert!(decode(&bad).unwrap_err().contains("UTF-8"));
    }
}
