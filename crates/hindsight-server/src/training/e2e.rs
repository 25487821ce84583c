//! Rasa Pro end-to-end test cases (`test_cases:`) made from a conversation's events.

use serde_json::Value;

use crate::story::yaml::{dump, Node};

/// Slots the assistant's framework sets itself (Rasa's `DEFAULT_SLOT_NAMES` and the
/// dialogue stack of Rasa Pro): a test on them would test Rasa, not the assistant.
const SKIPPED_SLOTS: [&str; 5] = [
    "flow_hashes",
    "requested_slot",
    "session_started_metadata",
    "mocked_datetime",
    "dialogue_stack",
];

/// One step of a test case.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `- user: TEXT`.
    User(String),
    /// `- utter: NAME`: the bot sent the response `NAME`.
    Utter(String),
    /// `- bot: TEXT`: the bot sent a text that names no response.
    Bot(String),
    /// `- slot_was_set:` with `{name: value}` for each slot set in a row.
    SlotWasSet(Vec<(String, Value)>),
}

/// The steps of the test case for `events`: a user event with text is `user`; a bot event is
/// `utter` when its metadata names the response (`utter_action`, which Rasa's end-to-end
/// runner compares), else `bot` with its text; consecutive slot events are one
/// `slot_was_set` list, leaving out the framework's own slots.
pub fn steps(events: &[Value]) -> Vec<Step> {
    let mut steps = Vec::new();
    for e in events {
        let text = e
            .get("text")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty());
        match e.get("event").and_then(Value::as_str) {
            Some("user") => {
                if let Some(text) = text {
                    steps.push(Step::User(text.to_owned()));
                }
            }
            Some("bot") => {
                let utter = e
                    .get("metadata")
                    .and_then(|m| m.get("utter_action"))
                    .and_then(Value::as_str)
                    .filter(|u| !u.is_empty());
                if let Some(utter) = utter {
                    steps.push(Step::Utter(utter.to_owned()));
                } else if let Some(text) = text {
                    steps.push(Step::Bot(text.to_owned()));
                }
            }
            Some("slot") => {
                let Some(name) = e.get("name").and_then(Value::as_str) else {
                    continue;
                };
                if SKIPPED_SLOTS.contains(&name) {
                    continue;
                }
                let value = e.get("value").cloned().unwrap_or(Value::Null);
                match steps.last_mut() {
                    Some(Step::SlotWasSet(slots)) => slots.push((name.to_owned(), value)),
                    _ => steps.push(Step::SlotWasSet(vec![(name.to_owned(), value)])),
                }
            }
            _ => {}
        }
    }
    steps
}

fn step_node(step: &Step) -> Node {
    match step {
        Step::User(t) => Node::map([("user", Node::str(t))]),
        Step::Utter(t) => Node::map([("utter", Node::str(t))]),
        Step::Bot(t) => Node::map([("bot", Node::str(t))]),
        Step::SlotWasSet(slots) => {
            let list = slots
                .iter()
                .map(|(k, v)| Node::Map(vec![(Node::str(k), Node::json(v))]))
                .collect();
            Node::map([("slot_was_set", Node::Seq(list))])
        }
    }
}

/// The test case file Rasa's `write_yaml` writes for `{"test_cases": [...]}`, one case per
/// `(name, steps)`.
pub fn write_test_cases(cases: &[(&str, Vec<Step>)]) -> String {
    let items = cases
        .iter()
        .map(|(name, steps)| {
            Node::map([
                ("test_case", Node::str(name)),
                ("steps", Node::Seq(steps.iter().map(step_node).collect())),
            ])
        })
        .collect();
    dump(&Node::map([("test_cases", Node::Seq(items))]))
}
