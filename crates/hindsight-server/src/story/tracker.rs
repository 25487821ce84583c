//! A replay of Rasa's `DialogueStateTracker` (`from_dict` without a domain), limited to the
//! state that stories and slot values depend on.

use super::events::{parse, Event};
use super::pyvalue::{eq_str, py_eq, truthy};
use serde_json::Value;
use std::collections::HashMap;

const ACTION_LISTEN: &str = "action_listen";

/// The tracker after `DialogueStateTracker.from_dict(sender_id, events)`.
pub(crate) struct Tracker {
    /// The events the tracker logged, in order (what `as_story` turns into a story).
    pub events: Vec<Event>,
    /// Slot values. Without a domain Rasa's `AnySlotDict` creates an untyped slot with
    /// initial value `None` on first use, so a missing key reads as `null`.
    slots: HashMap<String, Value>,
    /// Index into `events` of `latest_message`; `None` is Rasa's `UserUttered.empty()`.
    latest_message: Option<usize>,
    /// `latest_action_name` (an action name, or the text of an end-to-end action).
    latest_action_name: Value,
    /// Set by `session_ended`: Rasa then drops every later event without logging it.
    terminated: bool,
}

impl Tracker {
    /// Replays `raw` events the way `from_dict` does, skipping what Rasa cannot parse.
    pub fn from_events(raw: &[Value]) -> Self {
        let mut t = Tracker {
            events: Vec::new(),
            slots: HashMap::new(),
            latest_message: None,
            latest_action_name: Value::Null,
            terminated: false,
        };
        for event in raw.iter().filter_map(parse) {
            if t.terminated {
                continue;
            }
            t.events.push(event);
            t.apply(t.events.len() - 1);
        }
        t
    }

    /// `tracker.get_slot(name)`.
    pub fn slot(&self, name: &str) -> Value {
        self.slots.get(name).cloned().unwrap_or(Value::Null)
    }

    /// `Tracker._reset()`: slots back to their initial value, no latest message/action.
    fn reset(&mut self) {
        self.slots.clear();
        self.latest_message = None;
        self.latest_action_name = Value::Null;
        self.terminated = false;
    }

    /// `event.apply_to(tracker)` for `events[i]`.
    fn apply(&mut self, i: usize) {
        match &self.events[i] {
            Event::User(_) => self.latest_message = Some(i),
            Event::Action { name, text } => {
                // `latest_action` is `{"action_name": name}` when the name is truthy,
                // else `{"action_text": text}`.
                self.latest_action_name = if truthy(name) {
                    name.clone()
                } else {
                    text.clone()
                };
            }
            Event::Slot { key, value } | Event::Memory { key, value } => {
                // A non-string key is a slot too in Rasa, but never one we report.
                if let Value::String(k) = key {
                    self.slots.insert(k.clone(), value.clone());
                }
            }
            Event::Restarted | Event::SessionStarted | Event::RoutingSessionEnded => self.reset(),
            Event::ResetSlots => self.slots.clear(),
            Event::Rewind | Event::Undo => {
                self.reset();
                for j in self.applied_events() {
                    self.apply(j);
                }
            }
            Event::EntitiesAdded { entities } => {
                let entities = entities.clone();
                if let Some(Event::User(u)) = self.listening_message().map(|m| &mut self.events[m])
                {
                    for e in entities {
                        if !u.entities.iter().any(|x| py_eq(x, &e)) {
                            u.entities.push(e);
                        }
                    }
                }
            }
            Event::Featurization { use_text } => {
                let use_text = use_text.clone();
                if let Some(Event::User(u)) = self.listening_message().map(|m| &mut self.events[m])
                {
                    u.use_text = use_text;
                }
            }
            Event::SessionEnded => self.terminated = true,
            Event::ActiveLoop { .. }
            | Event::Stack { .. }
            | Event::Rejected { .. }
            | Event::Inert => {}
        }
    }

    /// The latest message when the latest action is `action_listen`: `entities` and
    /// `user_featurization` events only update that message. (When the latest message is
    /// Rasa's empty placeholder the update is lost, as in Rasa.)
    fn listening_message(&self) -> Option<usize> {
        if eq_str(&self.latest_action_name, ACTION_LISTEN) {
            self.latest_message
        } else {
            None
        }
    }

    /// `DialogueStateTracker.applied_events()`: indices of the events that are still in
    /// effect after restarts, sessions, rewinds, undos and repeated loop executions.
    fn applied_events(&self) -> Vec<usize> {
        let loop_names: Vec<&Value> = self
            .events
            .iter()
            .filter_map(|e| match e {
                Event::ActiveLoop { name } if truthy(name) => Some(name),
                _ => None,
            })
            .collect();
        let mut applied: Vec<usize> = Vec::new();
        for (i, event) in self.events.iter().enumerate() {
            match event {
                Event::Restarted | Event::SessionStarted => applied.clear(),
                Event::Undo => self.undo_till_previous(&mut applied, is_action),
                Event::Rewind => {
                    self.undo_till_previous(&mut applied, is_user);
                    self.undo_till_previous(&mut applied, is_action);
                }
                Event::Action { name, .. }
                    if loop_names.iter().any(|l| py_eq(l, name))
                        && !self.first_loop_execution_or_unhappy_path(name, &applied) =>
                {
                    self.undo_till_previous_loop_execution(name, &mut applied);
                }
                _ => applied.push(i),
            }
        }
        applied
    }

    /// Drops applied events from the end up to and including the last one matching `kind`.
    fn undo_till_previous(&self, applied: &mut Vec<usize>, kind: fn(&Event) -> bool) {
        while let Some(j) = applied.pop() {
            if kind(&self.events[j]) {
                break;
            }
        }
    }

    fn first_loop_execution_or_unhappy_path(&self, loop_name: &Value, applied: &[usize]) -> bool {
        // Rasa's `next_action` starts as None and becomes the name (possibly None) of the
        // action after the event being looked at.
        let mut next_action: Option<&Value> = None;
        for &j in applied.iter().rev() {
            match &self.events[j] {
                // `event.name is None`: a deactivated loop.
                Event::ActiveLoop { name } if name.is_null() => return true,
                Event::Rejected { name } if py_eq(name, loop_name) => return true,
                Event::User(_) => {
                    if let Some(next) = next_action {
                        if !next.is_null() && !py_eq(next, loop_name) {
                            return true;
                        }
                    }
                }
                Event::Action { name, .. } => {
                    if py_eq(name, loop_name) {
                        return false;
                    }
                    next_action = Some(name);
                }
                _ => {}
            }
        }
        true
    }

    /// Removes the actions, user messages and featurization events logged since the
    /// previous execution of the loop action.
    fn undo_till_previous_loop_execution(&self, loop_name: &Value, applied: &mut Vec<usize>) {
        let mut k = applied.len();
        while k > 0 {
            k -= 1;
            let event = &self.events[applied[k]];
            if let Event::Action { name, .. } = event {
                if py_eq(name, loop_name) {
                    break;
                }
            }
            if matches!(
                event,
                Event::Action { .. } | Event::User(_) | Event::Featurization { .. }
            ) {
                applied.remove(k);
            }
        }
    }
}

fn is_action(e: &Event) -> bool {
    matches!(e, Event::Action { .. })
}

fn is_user(e: &Event) -> bool {
    matches!(e, Event::User(_))
}
