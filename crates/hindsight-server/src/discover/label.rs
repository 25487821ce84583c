//! A group's label: its most characteristic words and word pairs, leaving out the words
//! common to many groups.

use std::collections::{HashMap, HashSet};

use super::text;
use super::vectors::Vectors;

/// Terms of a group's label.
const LABEL_TERMS: usize = 3;

/// The words of each group's messages, each once, with how many messages hold it.
fn word_shares(ks: &[usize], texts: &[&str], counts: &[u32]) -> (HashMap<String, u32>, u32) {
    let mut in_group: HashMap<String, u32> = HashMap::new();
    let mut size = 0u32;
    for &k in ks {
        size += counts[k];
        let words: Vec<&str> = texts[k].split(' ').collect();
        let mut seen: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        seen.extend(words.windows(2).map(|p| p.join(" ")));
        seen.sort();
        seen.dedup();
        for term in seen {
            *in_group.entry(term).or_default() += counts[k];
        }
    }
    (in_group, size)
}

/// Words too common to name a group: in a quarter of the messages of many groups (at least
/// three, and a twentieth of them), as "to", "my" or "can" are in most languages' requests
/// (found from the groups themselves: no list of a language's stop words). With fewer than
/// three groups, none.
pub(super) fn generic_words(
    clusters: &[Vec<usize>],
    texts: &[&str],
    counts: &[u32],
) -> HashSet<String> {
    let mut groups_holding: HashMap<String, usize> = HashMap::new();
    for ks in clusters {
        let (shares, size) = word_shares(ks, texts, counts);
        for (term, n) in shares {
            if !term.contains(' ') && n * 4 >= size {
                *groups_holding.entry(term).or_default() += 1;
            }
        }
    }
    let many = (clusters.len() / 20).max(3);
    groups_holding
        .into_iter()
        .filter(|(_, n)| *n >= many)
        .map(|(w, _)| w)
        .collect()
}

/// The words and word pairs most characteristic of a group: in many of its messages and
/// rare elsewhere (share of the group's messages × inverse document frequency), a term
/// left out when a better one already holds all its words, or when it holds a `generic`
/// word.
pub(super) fn terms(
    ks: &[usize],
    texts: &[&str],
    counts: &[u32],
    vectors: &Vectors,
    generic: &HashSet<String>,
) -> Vec<String> {
    let (in_group, size) = word_shares(ks, texts, counts);
    let mut scored: Vec<(f32, String)> = in_group
        .into_iter()
        // A single letter (`a`, `i`) says nothing alone.
        .filter(|(term, n)| *n * 4 >= size && term.chars().count() > 1)
        .filter(|(term, _)| !term.split(' ').any(|w| generic.contains(w)))
        .map(|(term, n)| {
            let idf = vectors
                .idf
                .get(&text::word_id(&term))
                .copied()
                .unwrap_or(1.0);
            (n as f32 / size as f32 * idf, term)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut chosen: Vec<String> = Vec::new();
    for (_, term) in scored {
        let covered = chosen.iter().any(|c| {
            term.split(' ').all(|w| c.split(' ').any(|cw| cw == w))
                || c.split(' ').all(|w| term.split(' ').any(|tw| tw == w))
        });
        if !covered {
            chosen.push(term);
        }
        if chosen.len() == LABEL_TERMS {
            break;
        }
    }
    chosen
}
