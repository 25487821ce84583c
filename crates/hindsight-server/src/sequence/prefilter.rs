//! Necessary conditions of a pattern that are cheaper to test than its expression, so that
//! the conversations which cannot match are set aside before their paths are read.
//!
//! - [`like_prefilter`], for PostgreSQL: its regular expression engine took about 8 µs for a
//!   candidate's path (1,200 characters), its `LIKE` next to nothing (a scan of 100,000 paths
//!   with a `LIKE` as long as without one). Every step a pattern requires matches a
//!   whole line of its own, each after the line of the step before (see [`super::pattern`]).
//!   What any line matching a step must hold — `\nuNAME\t` for an intent, `\naNAME` for an
//!   action, then `\tbNAME` for a response it sent, … — lies within that line, none of it its
//!   final line break. In a matching path those fragments therefore appear in the steps'
//!   order without overlapping, and joined by `%` they make a `LIKE` pattern the path
//!   satisfies. It is only ever a filter ahead of the expression.
//! - [`lowest_confidence_below`], for both backends: a step needing a user message below a
//!   confidence needs a conversation whose lowest intent confidence is below it, a column of
//!   the conversation's row.

use hindsight_types::sequence::{Condition, Matches, SlotValue, StepKind};
use hindsight_types::SequencePattern;

/// A step repeated (`{N,}`) adds its fragment at most this many times.
const MAX_REPEATS: u32 = 3;

/// What one step's line must hold, and whether that tells more than the feature index, which
/// has already narrowed a sequence filter to the conversations having every step's name.
#[derive(Clone)]
struct Fragment {
    like: String,
    /// A name the line must carry (an intent, action or slot; not `*`).
    named: bool,
    /// A condition the feature index does not narrow by: a user's text, a response, a
    /// slot's number or reset.
    beyond_features: bool,
}

/// The `LIKE` pattern (escaped with `\`) that every path matching `pattern` satisfies, when it
/// can set paths aside that the feature index lets through: a condition the index does not
/// hold, or two named steps whose order it does not know. `None` when it would only cost.
pub fn like_prefilter(pattern: &SequencePattern) -> Option<String> {
    let mut fragments = Vec::new();
    for e in pattern.elements.iter().filter(|e| !e.negated) {
        let Matches::Step(conditions) = &e.what else {
            continue;
        };
        if let Some(f) = step_fragment(conditions) {
            for _ in 0..e.at_least.clamp(1, MAX_REPEATS) {
                fragments.push(f.clone());
            }
        }
    }
    let named = fragments.iter().filter(|f| f.named).count();
    if named < 2 && !fragments.iter().any(|f| f.beyond_features) {
        return None;
    }
    let joined: Vec<&str> = fragments.iter().map(|f| f.like.as_str()).collect();
    Some(format!("%{}%", joined.join("%")))
}

/// The fragment of a step's line, as [`super::pattern::step_regex`] reads its conditions.
fn step_fragment(conditions: &[Condition]) -> Option<Fragment> {
    let kind = conditions.first()?.step_kind();
    let mut name = None;
    let mut text = None;
    let mut bot = None;
    let mut slot_value = None;
    for c in conditions {
        match c {
            Condition::Intent(n) | Condition::Action(n) => name = Some(n.as_str()),
            Condition::Slot(n, v) => {
                name = Some(n.as_str());
                slot_value = v.as_ref();
            }
            Condition::UserText(t) => text = Some(t.as_str()),
            Condition::Bot(b) => bot = Some(b.as_str()),
            Condition::Confidence(..) => {}
        }
    }
    let name = name.filter(|n| *n != "*");
    let bot = bot.filter(|b| *b != "*");
    let mut like = String::from(match kind {
        StepKind::User => "\nu",
        StepKind::Action => "\na",
        StepKind::Slot => "\ns",
    });
    // `""`, no name, is not in the feature index: only the path can tell.
    let mut beyond_features = name == Some("");
    if let Some(n) = name {
        push_escaped(&mut like, n);
        if kind != StepKind::Action {
            // An intent's or a slot's name ends at a tab; an action's at a tab or line break.
            like.push('\t');
        }
    }
    match kind {
        StepKind::User => {
            if let Some(t) = text.filter(|t| !t.is_empty()) {
                like.push('%');
                push_escaped(&mut like, t);
                beyond_features = true;
            }
        }
        StepKind::Action => {
            if let Some(b) = bot {
                like.push_str("%\tb");
                push_escaped(&mut like, b);
                beyond_features = true;
            }
        }
        StepKind::Slot => {
            if let Some(field) = slot_value.map(super::slot_value_field) {
                if name.is_none() {
                    like.push_str("%\t");
                }
                push_escaped(&mut like, &field);
                // The index holds a slot's texts and booleans, not its numbers or resets.
                beyond_features =
                    matches!(slot_value, Some(SlotValue::Number(_) | SlotValue::Null));
            }
        }
    }
    Some(Fragment {
        like,
        named: name.is_some_and(|n| !n.is_empty()),
        beyond_features,
    })
}

