//! The sequence filter (`seq=`, issue 14): hundreds of random patterns answered by the server
//! (the pattern's regular expression over each conversation's stored path, on either backend)
//! against a brute-force matcher over the same conversations' events, written from the
//! pattern language's definition; and its errors.

use std::collections::BTreeMap;

use diesel::prelude::*;
use hindsight_server::db::schema::{conversations, events};
use hindsight_types::sequence::{Condition, Link, Matches, SequenceElement};
use hindsight_types::SequencePattern;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::Value;

use crate::both_backends;

/// One step of a conversation, as the pattern language defines steps.
#[derive(Debug)]
enum Step {
    User {
        intent: String,
        confidence: Option<f64>,
        text: String,
    },
    Action {
        name: String,
        responses: Vec<String>,
    },
    Slot(String),
}

/// The steps of a conversation's events, in order.
fn steps_of(events: &[(String, Value)]) -> Vec<Step> {
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
            "slot" if !e["value"].is_null() => steps.push(Step::Slot(s(e.get("name")))),
            _ => {}
        }
    }
    steps
}

fn name_is(pattern: &str, name: &str) -> bool {
    pattern == "*" || pattern == name
}

fn step_matches(step: &Step, e: &SequenceElement) -> bool {
    let Matches::Step(conditions) = &e.what else {
        return false;
    };
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
        (Condition::Slot(n), Step::Slot(name)) => name_is(n, name),
        _ => false,
    })
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
fn follows(steps: &[Step], pattern: &SequencePattern) -> bool {
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
    place(steps, &positives, 0, 0, trailing.as_ref())
}

fn place(
    steps: &[Step],
    positives: &[(&SequenceElement, Gap)],
    j: usize,
    from: usize,
    trailing: Option<&Gap>,
) -> bool {
    let Some((e, gap)) = positives.get(j) else {
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
            if start == 0 && place(steps, positives, j + 1, 0, trailing) {
                return true;
            }
            continue;
        }
        if e.what == Matches::End {
            if start == steps.len() && place(steps, positives, j + 1, start, trailing) {
                return true;
            }
            continue;
        }
        if start == steps.len() || !step_matches(&steps[start], e) {
            continue;
        }
        // Once: it ends here. Repeated: at its `at_least`-th occurrence or any later one
        // (any `at_least` of the occurrences from here on may be the repetitions).
        if e.at_least == 1 {
            if place(steps, positives, j + 1, start + 1, trailing) {
                return true;
            }
            continue;
        }
        let mut seen = 0;
        for t in start..steps.len() {
            if step_matches(&steps[t], e) {
                seen += 1;
                if seen >= e.at_least && place(steps, positives, j + 1, t + 1, trailing) {
                    return true;
                }
            }
        }
    }
    false
}

/// The names a random pattern picks from: what the conversations hold, and names they don't.
struct Vocabulary {
    intents: Vec<String>,
    actions: Vec<String>,
    responses: Vec<String>,
    slots: Vec<String>,
    words: Vec<String>,
}

impl Vocabulary {
    fn of(conversations: &BTreeMap<String, Vec<Step>>) -> Vocabulary {
        let mut v = Vocabulary {
            intents: vec!["*".into(), "no_such_intent".into()],
            actions: vec!["*".into(), "no_such_action".into()],
            responses: vec!["*".into()],
            slots: vec!["*".into()],
            words: vec!["zzzq".into()],
        };
        let add = |list: &mut Vec<String>, s: &str| {
            if !s.is_empty() && !list.iter().any(|x| x == s) {
                list.push(s.to_owned())
            }
        };
        for step in conversations.values().flatten() {
            match step {
                Step::User { intent, text, .. } => {
                    add(&mut v.intents, intent);
                    for w in text.split_whitespace().filter(|w| w.len() >= 4).take(1) {
                        add(&mut v.words, w);
                    }
                }
                Step::Action { name, responses } => {
                    add(&mut v.actions, name);
                    for r in responses {
                        add(&mut v.responses, r);
                    }
                }
                Step::Slot(name) => add(&mut v.slots, name),
            }
        }
        v
    }

    fn condition(&self, rng: &mut StdRng, kind: u8) -> String {
        let pick = |rng: &mut StdRng, list: &[String]| list.choose(rng).unwrap().clone();
        match kind {
            0 => format!("intent:{}", pick(rng, &self.intents)),
            1 => format!("action:{}", pick(rng, &self.actions)),
            2 => format!("bot:{}", pick(rng, &self.responses)),
            3 => format!("slot:{}", pick(rng, &self.slots)),
            4 => format!("user_text~\"{}\"", pick(rng, &self.words).replace('"', "")),
            _ => {
                let op = ["<", "<=", ">", ">="].choose(rng).unwrap();
                let v = [0.3, 0.5, 0.6, 0.75, 0.9, 0.95].choose(rng).unwrap();
                format!("confidence{op}{v}")
            }
        }
    }

