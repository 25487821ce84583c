//! Random patterns over what the conversations hold, and conversations whose slots hold
//! values of every kind.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};

use super::matcher::Step;
use crate::rasa::{action, bot, slot, tracker, user, T0};

/// The names a random pattern picks from: what the conversations hold, and names they don't.
pub struct Vocabulary {
    intents: Vec<String>,
    actions: Vec<String>,
    responses: Vec<String>,
    slots: Vec<String>,
    /// Per slot name, the values a pattern may name (as pattern text), what the
    /// conversations hold and values of other kinds.
    slot_values: BTreeMap<String, Vec<String>>,
    words: Vec<String>,
}

/// A slot event's value as a `slot:NAME=VALUE` writes it, when one can.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() && !s.contains(['\t', '\n']) && s.len() <= 200 => Some(
            format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
        ),
        Value::String(_) | Value::Array(_) | Value::Object(_) => None,
        other => Some(other.to_string()),
    }
}

/// Values of every kind the typed conversations' slots take (names the demo data lacks).
fn typed_values() -> Vec<(&'static str, Vec<Value>)> {
    vec![
        (
            "cuisine",
            vec![
                json!("thai"),
                json!("Thai"),
                json!("sushi bar"),
                json!("say \"hi\""),
                json!("4"),
                json!("a\tb"),
                json!("x".repeat(201)),
                json!(""),
            ],
        ),
        (
            "guests",
            vec![
                json!(4),
                json!(4.0),
                json!(2),
                json!(-1.5),
                json!(0.1),
                json!("4"),
            ],
        ),
        ("vip", vec![json!(true), json!(false), json!("true")]),
        ("name", vec![Value::Null, json!("Ann"), Value::Null]),
        ("prefs", vec![json!(["a"]), json!({"k": 1}), Value::Null]),
    ]
}

/// `n` conversations of a few turns whose slots are set (and reset) to values of every kind.
pub fn typed_slot_trackers(rng: &mut StdRng, n: usize) -> Vec<Value> {
    let slots = typed_values();
    (0..n)
        .map(|i| {
            let mut t = T0 + i as f64 * 100.0;
            let mut events = Vec::new();
            for _ in 0..rng.gen_range(1..=4) {
                t += 1.0;
                let intent = ["greet", "inform", "deny"].choose(rng).unwrap();
                if rng.gen_bool(0.15) {
                    // A message the assistant found no intent for (`intent:""`).
                    events.push(json!({"event": "user", "timestamp": t, "text": "hm", "input_channel": "rest"}));
                } else {
                    events.push(user("typed", intent, rng.gen_range(0.2..1.0), t, "rest"));
                }
                if rng.gen_bool(0.15) {
                    // A message no action sent (`action:""`), nor any response (`bot:""`).
                    events.push(bot("orphan", t + 0.05));
                }
                for _ in 0..rng.gen_range(0..=3) {
                    let (name, values) = slots.choose(rng).unwrap();
                    events.push(slot(name, values.choose(rng).unwrap().clone(), t));
                }
                let reply = ["utter_ok", "utter_ask"].choose(rng).unwrap();
                let mut said = bot("…", t + 0.1);
                said["metadata"] = json!({"utter_action": reply});
                events.extend([action(reply, "TEDPolicy", 0.9, t), said]);
            }
            tracker(&format!("typed-{i:03}"), events)
        })
        .collect()
}

impl Vocabulary {
    /// What `conversations` hold.
    pub fn of(conversations: &BTreeMap<String, Vec<Step>>) -> Vocabulary {
        let mut v = Vocabulary {
            intents: vec!["*".into(), "no_such_intent".into()],
            actions: vec!["*".into(), "no_such_action".into()],
            responses: vec!["*".into()],
            slots: vec!["*".into()],
            slot_values: BTreeMap::new(),
            words: vec!["zzzq".into()],
        };
        let add = |list: &mut Vec<String>, s: &str| {
            if !s.is_empty() && !list.iter().any(|x| x == s) {
                list.push(s.to_owned())
            }
        };
        for step in conversations.values().flatten() {
            match step {
                Step::User { intent, text, .. } => {
                    add(&mut v.intents, intent);
                    for w in text.split_whitespace().filter(|w| w.len() >= 4).take(1) {
                        add(&mut v.words, w);
                    }
                }
                Step::Action { name, responses } => {
                    add(&mut v.actions, name);
                    for r in responses {
                        add(&mut v.responses, r);
                    }
                }
                Step::Slot(name, value) => {
                    add(&mut v.slots, name);
                    let values = v.slot_values.entry(name.clone()).or_insert_with(|| {
                        ["4", "\"4\"", "true", "null"].map(String::from).to_vec()
                    });
                    if let Some(text) = value_text(value) {
                        add(values, &text);
                    }
                }
            }
        }
        v.slot_values.insert(
            "*".into(),
            vec!["4".into(), "null".into(), "\"thai\"".into()],
        );
        v
    }

