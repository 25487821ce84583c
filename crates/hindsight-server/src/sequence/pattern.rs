//! A [`SequencePattern`] as a regular expression over a conversation's path (see the parent
//! module for the path's lines).
//!
//! The expression uses only what PostgreSQL's advanced regular expressions and the
//! `fancy-regex` crate (SQLite's side) read alike: literals, `\n` and `\t`, bracket classes,
//! `(?:…)`, `|`, `*`, `+`, `{m,n}`, `^`, `$` and negative lookahead `(?!…)` (only for a
//! negated step). It is searched for anywhere in the path; every step's expression starts at
//! the beginning of a line and consumes the line with its line break, so steps cannot match
//! part of a line.

use hindsight_types::sequence::{Comparison, Condition, Link, Matches, SequenceElement, SlotValue};
use hindsight_types::SequencePattern;

/// Any whole line.
const LINE: &str = "[^\\n]*\\n";
/// The largest key of a confidence: see [`confidence_key_range`].
pub(super) const MAX_KEY: u32 = 2_000_001;

/// The regular expression that finds `pattern` in a conversation's path.
pub fn to_regex(pattern: &SequencePattern) -> String {
    let elements = &pattern.elements;
    // A step with an upper bound (`S{2,3}`) may not happen in the gaps on either side of its
    // occurrences: its negation, which those gaps hold as if written there.
    let bounded: Vec<Option<SequenceElement>> = elements
        .iter()
        .map(|e| {
            e.at_most.map(|_| SequenceElement {
                negated: true,
                at_least: 1,
                at_most: None,
                within_turns: None,
                ..e.clone()
            })
        })
        .collect();
    let mut out = String::new();
    // Negations collected since the last step that must happen: (element, right after it).
    let mut negations: Vec<(&SequenceElement, bool)> = Vec::new();
    let mut seen_positive = false;
    let mut gap_is_later = false;
    for (e, bound) in elements.iter().zip(&bounded) {
        if e.negated {
            negations.push((e, seen_positive && e.link == Link::Next));
            gap_is_later |= e.link == Link::Later;
            continue;
        }
        if let Some(not_again) = bound {
            negations.push((not_again, false));
        }
        if !seen_positive {
            // Before the first step: anchored at the start when something must not happen
            // before it (or the pattern begins at `start`), else anywhere.
            if e.what == Matches::Start {
                out.push_str("^\\n");
            } else if negations.is_empty() {
                out.push_str("\\n");
            } else {
                out.push_str("^\\n");
                out.push_str(&gap(&negations, turns_between(e)));
            }
        } else {
            gap_is_later |= e.link == Link::Later;
            // `> end` with nothing negated or counted before it holds of every conversation
            // that got this far: the expression stops here rather than read the rest of the
            // path (PostgreSQL tested a matching path a third faster).
            let ends_anyhow = e.what == Matches::End
                && gap_is_later
                && negations.is_empty()
                && e.within_turns.is_none();
            if ends_anyhow {
                break;
            }
            out.push_str(&next_not(&negations));
            if gap_is_later {
                out.push_str(&gap(&negations, turns_between(e)));
            }
        }
        negations.clear();
        gap_is_later = false;
        seen_positive = true;
        match &e.what {
            Matches::End => out.push('$'),
            Matches::Start => {}
            Matches::Step(_) | Matches::AnyBut(_) => {
                let step = step_regex(e);
                out.push_str(&step);
                match bound {
                    // Between its occurrences, no other.
                    Some(not_again) => {
                        let between = gap(&[(not_again, false)], None);
                        let (least, most) = (e.at_least - 1, e.at_most.unwrap_or(1) - 1);
                        if most > 0 {
                            out.push_str(&format!("(?:{between}{step}){{{least},{most}}}"));
                        }
                        // Nor after them, up to the next step that must happen.
                        negations.push((not_again, false));
                    }
                    None => {
                        for _ in 1..e.at_least {
                            out.push_str(&format!("(?:{LINE})*{step}"));
                        }
                    }
                }
            }
        }
    }
    if !seen_positive {
        // Only negations: nowhere in the conversation.
        out.push_str("^\\n");
        out.push_str(&gap(&negations, None));
        out.push('$');
    } else if !negations.is_empty() {
        // Negations after the last step: up to the end of the conversation (`>`), or the very
        // next step (`>>`). A bounded last step does not happen again up to the end.
        out.push_str(&next_not(&negations));
        let wide = negations.iter().any(|(_, right_after)| !right_after);
        if gap_is_later || wide {
            out.push_str(&gap(&negations, None));
            out.push('$');
        }
    }
    out
}