    /// A random pattern's text (which may be one the parser refuses).
    fn pattern(&self, rng: &mut StdRng) -> String {
        let n = rng.gen_range(1..=4);
        let mut out = String::new();
        if rng.gen_bool(0.15) {
            out.push_str(if rng.gen_bool(0.5) {
                "start >> "
            } else {
                "start > "
            });
        }
        for i in 0..n {
            if i > 0 {
                out.push_str(if rng.gen_bool(0.3) { " >> " } else { " > " });
            }
            if i == n - 1 && i > 0 && rng.gen_bool(0.15) {
                out.push_str("end");
            } else {
                let negated = rng.gen_bool(0.2);
                if negated {
                    out.push('!');
                }
                let kind = rng.gen_range(0..6);
                if !negated && rng.gen_bool(0.08) {
                    out.push('*');
                    continue;
                }
                out.push_str(&self.condition(rng, kind));
                // A second condition on a user message or an action.
                if rng.gen_bool(0.15) && kind != 3 {
                    let other = match kind {
                        0 | 4 => 5,
                        5 => 0,
                        1 => 2,
                        _ => 1,
                    };
                    out.push_str(" & ");
                    out.push_str(&self.condition(rng, other));
                }
                if !negated && rng.gen_bool(0.12) {
                    out.push_str(&format!("{{{},}}", rng.gen_range(2..=3)));
                }
                if !negated && i > 0 && rng.gen_bool(0.2) {
                    out.push_str(&format!(" within {} turns", rng.gen_range(1..=3)));
                }
            }
        }
        out
    }
}

both_backends! {
    async fn sequence_filter_answers_as_a_brute_force_search(app: TestApp) {
        {
            let mut conn = app.state.pool.get().unwrap();
            let opts = hindsight_server::ingest::IngestOptions { timezone: chrono_tz::UTC, restore_deleted: false };
            hindsight_server::demo::load(&mut conn, 300, 7, &opts, |_| {}).unwrap();
        }
        let mut conversations: BTreeMap<String, Vec<Step>> = BTreeMap::new();
        {
            let mut conn = app.state.pool.get().unwrap();
            let rows: Vec<(String, String, String)> = events::table
                .inner_join(conversations::table)
                .order((events::conversation_id, events::seq))
                .select((conversations::sender_id, events::type_name, events::data))
                .load(&mut *conn)
                .unwrap();
            let mut by_sender: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
            for (sender, type_name, data) in rows {
                by_sender.entry(sender).or_default().push((type_name, serde_json::from_str(&data).unwrap()));
            }
            for (sender, events) in by_sender {
                conversations.insert(sender, steps_of(&events));
            }
        }
        let vocabulary = Vocabulary::of(&conversations);
        let mut rng = StdRng::seed_from_u64(14);
        let (mut checked, mut nonempty) = (0, 0);
        while checked < 250 {
            let text = vocabulary.pattern(&mut rng);
            let Ok(pattern) = text.parse::<SequencePattern>() else { continue };
            let expected: Vec<String> = conversations
                .iter()
                .filter(|(_, steps)| follows(steps, &pattern))
                .map(|(sender, _)| sender.clone())
                .collect();
            let query = format!("seq={}", urlencode(&text));
            let got = app.all_ids(&query).await;
            assert_eq!(got, expected, "seq={text}\nregex: {}", hindsight_server::sequence::to_regex(&pattern));
            if checked % 25 == 0 {
                assert_eq!(app.count(&query).await, expected.len() as i64, "count of seq={text}");
            }
            checked += 1;
            nonempty += usize::from(!expected.is_empty() && expected.len() < conversations.len());
        }
        // The random patterns must discriminate, not all match nothing (or everything).
        assert!(nonempty >= 60, "only {nonempty} of {checked} patterns matched some but not all");

        // Combined with another filter, and the canonical pattern in a saved filter's query.
        let both = app.all_ids("seq=intent%3A*%20%3E%20end&channel=rest").await;
        let seq_only = app.all_ids("seq=intent%3A*%20%3E%20end").await;
        assert!(both.iter().all(|id| seq_only.contains(id)));
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

both_backends! {
    async fn a_wrong_pattern_is_a_400_pointing_at_the_character(app: TestApp) {
        for (pattern, at) in [("intent:greet%20%3E%20acton:x", "at character 16"), ("intent:greet%20%3E", "at character 15"), ("confidence%3C2", "at character 12")] {
            let (status, body) = app.get(&format!("/api/conversations?seq={pattern}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{pattern}: {body}");
            assert_eq!(body["error"]["code"], "invalid_parameter");
            assert_eq!(body["error"]["field"], "seq");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains(at), "{pattern}: {message}");
        }
        // The server still serves, and an empty pattern is no filter.
        let (status, _) = app.get("/api/conversations?seq=").await;
        assert_eq!(status, StatusCode::OK);
    }
}
