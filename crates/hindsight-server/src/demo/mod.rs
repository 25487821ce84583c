//! Realistic, deterministic demo conversations for demos and benchmarks
//! (`hindsight demo-data --conversations N --seed S`), written through the normal ingest path.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::ingest::{IncomingConversation, RawEvent};

const CHANNELS: [&str; 6] = ["rest", "socketio", "telegram", "slack", "facebook", "twilio"];
const POLICIES: [&str; 3] = ["TEDPolicy", "RulePolicy", "MemoizationPolicy"];
const ENTITIES: [&str; 6] = ["city", "date", "person", "amount", "account", "product"];
const INTENTS: usize = 150;
const ACTIONS: usize = 200;
/// 2026-01-01T00:00:00Z: the demo year starts here.
const YEAR_START: f64 = 1_767_225_600.0;

/// A Zipf-like pick from `0..n`: low indices are much more common.
fn zipf(rng: &mut StdRng, n: usize) -> usize {
    let u: f64 = rng.gen();
    ((n as f64).powf(u) - 1.0).floor() as usize % n
}

/// A confidence with a low tail: mostly above 0.8, sometimes far below.
fn confidence(rng: &mut StdRng) -> f64 {
    let c = if rng.gen_bool(0.12) { rng.gen_range(0.05..0.6) } else { rng.gen_range(0.8..1.0) };
    (c * 10_000.0_f64).round() / 10_000.0
}

/// A start time over the year with a day/night rhythm (fewer conversations at night).
fn start_time(rng: &mut StdRng) -> f64 {
    let day = rng.gen_range(0..365) as f64;
    let hour = loop {
        let h = rng.gen_range(0..24);
        let weight = if (8..22).contains(&h) { 1.0 } else { 0.2 };
        if rng.gen_bool(weight) {
            break h as f64;
        }
    };
    YEAR_START + day * 86_400.0 + hour * 3_600.0 + rng.gen_range(0.0..3_600.0)
}

fn event(value: Value) -> RawEvent {
    let raw = value.to_string();
    RawEvent { raw, value }
}

/// The `index`-th demo conversation of the seed: the same arguments give the same events.
pub fn conversation(seed: u64, index: u64) -> IncomingConversation {
    let mut rng = StdRng::seed_from_u64(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let channel = CHANNELS[zipf(&mut rng, CHANNELS.len())];
    let mut t = start_time(&mut rng);
    // 1 to 60 user turns, skewed short.
    let turns = 1 + (zipf(&mut rng, 60) as f64 * rng.gen_range(0.3..1.0)) as usize;
    let mut events = vec![
        event(json!({"event": "action", "timestamp": t, "name": "action_session_start", "policy": null, "confidence": 1.0})),
        event(json!({"event": "session_started", "timestamp": t})),
        event(json!({"event": "action", "timestamp": t, "name": "action_listen", "policy": null, "confidence": null})),
    ];
    let mut in_form = false;
    for turn in 0..turns {
        t += rng.gen_range(2.0..40.0);
        let intent = format!("intent_{:03}", zipf(&mut rng, INTENTS));
        let conf = confidence(&mut rng);
        let entities: Vec<Value> = if rng.gen_bool(0.3) {
            let e = ENTITIES[zipf(&mut rng, ENTITIES.len())];
            vec![json!({"entity": e, "value": format!("{e}-{}", rng.gen_range(0..50)), "start": 0, "end": 4, "extractor": "DIETClassifier", "confidence_entity": conf})]
        } else {
            vec![]
        };
        events.push(event(json!({
            "event": "user", "timestamp": t, "text": format!("message {turn} about {intent}"),
            "input_channel": channel, "message_id": format!("{index:x}-{turn}"),
            "parse_data": {"intent": {"name": intent, "confidence": conf}, "entities": entities,
                "intent_ranking": [{"name": intent, "confidence": conf}]},
            "metadata": {}
        })));
        for e in &entities {
            events.push(event(json!({"event": "slot", "timestamp": t, "name": e["entity"], "value": e["value"]})));
        }
        if !in_form && rng.gen_bool(0.05) {
            in_form = true;
            events.push(event(json!({"event": "active_loop", "timestamp": t, "name": "booking_form"})));
        } else if in_form && rng.gen_bool(0.4) {
            in_form = false;
            events.push(event(json!({"event": "active_loop", "timestamp": t, "name": null})));
        }
        for _ in 0..rng.gen_range(1..3) {
            t += rng.gen_range(0.1..1.5);
            let action = format!("utter_{:03}", zipf(&mut rng, ACTIONS));
            events.push(event(json!({"event": "action", "timestamp": t, "name": action,
                "policy": POLICIES[zipf(&mut rng, POLICIES.len())], "confidence": confidence(&mut rng)})));
            events.push(event(json!({"event": "bot", "timestamp": t, "text": format!("reply from {action}"),
                "data": {"buttons": null, "image": null}, "metadata": {"utter_action": action}})));
        }
        events.push(event(json!({"event": "action", "timestamp": t, "name": "action_listen",
            "policy": "RulePolicy", "confidence": 1.0})));
        if rng.gen_bool(0.01) {
            events.push(event(json!({"event": "restart", "timestamp": t})));
        }
    }
    IncomingConversation { sender_id: format!("demo-{seed}-{index:07}"), events }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_and_varied() {
        let a = conversation(7, 1);
        let b = conversation(7, 1);
        assert_eq!(a.events.iter().map(|e| &e.raw).collect::<Vec<_>>(), b.events.iter().map(|e| &e.raw).collect::<Vec<_>>());
        let lengths: std::collections::BTreeSet<usize> = (0..200).map(|i| conversation(7, i).events.len()).collect();
        assert!(lengths.len() > 20, "lengths vary: {lengths:?}");
    }
}
