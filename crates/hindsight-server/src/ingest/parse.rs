//! Reading Rasa's JSON forms: a tracker, a list of trackers, a list of events, JSON lines.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::RawEvent;

/// Longest sender id we accept (Rasa's SQL tracker store allows 255).
pub const MAX_SENDER_ID_LEN: usize = 255;

/// Events of one conversation, ready to store.
#[derive(Debug, Clone)]
pub struct IncomingConversation {
    /// Rasa's sender id: the conversation id.
    pub sender_id: String,
    /// Events in the order Rasa recorded them.
    pub events: Vec<RawEvent>,
}

#[derive(Deserialize)]
struct TrackerDoc<'a> {
    #[serde(default)]
    sender_id: Option<String>,
    #[serde(borrow, default)]
    events: Option<Vec<&'a RawValue>>,
}

/// Checks a sender id: non-empty, not too long, no control characters.
pub fn check_sender_id(id: &str) -> Result<(), String> {
    if id.trim().is_empty() {
        return Err("the sender id is empty".into());
    }
    if id.len() > MAX_SENDER_ID_LEN {
        return Err(format!(
            "the sender id is longer than {MAX_SENDER_ID_LEN} bytes"
        ));
    }
    if id.chars().any(char::is_control) {
        return Err("the sender id contains control characters".into());
    }
    Ok(())
}

fn parse_event_list(events: &[&RawValue]) -> Result<Vec<RawEvent>, String> {
    events
        .iter()
        .enumerate()
        .map(|(i, raw)| RawEvent::parse(raw.get()).map_err(|e| format!("event {i}: {e}")))
        .collect()
}

/// Reads one tracker object (`{"sender_id": …, "events": […]}`). `fallback_sender` names the
/// conversation when the tracker does not (a file name, a URL path).
pub fn parse_tracker_body(
    body: &str,
    fallback_sender: Option<&str>,
) -> Result<IncomingConversation, String> {
    let doc: TrackerDoc<'_> =
        serde_json::from_str(body).map_err(|e| format!("not a Rasa tracker: {e}"))?;
    tracker_from_doc(doc, fallback_sender)
}

fn tracker_from_doc(
    doc: TrackerDoc<'_>,
    fallback_sender: Option<&str>,
) -> Result<IncomingConversation, String> {
    let sender_id = match (doc.sender_id, fallback_sender) {
        (Some(s), _) => s,
        (None, Some(s)) => s.to_owned(),
        (None, None) => return Err("the tracker has no `sender_id`".into()),
    };
    check_sender_id(&sender_id)?;
    let events = parse_event_list(doc.events.as_deref().unwrap_or_default())?;
    Ok(IncomingConversation { sender_id, events })
}

/// Reads a posted list of events (or a single event object) for one conversation.
pub fn parse_events_body(body: &str, sender_id: &str) -> Result<IncomingConversation, String> {
    check_sender_id(sender_id)?;
    let trimmed = body.trim_start();
    let events = if trimmed.starts_with('[') {
        let list: Vec<&RawValue> =
            serde_json::from_str(body).map_err(|e| format!("not a list of Rasa events: {e}"))?;
        parse_event_list(&list)?
    } else {
        vec![RawEvent::parse(body)?]
    };
    Ok(IncomingConversation {
        sender_id: sender_id.to_owned(),
        events,
    })
}

/// Reads a whole JSON document: a tracker, a list of trackers, or a list of events of the
/// conversation `fallback_sender`.
pub fn parse_json_document(
    body: &str,
    fallback_sender: Option<&str>,
) -> Result<Vec<IncomingConversation>, String> {
    if !body.trim_start().starts_with('[') {
        return Ok(vec![parse_tracker_body(body, fallback_sender)?]);
    }
    let items: Vec<&RawValue> =
        serde_json::from_str(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let is_tracker = |raw: &RawValue| {
        serde_json::from_str::<TrackerDoc<'_>>(raw.get()).is_ok_and(|d| d.events.is_some())
    };
    if items.first().is_some_and(|first| is_tracker(first)) {
        items
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                let doc: TrackerDoc<'_> = serde_json::from_str(raw.get())
                    .map_err(|e| format!("tracker {i}: not a Rasa tracker: {e}"))?;
                tracker_from_doc(doc, None).map_err(|e| format!("tracker {i}: {e}"))
            })
            .collect()
    } else {
        let sender = fallback_sender.ok_or("a list of events needs a sender id")?;
        check_sender_id(sender)?;
        Ok(vec![IncomingConversation {
            sender_id: sender.to_owned(),
            events: parse_event_list(&items)?,
        }])
    }
}

/// One line of a JSON-lines file: a whole tracker, or one event carrying its `sender_id`.
pub enum JsonLine {
    /// A whole tracker.
    Tracker(IncomingConversation),
    /// One event of the named conversation (boxed: an event is several times a tracker's size).
    Event(String, Box<RawEvent>),
}

/// Reads one JSON line.
pub fn parse_json_line(line: &str) -> Result<JsonLine, String> {
    let doc: TrackerDoc<'_> =
        serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    if doc.events.is_some() {
        return Ok(JsonLine::Tracker(tracker_from_doc(doc, None)?));
    }
    let sender = doc
        .sender_id
        .ok_or("the event has no `sender_id` (JSON lines need one per event)")?;
    check_sender_id(&sender)?;
    Ok(JsonLine::Event(sender, Box::new(RawEvent::parse(line)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_event_text_unchanged() {
        let body = r#"{"sender_id":"abc","events":[{"event":"user","timestamp":1.0e0,"text":"hé"} ,{"event":"custom_thing","x":[1,2]}]}"#;
        let c = parse_tracker_body(body, None).unwrap();
        assert_eq!(c.sender_id, "abc");
        assert_eq!(
            c.events[0].raw,
            r#"{"event":"user","timestamp":1.0e0,"text":"hé"}"#
        );
        assert_eq!(c.events[1].type_name(), "custom_thing");
    }

    #[test]
    fn names_the_bad_event() {
        let body = r#"{"sender_id":"abc","events":[{"event":"user"},{"timestamp":3}]}"#;
        let err = parse_tracker_body(body, None).unwrap_err();
        assert!(err.starts_with("event 1:"), "{err}");
    }

    #[test]
    fn reads_lists_of_trackers_and_of_events() {
        let trackers =
            r#"[{"sender_id":"a","events":[]},{"sender_id":"b","events":[{"event":"restart"}]}]"#;
        assert_eq!(parse_json_document(trackers, None).unwrap().len(), 2);
        let events = r#"[{"event":"restart"},{"event":"action","name":"x"}]"#;
        let c = parse_json_document(events, Some("file-id")).unwrap();
        assert_eq!(c[0].sender_id, "file-id");
        assert_eq!(c[0].events.len(), 2);
        assert!(parse_json_document(events, None).is_err());
    }

    #[test]
    fn reads_json_lines() {
        assert!(matches!(
            parse_json_line(r#"{"sender_id":"a","event":"restart","timestamp":1}"#),
            Ok(JsonLine::Event(s, _)) if s == "a"
        ));
        assert!(parse_json_line(r#"{"event":"restart"}"#).is_err());
        assert!(parse_json_line(r#"{"sender_id":"","events":[]}"#).is_err());
    }
}
