//! The pattern language's definition as a brute-force search over a conversation's steps
//! (read from its events, not from the stored path).

use hindsight_types::sequence::{Condition, Link, Matches, SequenceElement, SlotValue};
use hindsight_types::SequencePattern;
use serde_json::Value;

/// One step of a conversation, as the pattern language defines steps.
#[derive(Debug)]
pub enum Step {
    User {
        intent: String,
        confidence: Option<f64>,
        text: String,
    },
    Action {
        name: String,
        responses: Vec<String>,
    },
    /// A slot event: its name and value (null for a reset).
    Slot(String, Value),
}

/// The steps of a conversation's events, in order.
pub fn steps_of(events: &[(String, Value)]) -> Vec<Step> {
    let mut steps = Vec::new();
    for (type_name, e) in events {
        let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_owned();
        match type_name.as_str() {
            "user" => steps.push(Step::User {
                intent: s(e.pointer("/parse_data/intent/name")),
                confidence: e
                    .pointer("/parse_data/intent/confidence")
                    .and_then(Value::as_f64),
                text: s(e.get("text")).to_lowercase(),
            }),
            "action" if e["name"] != "action_listen" => steps.push(Step::Action {
                name: s(e.get("name")),
                responses: Vec::new(),
            }),
            "bot" => {
                let response = s(e.pointer("/metadata/utter_action"));
                match steps.last_mut() {
                    Some(Step::Action { responses, .. }) => responses.push(response),
                    _ => steps.push(Step::Action {
                        name: String::new(),
                        responses: vec![response],
                    }),
                }
            }
            "slot" => steps.push(Step::Slot(
                s(e.get("name")),
                e.get("value").cloned().unwrap_or(Value::Null),
            )),
            _ => {}
        }
    }
    steps
}

fn name_is(pattern: &str, name: &str) -> bool {
    pattern == "*" || pattern == name
}

fn step_matches(step: &Step, e: &SequenceElement) -> bool {
    match &e.what {
        Matches::Step(conditions) => meets(step, conditions),
        Matches::AnyBut(steps) => !steps.iter().any(|conditions| meets(step, conditions)),
        Matches::End | Matches::Start => false,
    }
}

/// Whether a step meets every condition.
fn meets(step: &Step, conditions: &[Condition]) -> bool {
    conditions.iter().all(|c| match (c, step) {
        (Condition::Intent(n), Step::User { intent, .. }) => name_is(n, intent),
        (Condition::UserText(t), Step::User { text, .. }) => text.contains(t.as_str()),
        (Condition::Confidence(op, v), Step::User { confidence, .. }) => {
            confidence.is_some_and(|c| op.holds(c, *v))
        }
        (Condition::Action(n), Step::Action { name, .. }) => name_is(n, name),
        (Condition::Bot(n), Step::Action { responses, .. }) => {
            responses.iter().any(|r| name_is(n, r))
        }
        (Condition::Slot(n, v), Step::Slot(name, value)) => {
            name_is(n, name) && slot_value_is(v.as_ref(), value)
        }
        _ => false,
    })
}

/// A slot's value as the language defines `slot:NAME` (not null) and `slot:NAME=VALUE`.
fn slot_value_is(pattern: Option<&SlotValue>, value: &Value) -> bool {
    match (pattern, value) {
        (None, v) => !v.is_null(),
        (Some(SlotValue::Null), v) => v.is_null(),
        (Some(SlotValue::Bool(b)), Value::Bool(v)) => b == v,
        (Some(SlotValue::Number(n)), Value::Number(v)) => v.as_f64() == Some(*n),
        (Some(SlotValue::Text(t)), Value::String(v)) => {
            v == t && v.chars().count() <= 200 && !v.contains(['\t', '\n', '\r'])
        }
        _ => false,
    }
}

fn is_user_step(e: &SequenceElement) -> bool {
    matches!(&e.what, Matches::Step(c) if matches!(c.first(), Some(Condition::Intent(_) | Condition::UserText(_) | Condition::Confidence(..))))
}

/// The negations between two steps that must happen, and how the gap is bounded.
struct Gap<'a> {
    /// Must not happen anywhere in the gap.
    wide: Vec<&'a SequenceElement>,
    /// Must not be the very next step.
    next: Vec<&'a SequenceElement>,
    /// Any steps may come between (`>`), rather than none (`>>`).
    later: bool,
}