/// `within N turns` as the most user messages the gap before the element may hold: N, less
/// the element itself when it is a user message.
fn turns_between(e: &SequenceElement) -> Option<u32> {
    let user_step = matches!(&e.what, Matches::Step(c) if is_user(c));
    e.within_turns.map(|n| n - u32::from(user_step))
}

fn is_user(conditions: &[Condition]) -> bool {
    conditions
        .first()
        .is_some_and(|c| c.step_kind() == hindsight_types::sequence::StepKind::User)
}

/// `(?!S)` for the negations that hold for the very next step only.
fn next_not(negations: &[(&SequenceElement, bool)]) -> String {
    let next: Vec<String> = negations
        .iter()
        .filter(|(_, right_after)| *right_after)
        .map(|(e, _)| step_regex(e))
        .collect();
    match next.as_slice() {
        [] => String::new(),
        steps => format!("(?!{})", steps.join("|")),
    }
}

/// Any lines none of which is a gap-wide negation, with at most `user_turns` user messages.
fn gap(negations: &[(&SequenceElement, bool)], user_turns: Option<u32>) -> String {
    let wide: Vec<&SequenceElement> = negations
        .iter()
        .filter(|(_, right_after)| !*right_after)
        .map(|(e, _)| *e)
        .collect();
    // The lines allowed, as expressions without lookahead when the negations allow it (the
    // regex crate then runs them in linear time), else any line that no negation matches.
    let (user, other) = match super::complement::allowed_lines(&wide) {
        // Nothing negated: any line, spelled as briefly as a path's lines allow (each starts
        // with `u`, `a` or `s`). PostgreSQL's engine tested a path 25 % faster than against
        // the alternation of every line's fields.
        Some(_) if wide.is_empty() => (
            Some("u[^\\n]*\\n".to_owned()),
            Some("[as][^\\n]*\\n".to_owned()),
        ),
        Some(lines) => lines,
        None => {
            let steps: Vec<String> = wide.iter().map(|e| step_regex(e)).collect();
            let guard = match steps.as_slice() {
                [] => String::new(),
                steps => format!("(?!{})", steps.join("|")),
            };
            (
                Some(format!("{guard}u[^\\n]*\\n")),
                Some(format!("{guard}[as][^\\n]*\\n")),
            )
        }
    };
    let any_of = |lines: &[&Option<String>]| -> Option<String> {
        let present: Vec<&str> = lines.iter().filter_map(|l| l.as_deref()).collect();
        (!present.is_empty()).then(|| format!("(?:{})", present.join("|")))
    };
    match user_turns {
        None if wide.is_empty() => format!("(?:{LINE})*"),
        None => any_of(&[&user, &other]).map_or(String::new(), |l| format!("{l}*")),
        Some(n) => {
            let other = other.map_or(String::new(), |o| format!("(?:{o})*"));
            match user {
                Some(u) => format!("{other}(?:{u}{other}){{0,{n}}}"),
                None => other,
            }
        }
    }
}

