//! Labelled messages for measuring Discover's groups (issue 15): the paraphrase families of
//! `samples/discover/goals.json` (goals the sample assistant does not handle, each a list of
//! phrasings with slots) expanded into messages of known goal, with noise that belongs to
//! none. No product code path uses it; the bench and the `discover_speed` example do.
//!
//! A message is an opening, one of its goal's phrasings with each `{slot}` filled, a closing,
//! in the case a user might type it, and now and then a typo (two letters swapped or one
//! dropped), so that a family shares its words as real traffic does, not character for
//! character.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;

/// The families file, as `samples/discover/goals.json` holds it.
#[derive(Debug, Clone, Deserialize)]
pub struct Families {
    /// Values of each slot a phrasing may name (`{city}`).
    pub slots: HashMap<String, Vec<String>>,
    /// What a message may start with (an empty string for nothing).
    pub openings: Vec<String>,
    /// What a message may end with.
    pub closings: Vec<String>,
    /// The goals.
    pub goals: Vec<Goal>,
    /// Messages of no goal.
    pub noise: Vec<String>,
}

/// One goal and its phrasings.
#[derive(Debug, Clone, Deserialize)]
pub struct Goal {
    /// Its name.
    pub name: String,
    /// Ways of asking for it, with `{slot}`s.
    pub phrasings: Vec<String>,
}

/// Messages with their goal (an index into [`Families::goals`]; `None`: noise).
#[derive(Debug, Clone, Default)]
pub struct Labelled {
    /// The messages.
    pub texts: Vec<String>,
    /// Each message's goal.
    pub truth: Vec<Option<usize>>,
}

/// Chance that a message has a typo.
const TYPO: f64 = 0.15;
/// Chance that a message is typed in capitals at its start (as a phone writes it).
const CAPITALISED: f64 = 0.5;

impl Families {
    /// Parses a families file.
    pub fn parse(json: &str) -> serde_json::Result<Families> {
        serde_json::from_str(json)
    }

    /// `n` messages, a share `noise` of them noise and the rest spread evenly over the goals
    /// in random order, the same for the same `seed`.
    pub fn expand(&self, n: usize, noise: f64, seed: u64) -> Labelled {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut out = Labelled::default();
        for _ in 0..n {
            if self.goals.is_empty() || rng.gen_bool(noise.clamp(0.0, 1.0)) {
                let text = pick(&mut rng, &self.noise).to_owned();
                out.texts.push(text);
                out.truth.push(None);
                continue;
            }
            let goal = rng.gen_range(0..self.goals.len());
            let phrasing = pick(&mut rng, &self.goals[goal].phrasings);
            let text = format!(
                "{}{}{}",
                pick(&mut rng, &self.openings),
                self.fill(&mut rng, phrasing),
                pick(&mut rng, &self.closings)
            );
            out.texts.push(typed(&mut rng, &text));
            out.truth.push(Some(goal));
        }
        out
    }

    /// `phrasing` with every `{slot}` replaced by one of the slot's values (an unknown slot
    /// stays as written).
    fn fill(&self, rng: &mut StdRng, phrasing: &str) -> String {
        let mut out = String::with_capacity(phrasing.len() + 16);
        let mut rest = phrasing;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                break;
            };
            out.push_str(&rest[..open]);
            match self.slots.get(&rest[open + 1..close]) {
                Some(values) if !values.is_empty() => out.push_str(pick(rng, values)),
                _ => out.push_str(&rest[open..=close]),
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

fn pick<'a>(rng: &mut StdRng, from: &'a [String]) -> &'a str {
    from.get(rng.gen_range(0..from.len().max(1)))
        .map_or("", String::as_str)
}

/// `text` as a user might type it: capitalised or not, sometimes with a typo inside a word.
fn typed(rng: &mut StdRng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    if rng.gen_bool(TYPO) && chars.len() > 4 {
        let at = rng.gen_range(1..chars.len() - 2);
        if chars[at].is_alphabetic() && chars[at + 1].is_alphabetic() {
            if rng.gen_bool(0.5) {
                chars.swap(at, at + 1);
            } else {
                chars.remove(at);
            }
        }
    }
    if rng.gen_bool(CAPITALISED) {
        if let Some(first) = chars.first_mut() {
            *first = first.to_uppercase().next().unwrap_or(*first);
        }
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn families() -> Families {
        Families::parse(include_str!("../../../../samples/discover/goals.json"))
            .expect("the shipped families parse")
    }

    #[test]
    fn the_shipped_families_expand_every_goal_with_slots_filled() {
        let f = families();
        assert!(f.goals.len() >= 25, "{} goals", f.goals.len());
        let set = f.expand(3_000, 0.2, 1);
        assert_eq!((set.texts.len(), set.truth.len()), (3_000, 3_000));
        assert!(set.texts.iter().all(|t| !t.contains('{')), "a slot left");
        let noise = set.truth.iter().filter(|t| t.is_none()).count();
        assert!((450..750).contains(&noise), "{noise} noise of 3,000");
        for goal in 0..f.goals.len() {
            assert!(set.truth.contains(&Some(goal)), "goal {goal} never drawn");
        }
        // The same seed, the same messages.
        assert_eq!(f.expand(100, 0.2, 1).texts, set.texts[..100]);
    }
}
