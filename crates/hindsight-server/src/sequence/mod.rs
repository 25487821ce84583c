//! Sequence filters (issue 14): each conversation's steps kept as one line of text per step
//! (the conversation's *path*, table `conversation_paths`), and a `seq=` pattern compiled to
//! a regular expression over it that both backends evaluate: PostgreSQL with `~`, SQLite with
//! a function the server registers (see `db::connection`).
//!
//! The path is `"\n"` followed by one line per step, each ending in `"\n"`:
//!
//! - a user message: `u{intent}\t{confidence}\t{text}` — the confidence as seven digits of
//!   millionths rounded down and `+` when a fraction was cut off (else `=`), or `-` when the
//!   message has none; the text lower-cased;
//! - an action other than `action_listen`: `a{name}`, then `\tb{response}` for each message
//!   the bot sent after it (the response's name from the event's `utter_action`, or empty);
//!   a bot message with no action before it is an action line of its own with no name;
//! - a slot event: `s{name}\t{value}`, the value as [`slot_field`] writes it (`-` for a
//!   reset to null).
//!
//! Tabs and line breaks inside names and texts become spaces. Events only ever append (they
//! are never removed from a conversation), so the path of a conversation grows by appending.

mod complement;
pub mod explore;
mod pattern;
mod prefilter;

pub use pattern::to_regex;
pub use prefilter::{like_prefilter, lowest_confidence_below};

use crate::ingest::event::EventFacts;

/// The path of a conversation with no steps.
pub const EMPTY_PATH: &str = "\n";

/// Appends the step an event adds (if any) to a conversation's `path`.
pub fn append_step(path: &mut String, type_name: &str, facts: &EventFacts) {
    if path.is_empty() {
        path.push('\n');
    }
    match type_name {
        "user" => {
            path.push('u');
            push_clean(path, facts.intent.as_deref().unwrap_or(""));
            path.push('\t');
            match facts.confidence {
                Some(c) if c.is_finite() => push_confidence(path, c),
                _ => path.push('-'),
            }
            path.push('\t');
            push_clean(path, &facts.text.as_deref().unwrap_or("").to_lowercase());
            path.push('\n');
        }
        "action" => {
            let name = facts.name.as_deref().unwrap_or("");
            if name != "action_listen" {
                path.push('a');
                push_clean(path, name);
                path.push('\n');
            }
        }
        "bot" => {
            let response = facts.response.as_deref().unwrap_or("");
            // The message belongs to the action line it follows.
            if last_line(path).starts_with('a') {
                path.pop();
            } else {
                path.push('a');
            }
            path.push_str("\tb");
            push_clean(path, response);
            path.push('\n');
        }
        "slot" => {
            path.push('s');
            push_clean(path, facts.name.as_deref().unwrap_or(""));
            path.push('\t');
            path.push_str(facts.slot_field.as_deref().unwrap_or(NULL_FIELD));
            path.push('\n');
        }
        _ => {}
    }
}

/// A slot reset (a null value) in a path's slot line.
pub const NULL_FIELD: &str = "-";

/// The value field of a slot line holding `value`, as [`slot_field`] writes it for the event's
/// value that a pattern's `slot:NAME=VALUE` names.
pub(crate) fn slot_value_field(value: &hindsight_types::sequence::SlotValue) -> String {
    use hindsight_types::sequence::{canonical_number, SlotValue};
    match value {
        SlotValue::Null => NULL_FIELD.to_owned(),
        SlotValue::Text(t) => format!("\"{t}"),
        SlotValue::Number(v) => format!("#{}", canonical_number(*v)),
        SlotValue::Bool(b) => b.to_string(),
    }
}

/// A slot value no `slot:NAME=VALUE` names (a list, an object, a text too long or holding a
/// tab or line break) in a path's slot line.
const UNNAMED_FIELD: &str = "~";

/// A slot event's value (absent is null) as a path's slot line holds it: a text as `"`
/// and the text, a number as `#` and its
/// [`canonical_number`](hindsight_types::sequence::canonical_number), `true`, `false`, `-`
/// for null, and `~` for a value no pattern names. The fields of equal values are equal, and no two
/// kinds of value share a field.
pub fn slot_field(value: Option<&serde_json::Value>) -> String {
    use hindsight_types::sequence::{canonical_number, MAX_SLOT_VALUE_CHARS};
    use serde_json::Value;
    match value.unwrap_or(&Value::Null) {
        Value::Null => NULL_FIELD.to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64().filter(|v| v.is_finite()) {
            Some(v) => format!("#{}", canonical_number(v)),
            None => UNNAMED_FIELD.to_owned(),
        },
        Value::String(s)
            if s.chars().count() <= MAX_SLOT_VALUE_CHARS && !s.contains(['\n', '\t', '\r']) =>
        {
            format!("\"{s}")
        }
        _ => UNNAMED_FIELD.to_owned(),
    }
}

