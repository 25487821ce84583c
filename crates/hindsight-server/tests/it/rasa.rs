//! Builders of Rasa events and trackers, as Rasa writes them.

use serde_json::{json, Value};

/// 2026-11-02 10:00:00 UTC, a Monday.
pub const T0: f64 = 1_793_613_600.0;

pub fn user(text: &str, intent: &str, confidence: f64, ts: f64, channel: &str) -> Value {
    json!({
        "event": "user", "timestamp": ts, "text": text, "input_channel": channel,
        "parse_data": {
            "intent": {"name": intent, "confidence": confidence},
            "entities": [],
            "intent_ranking": [{"name": intent, "confidence": confidence}],
            "text": text
        },
        "metadata": {}
    })
}

pub fn user_with_entity(text: &str, intent: &str, entity: &str, value: &str, ts: f64) -> Value {
    let mut u = user(text, intent, 0.95, ts, "rest");
    u["parse_data"]["entities"] = json!([{"entity": entity, "value": value, "start": 0, "end": 1, "extractor": "DIETClassifier"}]);
    u
}

pub fn action(name: &str, policy: &str, confidence: f64, ts: f64) -> Value {
    json!({"event": "action", "timestamp": ts, "name": name, "policy": policy, "confidence": confidence})
}

pub fn bot(text: &str, ts: f64) -> Value {
    json!({"event": "bot", "timestamp": ts, "text": text, "data": {"buttons": null, "image": null}, "metadata": {}})
}

pub fn slot(name: &str, value: Value, ts: f64) -> Value {
    json!({"event": "slot", "timestamp": ts, "name": name, "value": value})
}

pub fn tracker(sender: &str, events: Vec<Value>) -> Value {
    json!({"sender_id": sender, "events": events})
}

/// A short exchange: greet → utter_greet.
pub fn greeting(sender: &str, ts: f64, channel: &str, intent_conf: f64, action_conf: f64) -> Value {
    tracker(
        sender,
        vec![
            action("action_listen", "RulePolicy", 1.0, ts),
            user("hello there", "greet", intent_conf, ts + 1.0, channel),
            action("utter_greet", "TEDPolicy", action_conf, ts + 2.0),
            bot("Hi! How can I help?", ts + 2.1),
            action("action_listen", "TEDPolicy", 0.99, ts + 2.2),
        ],
    )
}