/// The expression of one step (a whole line with its line break).
pub(super) fn step_regex(e: &SequenceElement) -> String {
    let conditions = match &e.what {
        Matches::Step(conditions) => conditions,
        Matches::AnyBut(steps) => return super::complement::any_but(steps),
        Matches::End | Matches::Start => return "$".to_owned(),
    };
    if conditions.is_empty() {
        // `*`: any step.
        return LINE.to_owned();
    }
    let mut intent = None;
    let mut text = None;
    let mut action = None;
    let mut bot = None;
    let mut slot = None;
    let (mut lo, mut hi) = (0, MAX_KEY);
    let mut confidence = false;
    for c in conditions {
        match c {
            Condition::Intent(n) => intent = Some(n),
            Condition::UserText(t) => text = Some(t),
            Condition::Action(n) => action = Some(n),
            Condition::Bot(n) => bot = Some(n),
            Condition::Slot(n, v) => slot = Some((n, v)),
            Condition::Confidence(op, v) => {
                confidence = true;
                let (l, h) = confidence_key_range(*op, *v);
                lo = lo.max(l);
                hi = hi.min(h);
            }
        }
    }
    let name = |n: Option<&String>| match n.map(String::as_str) {
        None | Some("*") => "[^\\t\\n]*".to_owned(),
        Some(n) => literal(n),
    };
    if is_user(conditions) {
        let confidence = if confidence {
            confidence_regex(lo, hi)
        } else {
            "[^\\t\\n]*".to_owned()
        };
        let text = match text {
            Some(t) => format!("[^\\n]*{}[^\\n]*", literal(t)),
            None => "[^\\n]*".to_owned(),
        };
        format!("u{}\\t{confidence}\\t{text}\\n", name(intent))
    } else if let Some((slot, value)) = slot {
        format!(
            "s{}\\t{}\\n",
            name(Some(slot)),
            slot_value_regex(value.as_ref())
        )
    } else {
        let bots = "(?:\\tb[^\\t\\n]*)*";
        let sent = match bot.map(String::as_str) {
            None => bots.to_owned(),
            Some("*") => "(?:\\tb[^\\t\\n]*)+".to_owned(),
            Some(b) => format!("{bots}\\tb{}{bots}", literal(b)),
        };
        format!("a{}{sent}\\n", name(action))
    }
}

/// The value field of a slot line (see [`super::slot_field`]): any but a reset, or the one.
pub(super) fn slot_value_regex(value: Option<&SlotValue>) -> String {
    match value {
        None => format!("[^{}\\n][^\\n]*", super::NULL_FIELD),
        Some(v) => literal(&super::slot_value_field(v)),
    }
}

/// The keys (inclusive) of the confidences that compare so with `bound`. A confidence's key
/// is twice its millionths (rounded down), plus one when a fraction was cut, so that every
/// comparison with a bound of six decimals is a range of keys.
pub(super) fn confidence_key_range(op: Comparison, bound: f64) -> (u32, u32) {
    let b = 2 * (bound * 1e6).round() as u32;
    match op {
        // `confidence<0` holds for nothing: an empty range.
        Comparison::Less if b == 0 => (1, 0),
        Comparison::Less => (0, b - 1),
        Comparison::LessOrEqual => (0, b),
        Comparison::Greater => (b + 1, MAX_KEY),
        Comparison::GreaterOrEqual => (b, MAX_KEY),
    }
}

/// The confidence field (seven digits and `+` or `=`) of the keys `lo..=hi`.
pub(super) fn confidence_regex(lo: u32, hi: u32) -> String {
    if lo > hi {
        // Nothing: the field holds only digits, `+`, `=` and `-`.
        return "z".to_owned();
    }
    let flags = |from: u32, to: u32| match (from, to) {
        (0, 1) => "[=+]",
        (0, 0) => "=",
        _ => "\\+",
    };
    let (lo_whole, hi_whole) = (lo / 2, hi / 2);
    if lo_whole == hi_whole {
        return format!("{lo_whole:07}{}", flags(lo % 2, hi % 2));
    }
    let mut parts = vec![format!("{lo_whole:07}{}", flags(lo % 2, 1))];
    if lo_whole + 1 < hi_whole {
        parts.push(format!(
            "(?:{})[=+]",
            digit_range(lo_whole + 1, hi_whole - 1, 7)
        ));
    }
    parts.push(format!("{hi_whole:07}{}", flags(0, hi % 2)));
    format!("(?:{})", parts.join("|"))
}

