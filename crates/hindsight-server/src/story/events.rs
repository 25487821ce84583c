//! Tracker events as Rasa's `deserialise_events` turns them into `Event` objects, reduced
//! to what stories and slot values depend on.

use super::pyvalue::truthy;
use serde_json::{Map, Value};

/// A `UserUttered` event. `entities` and `use_text` can change after the event was
/// logged (`entities` and `user_featurization` events mutate the latest message).
#[derive(Debug, Clone)]
pub(crate) struct User {
    /// `text`, when it is a string (Rasa cannot annotate anything else).
    pub text: Option<String>,
    /// `parse_data.intent.name`, any JSON value (`Null` when absent).
    pub intent_name: Value,
    /// `parse_data.intent.full_retrieval_intent_name` (`Null` when absent).
    pub full_retrieval_intent_name: Value,
    /// `parse_data.entities`.
    pub entities: Vec<Value>,
    /// `use_text_for_featurization`, compared by Python truthiness.
    pub use_text: Value,
    /// `parse_data.commands` when it is a list (Rasa Pro's CALM commands).
    pub commands: Vec<Value>,
}

/// One event as the tracker holds it. Events that neither appear in stories nor change
/// slots or the latest message/action are `Inert`.
#[derive(Debug, Clone)]
pub(crate) enum Event {
    User(User),
    /// `ActionExecuted`: `name` or, for end-to-end predictions, `text` (`action_text`).
    Action {
        name: Value,
        text: Value,
    },
    /// `SlotSet` (`slot`): `key` is the slot name, any JSON value.
    Slot {
        key: Value,
        value: Value,
    },
    /// `MemorySet` / `MemoryCleared` (`memory_set`, `memory_cleared`): they write slots too.
    Memory {
        key: Value,
        value: Value,
    },
    /// `ActiveLoop` (`active_loop`) and Rasa 2's `LegacyForm` (`form`).
    ActiveLoop {
        name: Value,
    },
    /// `DialogueStackUpdated` (`stack`): a JSON patch, as a string.
    Stack {
        update: Value,
    },
    /// `ActionExecutionRejected`, which marks an unhappy path for loops.
    Rejected {
        name: Value,
    },
    /// `EntitiesAdded` (`entities`).
    EntitiesAdded {
        entities: Vec<Value>,
    },
    /// `DefinePrevUserUtteredFeaturization` (`user_featurization`).
    Featurization {
        use_text: Value,
    },
    Restarted,
    /// `UserUtteranceReverted` (`rewind`).
    Rewind,
    /// `ActionReverted` (`undo`).
    Undo,
    /// `AllSlotsReset` (`reset_slots`).
    ResetSlots,
    SessionStarted,
    RoutingSessionEnded,
    /// `SessionEnded`: the tracker ignores every later event.
    SessionEnded,
    Inert,
}

/// The `type_name`s of every other event class in `rasa.shared.core.events` (Rasa Pro
/// 3.21). Rasa drops events of any other type when it loads a tracker.
const INERT_TYPES: &[&str] = &[
    "bot",
    "reminder",
    "cancel_reminder",
    "export",
    "followup",
    "pause",
    "resume",
    "inactive",
    "agent",
    "loop_interrupted",
    "form_validation",
    "error",
    "user_barge_in",
    "user_silence_timeout",
    "user_input_suppressed",
    "tts_finished",
    "flow_started",
    "flow_interrupted",
    "flow_resumed",
    "flow_completed",
    "flow_cancelled",
    "skill_activated",
    "skill_completed",
    "skill_cancelled",
    "skill_interrupted",
    "skill_resumed",
    "ordered_block_entered",
    "ordered_block_completed",
    "ordered_block_cancelled",
    "ordered_block_interrupted",
    "ordered_block_resumed",
    "agent_completed",
    "agent_started",
    "mcp_tool_executed",
    "tool_executed",
    "unsupported_request_classified",
    "agent_interrupted",
    "agent_cancelled",
    "agent_resumed",
    "agent_processing",
    "bot_turn_ended",
];