/// The expression of `user_text~"TEXT"`: a path with a user message whose text contains
/// `text`, case ignored — the substring filter (`text_mode=substring`) as a test of one
/// conversation's path. The path holds each message lower-cased, its tabs and line breaks as
/// spaces, so the text is written the same way.
pub fn user_text_regex(text: &str) -> String {
    use hindsight_types::sequence::{Condition, Link, Matches, SequenceElement};
    let mut cleaned = String::with_capacity(text.len());
    push_clean(&mut cleaned, &text.to_lowercase());
    to_regex(&hindsight_types::SequencePattern {
        elements: vec![SequenceElement {
            link: Link::Later,
            negated: false,
            what: Matches::Step(vec![Condition::UserText(cleaned)]),
            at_least: 1,
            at_most: None,
            within_turns: None,
        }],
    })
}

/// The compiled expressions of the patterns this thread tested last: a count or a page tests
/// one pattern against many paths, and compiling costs far more than matching.
const CACHED_PATTERNS: usize = 16;

thread_local! {
    static COMPILED: std::cell::RefCell<Vec<(String, fancy_regex::Regex)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Whether a path holds the expression [`to_regex`] made (SQLite's side of the sequence
/// filter; PostgreSQL evaluates the same expression itself). An error names an expression
/// that does not compile or a search that gave up.
pub fn path_matches(regex: &str, path: &str) -> Result<bool, String> {
    COMPILED.with_borrow_mut(|cache| {
        let at = match cache.iter().position(|(r, _)| r == regex) {
            Some(at) => at,
            None => {
                let compiled = fancy_regex::Regex::new(regex).map_err(|e| e.to_string())?;
                if cache.len() == CACHED_PATTERNS {
                    cache.remove(0);
                }
                cache.push((regex.to_owned(), compiled));
                cache.len() - 1
            }
        };
        cache[at].1.is_match(path).map_err(|e| e.to_string())
    })
}

/// The last step's line of a path, without its line break ("" when there is none).
fn last_line(path: &str) -> &str {
    let body = path.strip_suffix('\n').unwrap_or(path);
    body.rsplit('\n').next().unwrap_or("")
}

fn push_clean(path: &mut String, text: &str) {
    path.extend(text.chars().map(|c| match c {
        '\n' | '\t' | '\r' => ' ',
        c => c,
    }));
}

/// A confidence as the path holds it: millionths rounded down, and whether a fraction was cut.
pub fn confidence_millionths(c: f64) -> (u32, bool) {
    let scaled = (c.clamp(0.0, 1.0) * 1e6).max(0.0);
    let whole = scaled.floor();
    (whole as u32, scaled > whole)
}

fn push_confidence(path: &mut String, c: f64) {
    use std::fmt::Write;
    let (whole, cut) = confidence_millionths(c);
    let _ = write!(path, "{whole:07}{}", if cut { '+' } else { '=' });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::event::RawEvent;

    fn path_of(events: &[&str]) -> String {
        let mut path = String::new();
        for e in events {
            let raw = RawEvent::parse(e).unwrap();
            append_step(&mut path, raw.type_name(), &raw.facts);
        }
        path
    }

    #[test]
    fn one_line_per_step() {
        let path = path_of(&[
            r#"{"event":"action","name":"action_session_start"}"#,
            r#"{"event":"action","name":"action_listen"}"#,
            r#"{"event":"user","text":"Hi\tthere","parse_data":{"intent":{"name":"greet","confidence":0.5}}}"#,
            r#"{"event":"slot","name":"city","value":"Oslo"}"#,
            r#"{"event":"slot","name":"cuisine","value":null}"#,
            r#"{"event":"slot","name":"guests","value":4.0}"#,
            r#"{"event":"slot","name":"vip","value":false}"#,
            r#"{"event":"slot","name":"list","value":["a"]}"#,
            r#"{"event":"action","name":"utter_greet","confidence":0.9}"#,
            r#"{"event":"bot","text":"Hello","metadata":{"utter_action":"utter_greet"}}"#,
            r#"{"event":"bot","text":"More"}"#,
            r#"{"event":"user","text":"NO","parse_data":{"intent":{"name":"deny","confidence":0.1234567}}}"#,
            r#"{"event":"bot","text":"orphan","metadata":{"utter_action":"utter_x"}}"#,
            r#"{"event":"user","text":"?"}"#,
        ]);
        assert_eq!(
            path,
            "\naaction_session_start\nugreet\t0500000=\thi there\nscity\t\"Oslo\nscuisine\t-\n\
             sguests\t#4\nsvip\tfalse\nslist\t~\nautter_greet\tbutter_greet\tb\nudeny\t0123456+\tno\na\tbutter_x\nu\t-\t?\n"
        );
    }

    #[test]
    fn appending_later_matches_appending_at_once() {
        let events = [
            r#"{"event":"action","name":"utter_a"}"#,
            r#"{"event":"bot","text":"x","metadata":{"utter_action":"utter_a"}}"#,
        ];
        let mut later = path_of(&events[..1]);
        let raw = RawEvent::parse(events[1]).unwrap();
        append_step(&mut later, "bot", &raw.facts);
        assert_eq!(later, path_of(&events));
    }
}