impl Gap<'_> {
    /// Whether the steps `from..to` may lie between.
    fn allows(&self, steps: &[Step], from: usize, to: usize) -> bool {
        if self
            .next
            .iter()
            .any(|n| steps.get(from).is_some_and(|s| step_matches(s, n)))
        {
            return false;
        }
        if !self.later && to != from {
            return false;
        }
        !steps[from..to]
            .iter()
            .any(|s| self.wide.iter().any(|n| step_matches(s, n)))
    }
}

/// Whether a conversation's steps follow the pattern: a search over every way to place it.
pub fn follows(steps: &[Step], pattern: &SequencePattern) -> bool {
    // The steps that must happen, each with the gap before it; and the gap after the last.
    let mut positives: Vec<(&SequenceElement, Gap)> = Vec::new();
    let mut gap = Gap {
        wide: Vec::new(),
        next: Vec::new(),
        later: false,
    };
    for e in &pattern.elements {
        gap.later |= e.link == Link::Later;
        if e.negated {
            if !positives.is_empty() && e.link == Link::Next {
                gap.next.push(e);
            } else {
                gap.wide.push(e);
            }
        } else {
            positives.push((e, gap));
            gap = Gap {
                wide: Vec::new(),
                next: Vec::new(),
                later: false,
            };
        }
    }
    if positives.is_empty() {
        return gap.allows(steps, 0, steps.len());
    }
    let trailing = (!gap.wide.is_empty() || !gap.next.is_empty()).then_some(gap);
    place(steps, &positives, 0, 0, trailing.as_ref(), None)
}

/// Whether none of the steps `from..to` is one `e` matches.
fn none_is(steps: &[Step], from: usize, to: usize, e: &SequenceElement) -> bool {
    !steps[from..to].iter().any(|s| step_matches(s, e))
}

/// Whether the positives from `j` on can be placed from step `from` on; `bounded`, the
/// element before when it has an upper bound (`S{2,3}`): it must not happen again before
/// the next one is placed (or, after the last, before the end).
fn place(
    steps: &[Step],
    positives: &[(&SequenceElement, Gap)],
    j: usize,
    from: usize,
    trailing: Option<&Gap>,
    bounded: Option<&SequenceElement>,
) -> bool {
    let Some((e, gap)) = positives.get(j) else {
        if bounded.is_some_and(|b| !none_is(steps, from, steps.len(), b)) {
            return false;
        }
        return match trailing {
            None => true,
            Some(t) if t.later => t.allows(steps, from, steps.len()),
            Some(t) => t.allows(steps, from, from),
        };
    };
    let first = j == 0;
    for start in from..=steps.len() {
        // The first step may begin anywhere unless negations before it anchor it.
        let gap_ok = if first && gap.wide.is_empty() {
            true
        } else if first {
            gap.allows(steps, 0, start)
        } else {
            gap.allows(steps, from, start)
        };
        if !gap_ok {
            continue;
        }
        // A bounded step counts its occurrences from its neighbour before (or the start).
        if bounded.is_some_and(|b| !none_is(steps, from, start, b))
            || (e.at_most.is_some() && !none_is(steps, if first { 0 } else { from }, start, e))
        {
            continue;
        }
        if let Some(n) = e.within_turns {
            let users = steps[from..start]
                .iter()
                .filter(|s| matches!(s, Step::User { .. }))
                .count() as u32
                + u32::from(is_user_step(e));
            if users > n {
                continue;
            }
        }
        if e.what == Matches::Start {
            if start == 0 && place(steps, positives, j + 1, 0, trailing, None) {
                return true;
            }
            continue;
        }
        if e.what == Matches::End {
            if start == steps.len() && place(steps, positives, j + 1, start, trailing, None) {
                return true;
            }
            continue;
        }
        if start == steps.len() || !step_matches(&steps[start], e) {
            continue;
        }
        // Once: it ends here. Repeated: at its `at_least`-th occurrence or any later one
        // (any `at_least` of the occurrences from here on may be the repetitions); with an
        // upper bound, every occurrence counts, up to `at_most`.
        if e.at_least == 1 && e.at_most.is_none() {
            if place(steps, positives, j + 1, start + 1, trailing, None) {
                return true;
            }
            continue;
        }
        let mut seen = 0;
        for t in start..steps.len() {
            if step_matches(&steps[t], e) {
                seen += 1;
                if e.at_most.is_some_and(|most| seen > most) {
                    break;
                }
                let then = e.at_most.map(|_| *e);
                if seen >= e.at_least && place(steps, positives, j + 1, t + 1, trailing, then) {
                    return true;
                }
            }
        }
    }
    false
}
