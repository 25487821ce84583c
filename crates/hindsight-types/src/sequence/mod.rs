//! The sequence filter (`seq=`): a pattern over a conversation's steps, in order.
//!
//! A conversation's steps are its user messages, the actions the assistant ran (a message the
//! bot sent belongs to the action that sent it; `action_listen` is not a step) and the slots
//! it set. A pattern lists steps with how each follows the one before:
//!
//! ```text
//! intent:request_restaurant > action:action_default_fallback > end within 2 turns
//! bot:utter_ask_cuisine{3,}
//! confidence<0.5 >> action:action_handover
//! intent:greet > !slot:name > intent:goodbye
//! ```
//!
//! - `intent:NAME`, `action:NAME`, `bot:NAME` (the response the bot sent, e.g.
//!   `utter_ask_cuisine`), `slot:NAME` (set to a value, not reset to null); `*` as NAME is
//!   any; a name with spaces or symbols goes in double quotes.
//! - `slot:NAME=VALUE`: the slot set to that value (see [`SlotValue`]): `slot:cuisine="thai"`,
//!   `slot:guests=4`, `slot:vip=true`, `slot:name=null` (reset).
//! - `user_text~"words"`: a user message containing the text (case ignored).
//! - `confidence<0.5` (also `<=`, `>`, `>=`): a user message whose intent confidence compares
//!   so, at six decimal places.
//! - `&` joins conditions on one step: `intent:affirm & confidence<0.6`.
//! - `end`: the conversation ends there; `start`, first, where it starts (`start >> S`: S
//!   is the first step); `*`: any one step (`start >> * >> intent:greet`: the second).
//! - `A > B`: B happens after A, later; `A >> B`: B is the very next step.
//! - `B within N turns` (after `>`): B comes with at most N user messages after A, counting B.
//! - `S{3,}`: the step happens at least 3 times from there on. `S{2,4}`: 2 to 4 times
//!   between its neighbours, and `S{3}` exactly 3 times: counted from the step that must
//!   happen before it (or the start of the conversation) to the one after it (or the end):
//!   `intent:greet > bot:utter_ask_cuisine{2,3} > intent:inform`, the bot asked twice or
//!   three times between a greeting and an answer; `bot:utter_ask_cuisine{1}`, asked once
//!   in the whole conversation.
//! - `*!(S | S | …)`: any one step that is none of these (`start >> *!(intent:greet |
//!   intent:affirm)`: the first step is neither); it cannot be negated.
//! - `!S`: no such step between its neighbours (`A > !S > B`), until the end (`A > !S`),
//!   before (`!S > A`), or as the very next step (`A >> !S`); alone, never.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The most elements a pattern may have: each adds to the expression every conversation is
/// tested against.
pub const MAX_SEQUENCE_ELEMENTS: usize = 12;

/// The most characters a pattern may have.
pub const MAX_SEQUENCE_CHARS: usize = 1_000;

/// The largest `N` and `M` of `{N,}`, `{N,M}` and `{N}`.
pub const MAX_REPEAT: u32 = 20;

/// The largest `within N turns`.
pub const MAX_WITHIN_TURNS: u32 = 50;

/// The longest text value a `slot:NAME="…"` can name: longer values are found only by
/// `slot:NAME`.
pub const MAX_SLOT_VALUE_CHARS: usize = 200;

/// A parsed sequence pattern; its text form ([`fmt::Display`]) is canonical.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SequencePattern {
    /// The elements, in order.
    pub elements: Vec<SequenceElement>,
}

/// How an element follows the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// `>`: later, with any steps between (for the first element: anywhere).
    Later,
    /// `>>`: the very next step.
    Next,
}

/// One element of a pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct SequenceElement {
    /// How it follows the element before it.
    pub link: Link,
    /// `!`: no step matching it (see the module's documentation).
    pub negated: bool,
    /// What it matches.
    pub what: Matches,
    /// `{N,}`, `{N,M}`, `{N}`: at least this many times (1 when not given).
    pub at_least: u32,
    /// `{N,M}`, `{N}`: at most this many times between the steps that must happen before and
    /// after it (or the conversation's start and end); `None`: no upper bound.
    pub at_most: Option<u32>,
    /// `within N turns`: at most N user messages after the element before, counting this one.
    pub within_turns: Option<u32>,
}

