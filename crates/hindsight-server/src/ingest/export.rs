//! Writing a conversation back out as Rasa tracker JSON.

use serde_json::{json, Map, Value};

/// The conversation as Rasa's `GET /conversations/{id}/tracker` answers it, with every event
/// exactly as imported (`events` are `(id, JSON text)` in recorded order), so exporting and
/// re-importing loses nothing.
pub fn tracker_json(sender_id: &str, events: &[(i64, String)]) -> String {
    let parsed: Vec<Value> = events
        .iter()
        .map(|(_, d)| serde_json::from_str(d).unwrap_or(Value::Null))
        .collect();
    let slots = if parsed.is_empty() {
        Map::new()
    } else {
        crate::story::slots_at(&parsed, parsed.len() - 1)
    };
    let of_type = |t: &str| parsed.iter().rev().find(|e| e["event"] == t);
    let latest_user = of_type("user");
    let latest_action = of_type("action");
    let mut paused = false;
    let mut active_loop = Value::Object(Map::new());
    for e in &parsed {
        match e["event"].as_str() {
            Some("pause") => paused = true,
            Some("resume") | Some("restart") => paused = false,
            Some("active_loop") | Some("form") => {
                active_loop = match e.get("name").and_then(Value::as_str) {
                    Some(name) => json!({ "name": name }),
                    None => Value::Object(Map::new()),
                };
            }
            _ => {}
        }
    }
    let state = json!({
        "sender_id": sender_id,
        "slots": slots,
        "latest_message": latest_user.map_or(Value::Null, |u| {
            let mut m = u.get("parse_data").cloned().unwrap_or_else(|| json!({}));
            if let Some(obj) = m.as_object_mut() {
                obj.insert("text".into(), u.get("text").cloned().unwrap_or(Value::Null));
            }
            m
        }),
        "latest_event_time": parsed.last().and_then(|e| e.get("timestamp")).cloned().unwrap_or(Value::Null),
        "followup_action": Value::Null,
        "paused": paused,
        "latest_input_channel": latest_user.and_then(|u| u.get("input_channel")).cloned().unwrap_or(Value::Null),
        "active_loop": active_loop,
        "latest_action": latest_action.map_or(Value::Null, |a| json!({ "action_name": a.get("name") })),
        "latest_action_name": latest_action.and_then(|a| a.get("name")).cloned().unwrap_or(Value::Null),
    });
    // Events are spliced in as their original text rather than re-serialised.
    let mut out = serde_json::to_string(&state).unwrap_or_default();
    out.pop();
    out.push_str(",\"events\":[");
    for (i, (_, raw)) in events.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(raw);
    }
    out.push_str("]}");
    out
}