    fn condition(&self, rng: &mut StdRng, kind: u8) -> String {
        let pick = |rng: &mut StdRng, list: &[String]| list.choose(rng).unwrap().clone();
        // `""`, no name, as often as a few names: the typed conversations hold such steps.
        let named = |rng: &mut StdRng, list: &[String]| {
            if rng.gen_bool(0.1) {
                "\"\"".to_owned()
            } else {
                pick(rng, list)
            }
        };
        match kind {
            0 => format!("intent:{}", named(rng, &self.intents)),
            1 => format!("action:{}", named(rng, &self.actions)),
            2 => format!("bot:{}", named(rng, &self.responses)),
            3 => {
                let name = pick(rng, &self.slots);
                match self.slot_values.get(&name) {
                    Some(values) if rng.gen_bool(0.6) => {
                        format!("slot:{name}={}", pick(rng, values))
                    }
                    _ => format!("slot:{name}"),
                }
            }
            4 => format!("user_text~\"{}\"", pick(rng, &self.words).replace('"', "")),
            _ => {
                let op = ["<", "<=", ">", ">="].choose(rng).unwrap();
                let v = [0.3, 0.5, 0.6, 0.75, 0.9, 0.95].choose(rng).unwrap();
                format!("confidence{op}{v}")
            }
        }
    }

    /// A random pattern of at most one named step and negated named steps, `>` between them
    /// (`intent:X > !action:Y > end`).
    pub fn negation_pattern(&self, rng: &mut StdRng) -> String {
        let named = |rng: &mut StdRng, slots: bool| {
            let (kind, names) = match rng.gen_range(0..if slots { 3 } else { 2 }) {
                0 => ("intent", &self.intents),
                1 => ("action", &self.actions),
                _ => ("slot", &self.slots),
            };
            format!("{kind}:{}", names.choose(rng).unwrap())
        };
        let mut steps: Vec<String> = (0..rng.gen_range(1..=2))
            .map(|_| format!("!{}", named(rng, true)))
            .collect();
        if rng.gen_bool(0.8) {
            let at = rng.gen_range(0..=steps.len());
            steps.insert(at, named(rng, false));
        }
        if rng.gen_bool(0.3) {
            steps.push("end".to_owned());
        }
        steps.join(" > ")
    }

    /// A random pattern's text (which may be one the parser refuses).
    pub fn pattern(&self, rng: &mut StdRng) -> String {
        let n = rng.gen_range(1..=4);
        let mut out = String::new();
        if rng.gen_bool(0.15) {
            out.push_str(if rng.gen_bool(0.5) {
                "start >> "
            } else {
                "start > "
            });
        }
        for i in 0..n {
            if i > 0 {
                out.push_str(if rng.gen_bool(0.3) { " >> " } else { " > " });
            }
            if i == n - 1 && i > 0 && rng.gen_bool(0.15) {
                out.push_str("end");
            } else {
                let negated = rng.gen_bool(0.2);
                if negated {
                    out.push('!');
                }
                let kind = rng.gen_range(0..6);
                if !negated && rng.gen_bool(0.08) {
                    out.push('*');
                    out.push_str(&repetition(rng, 0.3));
                    continue;
                }
                if !negated && rng.gen_bool(0.1) {
                    // Any step but a few.
                    let steps: Vec<String> = (0..rng.gen_range(1..=3))
                        .map(|_| {
                            let kind = rng.gen_range(0..6);
                            self.condition(rng, kind)
                        })
                        .collect();
                    out.push_str(&format!("*!({})", steps.join(" | ")));
                    out.push_str(&repetition(rng, 0.3));
                    continue;
                }
                out.push_str(&self.condition(rng, kind));
                // A second condition on a user message or an action.
                if rng.gen_bool(0.15) && kind != 3 {
                    let other = match kind {
                        0 | 4 => 5,
                        5 => 0,
                        1 => 2,
                        _ => 1,
                    };
                    out.push_str(" & ");
                    out.push_str(&self.condition(rng, other));
                }
                if !negated {
                    out.push_str(&repetition(rng, 0.2));
                }
                if !negated && i > 0 && rng.gen_bool(0.2) {
                    out.push_str(&format!(" within {} turns", rng.gen_range(1..=3)));
                }
            }
        }
        out
    }
}

/// With probability `p`, a repetition for a step: `{N,}`, `{N}` or `{N,M}`; else nothing.
fn repetition(rng: &mut StdRng, p: f64) -> String {
    if !rng.gen_bool(p) {
        return String::new();
    }
    let least = rng.gen_range(1..=3);
    match rng.gen_range(0..3) {
        0 => format!("{{{least},}}"),
        1 => format!("{{{least}}}"),
        _ => format!("{{{least},{}}}", least + rng.gen_range(0..=2)),
    }
}
