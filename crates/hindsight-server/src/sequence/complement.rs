//! The lines a gap may hold when steps are negated (`A > !S > B`), written without lookahead.
//!
//! With lookahead (`(?:(?!S)line)*`) the `fancy-regex` crate runs the whole expression in its
//! backtracking engine: a negation made a count over 25,000 conversations take 520 ms instead
//! of 60. When every negated step is one condition on a name or a confidence, the allowed
//! lines are a plain expression instead: a user line whose intent is none of the negated
//! ones and whose confidence lies outside the negated ranges, an action line named none of
//! the negated actions and sending none of the negated responses, a slot line naming none of
//! the negated slots (or resetting one: `slot:NAME` is a slot set to a value). Other negations
//! (text, a slot's value, several conditions on one step, names with symbols) keep the
//! lookahead.

use hindsight_types::sequence::{Condition, Link, Matches, SequenceElement};

use super::pattern::{confidence_key_range, confidence_regex, literal, step_regex, MAX_KEY};

/// Any field.
const FIELD: &str = "[^\\t\\n]*";

/// The allowed user line and the allowed other lines (action or slot), `None` for a kind of
/// line that is not allowed at all; `None` overall when the negations need lookahead.
pub(super) fn allowed_lines(
    negated: &[&SequenceElement],
) -> Option<(Option<String>, Option<String>)> {
    let (mut intents, mut actions, mut responses, mut slots) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for e in negated {
        let Matches::Step(conditions) = &e.what else {
            return None;
        };
        let [condition] = conditions.as_slice() else {
            return None;
        };
        match condition {
            Condition::Intent(n) => intents.push(n.as_str()),
            Condition::Action(n) => actions.push(n.as_str()),
            Condition::Bot(n) => responses.push(n.as_str()),
            Condition::Slot(n, None) => slots.push(n.as_str()),
            Condition::Confidence(op, v) => ranges.push(confidence_key_range(*op, *v)),
            Condition::UserText(_) | Condition::Slot(_, Some(_)) => return None,
        }
    }
    let user = match (none_of(&intents)?, outside(&ranges)) {
        (Some(intent), Some(confidence)) => Some(format!("u{intent}\\t{confidence}\\t[^\\n]*\\n")),
        _ => None,
    };
    let responses = none_of(&responses)?;
    let action = none_of(&actions)?.map(|name| {
        let sent = match &responses {
            Some(r) => format!("(?:\\tb{r})*"),
            // `!bot:*`: no action line that sent a message.
            None => String::new(),
        };
        format!("a{name}{sent}\\n")
    });
    // A reset is never a negated `slot:NAME`.
    let reset = format!("s{FIELD}\\t{}\\n", literal(super::NULL_FIELD));
    let slot = Some(match none_of(&slots)? {
        Some(name) => format!("s{name}\\t[^\\n]*\\n|{reset}"),
        None => reset,
    });
    let other = match (action, slot) {
        (Some(a), Some(s)) => Some(format!("{a}|{s}")),
        (a, s) => a.or(s),
    };
    Some((user, other))
}

/// The expression of `*!(S | S | …)`: one line that none of the steps matches, without
/// lookahead when [`allowed_lines`] can write it so.
pub(super) fn any_but(steps: &[Vec<Condition>]) -> String {
    let elements: Vec<SequenceElement> = steps
        .iter()
        .map(|conditions| SequenceElement {
            link: Link::Later,
            negated: true,
            what: Matches::Step(conditions.clone()),
            at_least: 1,
            at_most: None,
            within_turns: None,
        })
        .collect();
    let refs: Vec<&SequenceElement> = elements.iter().collect();
    match allowed_lines(&refs) {
        Some((user, other)) => {
            let lines: Vec<String> = user.into_iter().chain(other).collect();
            match lines.as_slice() {
                // No line at all: lines start with `u`, `a` or `s`.
                [] => "z\\n".to_owned(),
                lines => format!("(?:{})", lines.join("|")),
            }
        }
        None => {
            let steps: Vec<String> = elements.iter().map(step_regex).collect();
            format!("(?!{})[^\\n]*\\n", steps.join("|"))
        }
    }
}

/// A field holding none of `names`: `Some(None)` when `*` (any) is among them, `None` when a
/// name holds a character the construction does not write safely in a bracket class.
fn none_of(names: &[&str]) -> Option<Option<String>> {
    if names.is_empty() {
        return Some(Some(FIELD.to_owned()));
    }
    if names.contains(&"*") {
        return Some(None);
    }
    let safe = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '/' | ':' | '-');
    if !names.iter().all(|n| n.chars().all(safe)) {
        return None;
    }
    let words: Vec<Vec<char>> = names.iter().map(|n| n.chars().collect()).collect();
    let refs: Vec<&[char]> = words.iter().map(Vec::as_slice).collect();
    Some(Some(trie_complement(&refs)))
}

/// Fields that differ from every word: by a trie of the words, a field either ends where no
/// word does, leaves the trie at some character, or runs on past a word's end.
fn trie_complement(words: &[&[char]]) -> String {
    let ends_here = words.iter().any(|w| w.is_empty());
    let mut next: Vec<char> = words.iter().filter_map(|w| w.first().copied()).collect();
    next.sort_unstable();
    next.dedup();
    // `-` last, where every bracket class reads it as itself.
    let mut class: String = next.iter().filter(|c| **c != '-').collect();
    if next.contains(&'-') {
        class.push('-');
    }
    let mut branches = vec![format!("[^\\t\\n{class}]{FIELD}")];
    for c in &next {
        let rest: Vec<&[char]> = words
            .iter()
            .filter(|w| w.first() == Some(c))
            .map(|w| &w[1..])
            .collect();
        branches.push(format!(
            "{}{}",
            literal(&c.to_string()),
            trie_complement(&rest)
        ));
    }
    let any = format!("(?:{})", branches.join("|"));
    // Where no word ends, the field may end too.
    if ends_here {
        any
    } else {
        format!("{any}?")
    }
}

/// The confidence field outside every range of keys: the gaps between them, or no confidence.
fn outside(ranges: &[(u32, u32)]) -> Option<String> {
    if ranges.is_empty() {
        return Some(FIELD.to_owned());
    }
    let mut sorted: Vec<(u32, u32)> = ranges.iter().copied().filter(|(l, h)| l <= h).collect();
    sorted.sort_unstable();
    let mut gaps = Vec::new();
    let mut from = 0u32;
    for (lo, hi) in sorted {
        if lo > from {
            gaps.push(confidence_regex(from, lo - 1));
        }
        from = from.max(hi.saturating_add(1));
    }
    if from <= MAX_KEY {
        gaps.push(confidence_regex(from, MAX_KEY));
    }
    // A message without a confidence meets no confidence condition.
    gaps.push("-".to_owned());
    Some(format!("(?:{})", gaps.join("|")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trie_complement_refuses_exactly_its_words() {
        let words = ["greet", "greeting", "goodbye", "g", "a-b"];
        let chars: Vec<Vec<char>> = words.iter().map(|w| w.chars().collect()).collect();
        let refs: Vec<&[char]> = chars.iter().map(Vec::as_slice).collect();
        let re = regex::Regex::new(&format!("^{}$", trie_complement(&refs))).unwrap();
        for w in words {
            assert!(!re.is_match(w), "{w} is refused");
        }
        for other in [
            "", "gr", "gree", "greets", "greetin", "goodby", "goodbyes", "h", "ab", "a-", "a-bc",
            "gx",
        ] {
            assert!(re.is_match(other), "{other} is allowed");
        }
    }
}