/// An expression for the numbers `lo..=hi` written with `width` digits (leading zeros).
fn digit_range(lo: u32, hi: u32, width: u32) -> String {
    if width == 0 {
        return String::new();
    }
    let unit = 10u32.pow(width - 1);
    let (lo_digit, hi_digit) = (lo / unit, hi / unit);
    let (lo_rest, hi_rest) = (lo % unit, hi % unit);
    if lo_digit == hi_digit {
        return format!("{lo_digit}{}", digit_range(lo_rest, hi_rest, width - 1));
    }
    let any = |n: u32| match n {
        0 => String::new(),
        n => format!("[0-9]{{{n}}}"),
    };
    let mut parts = Vec::new();
    let mut first_full = lo_digit;
    if lo_rest != 0 {
        parts.push(format!(
            "{lo_digit}{}",
            digit_range(lo_rest, unit - 1, width - 1)
        ));
        first_full += 1;
    }
    let mut last_full = hi_digit;
    let partial_last = hi_rest != unit - 1;
    if partial_last {
        last_full -= 1;
    }
    if first_full <= last_full {
        let digits = if first_full == last_full {
            first_full.to_string()
        } else {
            format!("[{first_full}-{last_full}]")
        };
        parts.push(format!("{digits}{}", any(width - 1)));
    }
    if partial_last {
        parts.push(format!("{hi_digit}{}", digit_range(0, hi_rest, width - 1)));
    }
    format!("(?:{})", parts.join("|"))
}

/// `text` matched literally: letters, digits and `_` as they are, other ASCII escaped in the
/// way both regular expression dialects read as that character.
pub(super) fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii() {
            out.push(c);
        } else if c.is_ascii_punctuation() {
            out.push('\\');
            out.push(c);
        } else {
            // A space or a control character: a class of itself.
            out.push('[');
            out.push(c);
            out.push(']');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sequence::confidence_millionths;

    fn confidence_key(c: f64) -> u32 {
        let (whole, cut) = confidence_millionths(c);
        2 * whole + u32::from(cut)
    }

    fn keys_matching(op: Comparison, bound: f64) -> impl Fn(f64) -> bool {
        let (lo, hi) = confidence_key_range(op, bound);
        let re = fancy_regex::Regex::new(&format!("^{}$", confidence_regex(lo, hi))).unwrap();
        move |c| {
            let mut field = String::new();
            super::super::push_confidence(&mut field, c);
            re.is_match(&field).unwrap()
        }
    }

    #[test]
    fn confidence_comparisons_hold_exactly_at_six_decimals() {
        let values = [
            0.0, 0.000001, 0.1, 0.29, 0.299999, 0.3, 0.3000001, 0.30001, 0.5, 0.5000004, 0.75,
            0.999999, 0.9999999, 1.0,
        ];
        for bound in [0.0, 0.3, 0.5, 0.999999, 1.0] {
            for op in [
                Comparison::Less,
                Comparison::LessOrEqual,
                Comparison::Greater,
                Comparison::GreaterOrEqual,
            ] {
                let matches = keys_matching(op, bound);
                for v in values {
                    assert_eq!(
                        matches(v),
                        op.holds(v, bound),
                        "{v} {op:?} {bound}: key {}",
                        confidence_key(v)
                    );
                }
            }
        }
    }

    #[test]
    fn digit_ranges_are_exact() {
        for (lo, hi) in [
            (0, 0),
            (0, 9),
            (3, 17),
            (10, 99),
            (123, 4567),
            (999, 1000),
            (0, 1000),
        ] {
            let re = regex::Regex::new(&format!("^{}$", digit_range(lo, hi, 4))).unwrap();
            for n in 0..10_000 {
                assert_eq!(
                    re.is_match(&format!("{n:04}")),
                    (lo..=hi).contains(&n),
                    "{n} in {lo}..={hi}"
                );
            }
        }
    }

    #[test]
    fn literals_are_read_literally_by_both_dialects() {
        let text = "a.b*c (x) [y] {z} ^$|?+\\/ -é!#\"";
        let re = fancy_regex::Regex::new(&format!("^{}$", literal(text))).unwrap();
        assert!(re.is_match(text).unwrap());
        assert!(!re.is_match("a_b*c (x) [y] {z} ^$|?+\\/ -é!#\"").unwrap());
    }
}
