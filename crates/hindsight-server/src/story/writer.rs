//! `YAMLStoryWriter.dumps(tracker.as_story().story_steps, is_test_story=e2e)`: the story
//! steps of a tracker's events as Rasa's YAML story writer lays them out.

use super::annotate::format_message;
use super::events::{Event, User};
use super::pyvalue::{eq_str, truthy};
use super::yaml::{dump, Node};
use serde_json::Value;

/// Actions `StoryWriter._filter_event` leaves out of stories.
const HIDDEN_ACTIONS: [&str; 3] = [
    "action_listen",
    "action_unlikely_intent",
    "action_session_start",
];
/// `RULE_SNIPPET_ACTION_NAME`, which `process_action` drops too.
const RULE_SNIPPET_ACTION: &str = "...";
/// `FLOW_HASHES_SLOT`: a built-in Rasa Pro slot that is never written to stories.
const FLOW_HASHES_SLOT: &str = "flow_hashes";

/// The YAML document `export_stories` returns for a story named `name` made of `events`.
pub(crate) fn write_story(events: &[Event], name: &str, e2e: bool) -> String {
    let steps: Vec<Node> = events.iter().filter_map(|e| step(e, e2e)).collect();
    let story = Node::map([("story", Node::str(name)), ("steps", Node::Seq(steps))]);
    let root = Node::map([
        ("version", Node::double_quoted("3.1")),
        ("stories", Node::Seq(vec![story])),
    ]);
    dump(&root)
}

/// `YAMLStoryWriter.process_event`; `None` for events that are not written (and for
/// steps that come out empty, which `process_story_step` skips).
fn step(event: &Event, e2e: bool) -> Option<Node> {
    match event {
        Event::User(u) => user_step(u, e2e),
        Event::Action { name, text } => {
            if HIDDEN_ACTIONS.iter().any(|a| eq_str(name, a)) || eq_str(name, RULE_SNIPPET_ACTION) {
                None
            } else if truthy(name) {
                Some(Node::map([("action", Node::json(name))]))
            } else if truthy(text) {
                Some(Node::map([("bot", Node::json(text))]))
            } else {
                None
            }
        }
        Event::Slot { key, value } => {
            if eq_str(key, FLOW_HASHES_SLOT) {
                return None;
            }
            let set = Node::Map(vec![(Node::json(key), Node::json(value))]);
            Some(Node::map([("slot_was_set", Node::Seq(vec![set]))]))
        }
        Event::ActiveLoop { name } => Some(Node::map([("active_loop", Node::json(name))])),
        // `json.loads(event.update)`; Rasa could not have loaded an invalid patch at all.
        Event::Stack { update } => {
            let patch: Value = serde_json::from_str(update.as_str()?).ok()?;
            Some(Node::map([("stack", Node::json(&patch))]))
        }
        _ => None,
    }
}

/// `YAMLStoryWriter.process_user_utterance`.
fn user_step(u: &User, e2e: bool) -> Option<Node> {
    let mut entries: Vec<(Node, Node)> = Vec::new();
    if truthy(&u.intent_name) && !truthy(&u.use_text) {
        let intent = if truthy(&u.full_retrieval_intent_name) {
            &u.full_retrieval_intent_name
        } else {
            &u.intent_name
        };
        entries.push((Node::str("intent"), Node::json(intent)));
    }
    if !u.entities.is_empty() && !e2e {
        let entities = u
            .entities
            .iter()
            .filter_map(|e| {
                // Rasa would crash on an entity that is not a dict; we leave it out.
                let o = e.as_object()?;
                let entity = o.get("entity").unwrap_or(&Value::Null);
                Some(match o.get("value") {
                    Some(v) => Node::Map(vec![(Node::json(entity), Node::json(v))]),
                    None => Node::json(entity),
                })
            })
            .collect();
        entries.push((Node::str("entities"), Node::Seq(entities)));
    }
    if let Some(text) = u.text.as_deref().filter(|t| !t.is_empty()) {
        if truthy(&u.use_text) || e2e {
            entries.push((
                Node::str("user"),
                Node::literal(&format_message(text, &u.entities)),
            ));
        }
    }
    if !u.commands.is_empty() {
        entries.push((
            Node::str("commands"),
            Node::json(&Value::Array(u.commands.clone())),
        ));
    }
    if entries.is_empty() {
        None
    } else {
        Some(Node::Map(entries))
    }
}
