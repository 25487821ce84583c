//! The values `slot:NAME=VALUE` steps name.

use std::fmt;

use super::write_quoted;

/// The value a `slot:NAME=VALUE` step names, compared with the value of Rasa's slot event:
///
/// - `"thai"`: a text, equal character for character (case counts); a text with a tab or a
///   line break, or longer than [`MAX_SLOT_VALUE_CHARS`](super::MAX_SLOT_VALUE_CHARS),
///   equals no pattern's;
/// - `4`, `-2.5`: a number, equal by value (`4` is the event's `4` and `4.0`, not `"4"`);
/// - `true`, `false`: a boolean;
/// - `null`: the slot reset (a slot event with a null value, which is a step too).
///
/// Lists and objects equal no value: `slot:NAME` finds them.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotValue {
    /// A text, in double quotes.
    Text(String),
    /// A number (finite).
    Number(f64),
    /// `true` or `false`.
    Bool(bool),
    /// `null`: the slot reset.
    Null,
}

/// A number as a pattern and a conversation's path write it: without a fraction when it is
/// whole (below 10^15), else the shortest decimal that reads back as it, so equal numbers
/// have equal text (`4.0` is `4`).
pub fn canonical_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

impl fmt::Display for SlotValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlotValue::Text(t) => write_quoted(f, t),
            SlotValue::Number(v) => f.write_str(&canonical_number(*v)),
            SlotValue::Bool(b) => write!(f, "{b}"),
            SlotValue::Null => f.write_str("null"),
        }
    }
}