fn get(o: &Map<String, Value>, key: &str) -> Value {
    o.get(key).cloned().unwrap_or(Value::Null)
}

/// Parses one event dict the way `Event.from_parameters` does; `None` when Rasa skips it
/// (unknown type, missing `event`, or a constructor that raises `ValueError`).
pub(crate) fn parse(raw: &Value) -> Option<Event> {
    let o = raw.as_object()?;
    let kind = o.get("event")?.as_str()?;
    Some(match kind {
        "user" => Event::User(parse_user(o)),
        "action" => {
            let name = get(o, "name");
            let text = get(o, "action_text");
            if name.is_null() && text.is_null() {
                return None; // ActionExecuted raises ValueError without both
            }
            Event::Action { name, text }
        }
        "slot" => Event::Slot {
            key: get(o, "name"),
            value: get(o, "value"),
        },
        "memory_set" => {
            if !o.contains_key("key") || !o.contains_key("value") {
                return None;
            }
            Event::Memory {
                key: get(o, "key"),
                value: get(o, "value"),
            }
        }
        "memory_cleared" => {
            if !o.contains_key("key") {
                return None;
            }
            Event::Memory {
                key: get(o, "key"),
                value: Value::Null,
            }
        }
        "active_loop" | "form" => Event::ActiveLoop {
            name: get(o, "name"),
        },
        "stack" => Event::Stack {
            update: get(o, "update"),
        },
        "action_execution_rejected" => Event::Rejected {
            name: get(o, "name"),
        },
        "entities" => Event::EntitiesAdded {
            entities: list(get(o, "entities")),
        },
        "user_featurization" => Event::Featurization {
            use_text: get(o, "use_text_for_featurization"),
        },
        "restart" => Event::Restarted,
        "rewind" => Event::Rewind,
        "undo" => Event::Undo,
        "reset_slots" => Event::ResetSlots,
        "session_started" => Event::SessionStarted,
        "routing_session_ended" => Event::RoutingSessionEnded,
        "session_ended" => Event::SessionEnded,
        other if INERT_TYPES.contains(&other) => Event::Inert,
        _ => return None,
    })
}

fn list(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        _ => Vec::new(),
    }
}

fn parse_user(o: &Map<String, Value>) -> User {
    // Rasa calls `parse_data.get(...)` unguarded: a user event without parse_data makes
    // the whole tracker fail to load. We read it as empty parse data instead.
    let empty = Map::new();
    let parse_data = o
        .get("parse_data")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    // `intent if intent else {}`; a non-dict intent would crash Rasa, we treat it as {}.
    let intent = parse_data
        .get("intent")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let intent_name = get(intent, "name");
    let text = match o.get("text") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    // Rasa's `UserUttered._from_parse_data` passes `anonymized_at` positionally into the
    // `use_text_for_featurization` parameter, so an anonymised message starts out with a
    // truthy featurization flag. Mirror that.
    let mut use_text = get(o, "anonymized_at");
    let has_text = text.as_deref().is_some_and(|t| !t.is_empty());
    if has_text && !truthy(&intent_name) {
        use_text = Value::Bool(true);
    } else if truthy(&intent_name) && !has_text {
        use_text = Value::Bool(false);
    }
    User {
        text,
        full_retrieval_intent_name: get(intent, "full_retrieval_intent_name"),
        intent_name,
        entities: list(get(parse_data, "entities")),
        use_text,
        commands: list(get(parse_data, "commands")),
    }
}

/// Names of the slots that `events` write (`slot` names, `memory_set`/`memory_cleared`
/// keys), in order of first appearance. Events Rasa would skip still name their slot.
pub(crate) fn slot_names(events: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for e in events {
        let Some(o) = e.as_object() else { continue };
        let name = match o.get("event").and_then(Value::as_str) {
            Some("slot") => o.get("name"),
            Some("memory_set" | "memory_cleared") => o.get("key"),
            _ => None,
        };
        if let Some(Value::String(n)) = name {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
    }
    names
}