/// What an element matches.
#[derive(Debug, Clone, PartialEq)]
pub enum Matches {
    /// One step meeting every condition (`*`, no condition: any step).
    Step(Vec<Condition>),
    /// The end of the conversation.
    End,
    /// The start of the conversation (only first: `start >> intent:greet`).
    Start,
    /// `*!(S | S | …)`: one step matching none of these (each a list of conditions, as in
    /// [`Matches::Step`]).
    AnyBut(Vec<Vec<Condition>>),
}

/// A condition on one step.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// A user message with this intent (`*`: any user message).
    Intent(String),
    /// An action of this name (`*`: any action).
    Action(String),
    /// An action that sent this response (`*`: any bot message).
    Bot(String),
    /// A slot of this name was set: to any value but null (`None`), or to this value.
    Slot(String, Option<SlotValue>),
    /// A user message containing this text, case ignored (held lower-cased).
    UserText(String),
    /// A user message whose intent confidence compares so with the value.
    Confidence(Comparison, f64),
}

/// A comparison of a confidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
}

/// The kind of step a condition tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// A user message.
    User,
    /// An action (and the messages it sent).
    Action,
    /// A slot being set.
    Slot,
}

impl Comparison {
    fn as_str(self) -> &'static str {
        match self {
            Comparison::Less => "<",
            Comparison::LessOrEqual => "<=",
            Comparison::Greater => ">",
            Comparison::GreaterOrEqual => ">=",
        }
    }

    /// Whether `value` compares so with `bound`.
    pub fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            Comparison::Less => value < bound,
            Comparison::LessOrEqual => value <= bound,
            Comparison::Greater => value > bound,
            Comparison::GreaterOrEqual => value >= bound,
        }
    }
}

impl Condition {
    /// The kind of step this condition is about.
    pub fn step_kind(&self) -> StepKind {
        match self {
            Condition::Intent(_) | Condition::UserText(_) | Condition::Confidence(..) => {
                StepKind::User
            }
            Condition::Action(_) | Condition::Bot(_) => StepKind::Action,
            Condition::Slot(..) => StepKind::Slot,
        }
    }
}

impl SequencePattern {
    /// Features every matching conversation has: `(kind, name)` of the conversation feature
    /// index (`intent`, `action`, `slot`), from the steps that must occur. The server narrows
    /// by them before testing the order.
    pub fn required_features(&self) -> Vec<(&'static str, &str)> {
        let mut out = Vec::new();
        for e in self.elements.iter().filter(|e| !e.negated) {
            if let Matches::Step(conditions) = &e.what {
                for c in conditions {
                    let (kind, name) = match c {
                        Condition::Intent(n) => ("intent", n),
                        Condition::Action(n) => ("action", n),
                        // A reset adds no feature.
                        Condition::Slot(_, Some(SlotValue::Null)) => continue,
                        Condition::Slot(n, _) => ("slot", n),
                        _ => continue,
                    };
                    // `*` is any name; `""` none, which the feature index does not hold.
                    if name != "*" && !name.is_empty() && !out.contains(&(kind, name.as_str())) {
                        out.push((kind, name.as_str()));
                    }
                }
            }
        }
        out
    }

    /// Slot values every matching conversation has, as the feature index holds them
    /// (`(name, value)` of kind `slot`): the texts and booleans of steps that must occur
    /// (a number's text there is the event's own, `4` or `4.0`, so numbers only narrow by
    /// name).
    pub fn required_slot_values(&self) -> Vec<(&str, String)> {
        let mut out = Vec::new();
        for e in self.elements.iter().filter(|e| !e.negated) {
            if let Matches::Step(conditions) = &e.what {
                for c in conditions {
                    let value = match c {
                        Condition::Slot(n, Some(SlotValue::Text(t))) if n != "*" => (n, t.clone()),
                        Condition::Slot(n, Some(SlotValue::Bool(b))) if n != "*" => {
                            (n, b.to_string())
                        }
                        _ => continue,
                    };
                    let value = (value.0.as_str(), value.1);
                    if !out.contains(&value) {
                        out.push(value);
                    }
                }
            }
        }
        out
    }
}

