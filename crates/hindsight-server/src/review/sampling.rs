//! Which of a source's conversations a queue samples, deterministically for a seed.
//!
//! A conversation's hash is `xxh3_64(sender_id, seed)`: the same conversation gets the same
//! hash in every database and every run, so a queue made again from the same source and
//! seed samples the same conversations. A share takes the conversations whose hash, scaled
//! to [0, 1), is below it (a Bernoulli sample, each conversation independently); a count
//! takes the stratum's conversations of the smallest hashes (a simple random sample of that
//! size); conversations joining later (a queue following imports) are taken while the
//! stratum holds fewer sampled than its count, the smallest hashes first among those joining
//! together. The hash is also the order conversations are handed out in, so the part of a
//! sample reviewed so far is itself a random sample.

use std::collections::HashMap;

use hindsight_types::{Sampling, StratifyBy, StratumRule};

/// A conversation offered to the queue: internal id, sender id, its value of what the rule
/// stratifies by ([`stratify_by`]).
pub type Candidate = (i64, String, Option<String>);

/// What the rule decided for one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Internal id.
    pub id: i64,
    /// Its stratum's value (`""` without stratification, or without a value).
    pub stratum: String,
    /// Taken for review.
    pub sampled: bool,
    /// Hand-out order.
    pub rank: i64,
}

fn seed_of(rule: &Sampling) -> u64 {
    match rule {
        Sampling::All => 0,
        Sampling::Share { seed, .. } | Sampling::Stratified { seed, .. } => *seed,
    }
}

/// The conversation's hash under the rule's seed.
pub fn hash(seed: u64, sender_id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(sender_id.as_bytes(), seed)
}

/// The hash scaled to [0, 1) (its top 53 bits: every value exact in an f64).
pub fn unit(hash: u64) -> f64 {
    (hash >> 11) as f64 / (1u64 << 53) as f64
}

/// What the rule stratifies by, if it does.
pub fn stratify_by(rule: &Sampling) -> Option<StratifyBy> {
    match rule {
        Sampling::Stratified { by, .. } => Some(*by),
        _ => None,
    }
}

/// The stratum of a conversation whose value of what the rule stratifies by is `value`.
pub fn stratum_of(rule: &Sampling, value: Option<&str>) -> String {
    match rule {
        Sampling::Stratified { .. } => value.unwrap_or_default().to_owned(),
        _ => String::new(),
    }
}

/// Whether any stratum of the rule takes a count: what it samples then depends on what the
/// queue sampled before.
pub fn has_counts(rule: &Sampling) -> bool {
    match rule {
        Sampling::Stratified { count, strata, .. } => {
            count.is_some() || strata.values().any(|r| r.count.is_some())
        }
        _ => false,
    }
}

/// The rule of one stratum: its override, else the rule's default.
fn stratum_rule(rule: &Sampling, stratum: &str) -> StratumRule {
    match rule {
        Sampling::All => StratumRule {
            share: Some(1.0),
            count: None,
        },
        Sampling::Share { share, .. } => StratumRule {
            share: Some(*share),
            count: None,
        },
        Sampling::Stratified {
            share,
            count,
            strata,
            ..
        } => strata.get(stratum).copied().unwrap_or(StratumRule {
            share: *share,
            count: *count,
        }),
    }
}

/// Decides for each candidate (new to the queue) whether the rule samples it. `already`:
/// how many conversations of each stratum the queue sampled before (a count is filled up to
/// its number, never past it).
pub fn choose(
    rule: &Sampling,
    candidates: &[Candidate],
    already: &HashMap<String, i64>,
) -> Vec<Choice> {
    let seed = seed_of(rule);
    let mut by_stratum: HashMap<String, Vec<(u64, i64)>> = HashMap::new();
    for (id, sender, value) in candidates {
        by_stratum
            .entry(stratum_of(rule, value.as_deref()))
            .or_default()
            .push((hash(seed, sender), *id));
    }
    let mut out = Vec::with_capacity(candidates.len());
    for (stratum, mut members) in by_stratum {
        let rule = stratum_rule(rule, &stratum);
        // Smallest hash first (ties, which xxh3 makes all but impossible, by id).
        members.sort_unstable();
        let mut room = rule
            .count
            .map(|n| (n - already.get(&stratum).copied().unwrap_or(0)).max(0));
        for (h, id) in members {
            let sampled = match (&mut room, rule.share) {
                (Some(room), _) => {
                    let take = *room > 0;
                    *room -= i64::from(take);
                    take
                }
                (None, Some(share)) => unit(h) < share,
                (None, None) => false,
            };
            out.push(Choice {
                id,
                stratum: stratum.clone(),
                sampled,
                rank: (h >> 1) as i64,
            });
        }
    }
    out.sort_unstable_by_key(|c| c.id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(n: i64, channel: &str) -> Vec<Candidate> {
        (0..n)
            .map(|i| (i, format!("{channel}-{i}"), Some(channel.to_owned())))
            .collect()
    }

    #[test]
    fn a_share_is_deterministic_and_near_its_size() {
        let rule = Sampling::Share {
            share: 0.1,
            seed: 42,
        };
        let all = candidates(10_000, "web");
        let a = choose(&rule, &all, &HashMap::new());
        let b = choose(&rule, &all, &HashMap::new());
        assert_eq!(a, b);
        let n = a.iter().filter(|c| c.sampled).count();
        // Binomial(10,000, 0.1): sd 30; six of them either side.
        assert!((820..=1_180).contains(&n), "{n}");
        let other = Sampling::Share {
            share: 0.1,
            seed: 43,
        };
        assert_ne!(choose(&other, &all, &HashMap::new()), a);
    }

    #[test]
    fn a_count_per_stratum_takes_exactly_that_many_and_fills_up() {
        let rule = Sampling::Stratified {
            by: StratifyBy::Channel,
            seed: 7,
            share: None,
            count: Some(5),
            strata: [(
                "slack".to_owned(),
                StratumRule {
                    share: None,
                    count: Some(2),
                },
            )]
            .into(),
        };
        let mut all = candidates(50, "web");
        all.extend(
            candidates(3, "slack")
                .into_iter()
                .map(|(i, s, c)| (i + 100, s, c)),
        );
        all.push((500, "none".into(), None));
        let chosen = choose(&rule, &all, &HashMap::new());
        let count = |s: &str| {
            chosen
                .iter()
                .filter(|c| c.sampled && c.stratum == s)
                .count()
        };
        assert_eq!((count("web"), count("slack"), count("")), (5, 2, 1));
        let already = HashMap::from([("web".to_owned(), 4)]);
        let more = choose(&rule, &candidates(10, "web"), &already);
        assert_eq!(more.iter().filter(|c| c.sampled).count(), 1);
    }
}