/// A bound the conversation's lowest intent confidence (`min_intent_confidence`) is below in
/// every conversation matching `pattern`, when a step it requires is a user message with an
/// upper bound on its confidence (`confidence<0.3`).
///
/// A path holds a confidence as its millionths rounded down ([`super::confidence_millionths`],
/// of the confidence clamped to 0–1), and the step's keys run up to `hi`: a matching message's
/// confidence is below `(hi / 2 + 1)` millionths, and the bound adds one millionth more for the
/// floating-point arithmetic on the way. A bound above 1 is not given: a confidence above 1 is
/// held as 1 in the path, and only bounds up to 1 are sure to hold of the stored value too.
pub fn lowest_confidence_below(pattern: &SequencePattern) -> Option<f64> {
    let mut bound: Option<f64> = None;
    for e in pattern.elements.iter().filter(|e| !e.negated) {
        let Matches::Step(conditions) = &e.what else {
            continue;
        };
        let mut hi = None;
        for c in conditions {
            if let Condition::Confidence(op, v) = c {
                let (_, h) = super::pattern::confidence_key_range(*op, *v);
                hi = Some(hi.map_or(h, |x: u32| x.min(h)));
            }
        }
        let Some(hi) = hi else { continue };
        let below = f64::from(hi / 2 + 2) / 1e6;
        if below <= 1.0 {
            bound = Some(bound.map_or(below, |b| b.min(below)));
        }
    }
    bound
}

