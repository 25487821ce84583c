//! Which user messages of a conversation were likely not handled.

use super::text::{fold, similarity};

/// The rules (a message is a candidate when any holds).
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    /// Predicted as one of these intents.
    pub intents: &'a [String],
    /// Intent confidence below this (0: rule off).
    pub below_confidence: f64,
    /// Followed by one of these actions …
    pub fallback_actions: &'a [String],
    /// … before this many more user messages (0: rule off).
    pub fallback_within_turns: usize,
    /// Rephrased by the next user message at least this similar (0: rule off).
    pub rephrase_similarity: f64,
}

/// A user message or an action, in conversation order.
#[derive(Debug, Clone, Copy)]
pub enum Turn<'a> {
    /// A user message: its text, predicted intent and confidence.
    User {
        /// Text.
        text: &'a str,
        /// Predicted intent.
        intent: Option<&'a str>,
        /// Intent confidence.
        confidence: Option<f64>,
    },
    /// An action (by name).
    Action(&'a str),
}

/// The positions in `turns` of the user messages the rules call likely unhandled, in order.
pub fn unhandled(turns: &[Turn<'_>], rules: &Rules<'_>) -> Vec<usize> {
    let mut hit = vec![false; turns.len()];
    // User messages seen so far, latest last.
    let mut users: Vec<usize> = Vec::new();
    let mut previous_folded: Option<String> = None;
    for (i, turn) in turns.iter().enumerate() {
        match *turn {
            Turn::User {
                text,
                intent,
                confidence,
            } => {
                if intent.is_some_and(|n| rules.intents.iter().any(|x| x == n))
                    || confidence.is_some_and(|c| c < rules.below_confidence)
                {
                    hit[i] = true;
                }
                if rules.rephrase_similarity > 0.0 {
                    let folded = fold(text);
                    if let (Some(prev), Some(&p)) = (&previous_folded, users.last()) {
                        if !folded.is_empty()
                            && !prev.is_empty()
                            && similarity(prev, &folded) >= rules.rephrase_similarity
                        {
                            hit[p] = true;
                        }
                    }
                    previous_folded = Some(folded);
                }
                users.push(i);
            }
            Turn::Action(name) => {
                if rules.fallback_within_turns > 0
                    && rules.fallback_actions.iter().any(|a| a == name)
                {
                    // The last N user messages before the action.
                    for &u in users.iter().rev().take(rules.fallback_within_turns) {
                        hit[u] = true;
                    }
                }
            }
        }
    }
    (0..turns.len()).filter(|&i| hit[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user<'a>(text: &'a str, intent: &'a str, confidence: f64) -> Turn<'a> {
        Turn::User {
            text,
            intent: Some(intent),
            confidence: Some(confidence),
        }
    }

    #[test]
    fn each_rule_finds_its_message() {
        let intents = vec!["nlu_fallback".to_owned()];
        let actions = vec!["action_default_fallback".to_owned()];
        let rules = Rules {
            intents: &intents,
            below_confidence: 0.5,
            fallback_actions: &actions,
            fallback_within_turns: 1,
            rephrase_similarity: 0.6,
        };
        let turns = [
            user("hello", "greet", 0.99),                // 0: handled
            user("blorp the quux", "nlu_fallback", 0.9), // 1: intent
            user("tell me a joke", "chitchat", 0.3),     // 2: confidence
            user("book a flight", "book", 0.9),          // 3: followed by a fallback
            Turn::Action("action_listen"),               // 4
            Turn::Action("action_default_fallback"),     // 5
            user("can I pay by cheque", "pay", 0.95),    // 6: rephrased next
            user("can I pay by cheque?!", "pay", 0.97),  // 7: handled
            user("bye", "goodbye", 0.99),                // 8: handled
        ];
        assert_eq!(unhandled(&turns, &rules), vec![1, 2, 3, 6]);
        let off = Rules {
            below_confidence: 0.0,
            fallback_within_turns: 0,
            rephrase_similarity: 0.0,
            ..rules
        };
        assert_eq!(unhandled(&turns, &off), vec![1]);
    }

    #[test]
    fn a_fallback_reaches_back_as_many_user_turns_as_asked() {
        let actions = vec!["action_two_stage_fallback".to_owned()];
        let mut rules = Rules {
            intents: &[],
            below_confidence: 0.0,
            fallback_actions: &actions,
            fallback_within_turns: 2,
            rephrase_similarity: 0.0,
        };
        let turns = [
            user("a", "x", 0.9),
            user("b", "x", 0.9),
            user("c", "x", 0.9),
            Turn::Action("action_two_stage_fallback"),
        ];
        assert_eq!(unhandled(&turns, &rules), vec![1, 2]);
        rules.fallback_within_turns = 1;
        assert_eq!(unhandled(&turns, &rules), vec![2]);
    }
}
