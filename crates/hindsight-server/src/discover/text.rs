//! A message's text as features: case and accents folded, words, word pairs and the character
//! n-grams inside words, each named by a 64-bit hash.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The kinds of feature, which weigh separately in a message's vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A word or a pair of adjacent words: what a group's label is made of.
    Word,
    /// Three or four characters inside a word (padded with a space at each end), so that
    /// `refund` and `refunds`, or a typo, still share most of their features.
    Chars,
}

/// One feature of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// Its hash (the kind is part of it).
    pub id: u64,
    /// Its kind.
    pub kind: Kind,
}

/// The text in lower case without accents (`Zürich` → `zurich`), every run of characters
/// that are neither letters nor digits one space, without spaces at either end.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

const WORD_SEED: u64 = 0x5157_4f52_4400_0001;
const PAIR_SEED: u64 = 0x5157_4f52_4400_0002;
const CHARS_SEED: u64 = 0x4348_4152_5300_0003;

/// The id of the word (or word pair, `a b`) feature of a folded text.
pub fn word_id(word: &str) -> u64 {
    if word.contains(' ') {
        xxh3_64_with_seed(word.as_bytes(), PAIR_SEED)
    } else {
        xxh3_64_with_seed(word.as_bytes(), WORD_SEED)
    }
}

/// Calls `each` for every feature of a folded text (repeated features repeatedly): its
/// words, its pairs of adjacent words, and the character 3- and 4-grams of each word padded
/// with spaces.
pub fn features(folded: &str, mut each: impl FnMut(Feature)) {
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let mut padded: Vec<char> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        each(Feature {
            id: xxh3_64_with_seed(word.as_bytes(), WORD_SEED),
            kind: Kind::Word,
        });
        if let Some(next) = words.get(i + 1) {
            let pair = format!("{word} {next}");
            each(Feature {
                id: xxh3_64_with_seed(pair.as_bytes(), PAIR_SEED),
                kind: Kind::Word,
            });
        }
        padded.clear();
        padded.push(' ');
        padded.extend(word.chars());
        padded.push(' ');
        let mut buf = [0u8; 16];
        for n in [3usize, 4] {
            for gram in padded.windows(n) {
                let mut len = 0;
                for c in gram {
                    len += c.encode_utf8(&mut buf[len..]).len();
                }
                each(Feature {
                    id: xxh3_64_with_seed(&buf[..len], CHARS_SEED ^ n as u64),
                    kind: Kind::Chars,
                });
            }
        }
    }
}

/// Similarity of two folded texts, 0 to 1: the cosine of their character trigram counts
/// (what tells a user's rephrasing of their previous message).
pub fn similarity(a: &str, b: &str) -> f64 {
    use std::collections::HashMap;
    let grams = |s: &str| {
        let chars: Vec<char> = format!(" {s} ").chars().collect();
        let mut counts: HashMap<String, f64> = HashMap::new();
        for g in chars.windows(3) {
            *counts.entry(g.iter().collect()).or_default() += 1.0;
        }
        counts
    };
    let (ga, gb) = (grams(a), grams(b));
    let dot: f64 = ga
        .iter()
        .filter_map(|(g, x)| gb.get(g).map(|y| x * y))
        .sum();
    let norm = |g: &HashMap<String, f64>| g.values().map(|x| x * x).sum::<f64>().sqrt();
    let denominator = norm(&ga) * norm(&gb);
    if denominator == 0.0 {
        0.0
    } else {
        dot / denominator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_accents_and_punctuation() {
        assert_eq!(
            fold("  Zürich, CAFÉ!!  crème-brûlée "),
            "zurich cafe creme brulee"
        );
        assert_eq!(fold("Ça   va?"), "ca va");
        assert_eq!(fold("…"), "");
        assert_eq!(fold("ﬁle №5"), "file no5");
    }

    #[test]
    fn folded_texts_share_their_features() {
        let collect = |s: &str| {
            let mut v = Vec::new();
            features(&fold(s), |f| v.push(f.id));
            v
        };
        assert_eq!(collect("Crème Brûlée"), collect("creme   brulee"));
        assert_ne!(collect("creme brulee"), collect("brulee creme"));
        let words = {
            let mut v = Vec::new();
            features("ab cd", |f| {
                if f.kind == Kind::Word {
                    v.push(f.id)
                }
            });
            v
        };
        assert_eq!(words, vec![word_id("ab"), word_id("ab cd"), word_id("cd")]);
    }

    #[test]
    fn similarity_tells_a_rephrasing() {
        assert!((similarity("cancel my order", "cancel my order") - 1.0).abs() < 1e-9);
        assert!(similarity("cancel my order", "please cancel my order") > 0.7);
        assert!(similarity("cancel my order", "what is the weather") < 0.2);
        assert_eq!(similarity("", "abc"), 0.0);
    }
}