/// Where and why a pattern could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceError {
    /// The character (1-based) the problem starts at.
    pub at: usize,
    /// What is wrong there.
    pub message: String,
}

impl fmt::Display for SequenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.at, self.message)
    }
}

impl std::str::FromStr for SequencePattern {
    type Err = SequenceError;
    fn from_str(s: &str) -> Result<Self, SequenceError> {
        let chars = s.chars().count();
        if chars > MAX_SEQUENCE_CHARS {
            return Err(SequenceError {
                at: MAX_SEQUENCE_CHARS + 1,
                message: format!("a pattern has at most {MAX_SEQUENCE_CHARS} characters"),
            });
        }
        Parser {
            chars: s.chars().collect(),
            pos: 0,
        }
        .pattern()
    }
}

impl TryFrom<String> for SequencePattern {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse().map_err(|e: SequenceError| e.to_string())
    }
}

impl From<SequencePattern> for String {
    fn from(p: SequencePattern) -> String {
        p.to_string()
    }
}

mod parse;
mod value;

use parse::{ends_name, Parser};
pub use value::{canonical_number, SlotValue};

fn write_name(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    if name.chars().any(ends_name) || name.is_empty() {
        write_quoted(f, name)
    } else {
        f.write_str(name)
    }
}

fn write_quoted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in text.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (prefix, name) = match self {
            Condition::Intent(n) => ("intent:", n),
            Condition::Action(n) => ("action:", n),
            Condition::Bot(n) => ("bot:", n),
            Condition::Slot(n, value) => {
                f.write_str("slot:")?;
                write_name(f, n)?;
                return match value {
                    Some(v) => write!(f, "={v}"),
                    None => Ok(()),
                };
            }
            Condition::UserText(t) => {
                f.write_str("user_text~")?;
                return write_quoted(f, t);
            }
            Condition::Confidence(op, v) => return write!(f, "confidence{}{v}", op.as_str()),
        };
        f.write_str(prefix)?;
        write_name(f, name)
    }
}

fn write_conditions(f: &mut fmt::Formatter<'_>, conditions: &[Condition]) -> fmt::Result {
    for (j, c) in conditions.iter().enumerate() {
        if j > 0 {
            f.write_str(" & ")?;
        }
        write!(f, "{c}")?;
    }
    Ok(())
}

impl fmt::Display for SequencePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.elements.iter().enumerate() {
            if i > 0 {
                f.write_str(match e.link {
                    Link::Later => " > ",
                    Link::Next => " >> ",
                })?;
            }
            if e.negated {
                f.write_str("!")?;
            }
            match &e.what {
                Matches::End => f.write_str("end")?,
                Matches::Start => f.write_str("start")?,
                Matches::Step(conditions) if conditions.is_empty() => f.write_str("*")?,
                Matches::Step(conditions) => write_conditions(f, conditions)?,
                Matches::AnyBut(steps) => {
                    f.write_str("*!(")?;
                    for (j, conditions) in steps.iter().enumerate() {
                        if j > 0 {
                            f.write_str(" | ")?;
                        }
                        write_conditions(f, conditions)?;
                    }
                    f.write_str(")")?;
                }
            }
            match e.at_most {
                Some(most) if most == e.at_least => write!(f, "{{{most}}}")?,
                Some(most) => write!(f, "{{{},{most}}}", e.at_least)?,
                None if e.at_least > 1 => write!(f, "{{{},}}", e.at_least)?,
                None => {}
            }
            if let Some(n) = e.within_turns {
                write!(f, " within {n} {}", if n == 1 { "turn" } else { "turns" })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