/// `text` read literally by `LIKE … ESCAPE '\'` (PostgreSQL's default escape).
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sequence::path_matches;
    use crate::sequence::to_regex;

    /// `LIKE` as PostgreSQL reads it (`%` any text, `_` one character, `\` escaping), as an
    /// anchored regular expression.
    fn like_matches(like: &str, text: &str) -> bool {
        let mut re = String::from("(?s)^");
        let mut chars = like.chars();
        while let Some(c) = chars.next() {
            match c {
                '%' => re.push_str(".*"),
                '_' => re.push('.'),
                '\\' => re.push_str(&regex::escape(&chars.next().unwrap().to_string())),
                c => re.push_str(&regex::escape(&c.to_string())),
            }
        }
        re.push('$');
        regex::Regex::new(&re).unwrap().is_match(text)
    }

    const PATHS: &[&str] = &[
        "\nuintent_000\t0900000=\ti want a refund_now\nautter_001\tbutter_001\nsprice\t#4\nuintent_003\t0200000+\tok\naaction_x\nautter_002\n",
        "\nuintent_003\t0990000=\thello\nautter_002\nuintent_000\t0100000=\t50% off?\nautter_001\tbutter_ask\tbutter_001\nscity\t\"berlin\nsprice\t-\n",
        "\nautter_greet\tbutter_greet\nuintent_000\t-\t\nautter_001\nautter_001\nautter_001\nsflag\ttrue\n",
        "\na\tbutter_hello\nuintent_001\t0500000=\tintent_000\nautter_0010\n",
    ];

    const PATTERNS: &[&str] = &[
        "intent:intent_000 > action:utter_001",
        "intent:intent_003 > intent:intent_000 > action:utter_002 > end",
        "intent:intent_000 > !action:utter_000 > end",
        "confidence<0.3 >> action:*",
        "action:utter_001{3,}",
        "user_text~\"refund_\" > action:utter_001",
        "user_text~\"50%\"",
        "bot:utter_001 > slot:city=\"berlin\"",
        "action:* & bot:utter_ask",
        "slot:price=null",
        "slot:price=4 > intent:intent_003",
        "slot:flag=true > end",
        "intent:intent_001 >> action:utter_001",
        "intent:intent_000 > action:utter_001 within 1 turns",
        "start >> action:utter_greet > intent:intent_000",
        "*!(intent:intent_000) > action:utter_001",
    ];

    #[test]
    fn every_path_the_expression_matches_satisfies_the_prefilter() {
        let mut prefiltered = 0;
        for text in PATTERNS {
            let Ok(pattern) = text.parse::<SequencePattern>() else {
                continue;
            };
            let Some(like) = like_prefilter(&pattern) else {
                continue;
            };
            prefiltered += 1;
            let regex = to_regex(&pattern);
            for path in PATHS {
                if path_matches(&regex, path).unwrap() {
                    assert!(
                        like_matches(&like, path),
                        "{text}: {like:?} refuses {path:?}"
                    );
                }
            }
        }
        assert!(
            prefiltered >= 8,
            "only {prefiltered} patterns had a prefilter"
        );
    }

    #[test]
    fn lowest_confidence_bound_holds_of_every_message_the_step_matches() {
        let bound = |t: &str| lowest_confidence_below(&t.parse().unwrap());
        let b = bound("confidence<0.3 >> action:*").unwrap();
        assert!(b > 0.3 && b <= 0.300_002, "{b}");
        // The tightest of the steps; `<=` keeps its bound; the largest confidence a path
        // holds below the bound is below it too.
        let b = bound("confidence<=0.5 > intent:x & confidence<0.2").unwrap();
        assert!(b > 0.2 && b < 0.200_003, "{b}");
        for c in [0.199_999, 0.199_999_999_9, 0.2 - f64::EPSILON] {
            let path = format!("\nux\t{}\t\n", {
                let mut p = String::new();
                crate::sequence::push_confidence(&mut p, c);
                p
            });
            let regex = to_regex(&"intent:x & confidence<0.2".parse().unwrap());
            assert!(path_matches(&regex, &path).unwrap(), "{c}: {path:?}");
            assert!(c < b, "{c} is not below {b}");
        }
        // Negated, lower bounds only, or no bound below 1: nothing to narrow by.
        assert_eq!(bound("intent:x > !confidence<0.3"), None);
        assert_eq!(bound("confidence>0.9"), None);
        assert_eq!(bound("confidence<=1"), None);
        assert_eq!(bound("intent:x"), None);
    }

    #[test]
    fn prefilter_is_the_steps_in_order_and_only_when_it_narrows() {
        let like = |t: &str| like_prefilter(&t.parse().unwrap());
        assert_eq!(
            like("intent:intent_000 > action:utter_001").as_deref(),
            Some("%\nuintent\\_000\t%\nautter\\_001%")
        );
        assert_eq!(
            like("action:utter_001{3,}").as_deref(),
            Some("%\nautter\\_001%\nautter\\_001%\nautter\\_001%")
        );
        assert_eq!(like("user_text~\"50%\"").as_deref(), Some("%\nu%50\\%%"));
        // What the feature index already narrows to, or nothing specific: no prefilter.
        assert_eq!(like("intent:intent_000 > !action:utter_000 > end"), None);
        assert_eq!(like("confidence<0.3 >> action:*"), None);
        // A refusal by the prefilter: the steps in the other order.
        let p = like("intent:intent_003 > intent:intent_000").unwrap();
        assert!(!like_matches(&p, "\nuintent_000\t-\t\nuintent_003\t-\t\n"));
        assert!(like_matches(&p, "\nuintent_003\t-\t\nuintent_000\t-\t\n"));
    }
}
