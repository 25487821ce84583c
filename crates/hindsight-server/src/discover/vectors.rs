//! TF-IDF vectors of distinct folded texts, projected to a few dense dimensions.
//!
//! Each text's words (and word pairs) and its character n-grams make two TF-IDF blocks
//! (sublinear term frequency, smoothed inverse document frequency over every message, a
//! repeated text counting as often as it was sent), each normalised to half the vector's
//! weight, so the many character n-grams do not drown the words. The sparse vector is then
//! multiplied by a sparse random projection (each feature adds ±1/√4 to four dimensions
//! chosen by its hash: Achlioptas' construction, computed from the hash instead of stored)
//! and normalised again: the Euclidean distance of two projected vectors then approximates
//! their cosine distance (`d² = 2 − 2·cos`), which a density clustering's tree can index.

use std::collections::HashMap;

use super::text::{features, Kind};

/// Nonzero entries of each feature's column in the random projection.
const PROJECTION_NONZEROS: u64 = 4;

/// Inverse document frequencies of every feature seen, and the dense vectors.
#[derive(Debug, Default)]
pub struct Vectors {
    /// Dimensions of each dense vector.
    pub dims: usize,
    /// The dense vectors, `dims` numbers each, one per text, unit length (or zero for a text
    /// without features).
    pub data: Vec<f32>,
    /// Smoothed inverse document frequency of each feature.
    pub idf: HashMap<u64, f32>,
    /// The sparse TF-IDF vectors before projection (unit length, sorted by feature): exact
    /// cosines where the projection's noise (about 1/√dims) would matter.
    pub sparse: Vec<Vec<(u64, f32)>>,
}

impl Vectors {
    /// The dense vector of text `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dims..(i + 1) * self.dims]
    }
}

/// A feature's term frequencies in one text, sorted by id.
fn term_counts(folded: &str) -> Vec<(u64, Kind, u32)> {
    let mut all: Vec<(u64, Kind)> = Vec::new();
    features(folded, |f| all.push((f.id, f.kind)));
    all.sort_unstable_by_key(|(id, _)| *id);
    let mut counts: Vec<(u64, Kind, u32)> = Vec::with_capacity(all.len());
    for (id, kind) in all {
        match counts.last_mut() {
            Some((last, _, n)) if *last == id => *n += 1,
            _ => counts.push((id, kind, 1)),
        }
    }
    counts
}

/// SplitMix64: the `j`-th pseudo-random number of a feature's projection column.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn normalise(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// The vectors of distinct folded texts, `counts[i]` being how many messages said text `i`.
pub fn vectorise(texts: &[&str], counts: &[u32], dims: usize) -> Vectors {
    let terms: Vec<Vec<(u64, Kind, u32)>> = texts.iter().map(|t| term_counts(t)).collect();
    let mut df: HashMap<u64, f64> = HashMap::new();
    for (t, &n) in terms.iter().zip(counts) {
        for (id, _, _) in t {
            *df.entry(*id).or_default() += f64::from(n);
        }
    }
    let total: f64 = counts.iter().map(|&n| f64::from(n)).sum();
    let idf: HashMap<u64, f32> = df
        .into_iter()
        .map(|(id, d)| (id, (((1.0 + total) / (1.0 + d)).ln() + 1.0) as f32))
        .collect();
    let mut data = vec![0f32; texts.len() * dims];
    let mut sparse = Vec::with_capacity(texts.len());
    let mut weights: Vec<(u64, Kind, f32)> = Vec::new();
    for (i, t) in terms.iter().enumerate() {
        weights.clear();
        weights.extend(
            t.iter()
                .map(|&(id, kind, tf)| (id, kind, (1.0 + (tf as f32).ln()) * idf[&id])),
        );
        // Each block to length √½, so the whole sparse vector has length 1.
        for kind in [Kind::Word, Kind::Chars] {
            let norm = weights
                .iter()
                .filter(|w| w.1 == kind)
                .map(|w| w.2 * w.2)
                .sum::<f32>()
                .sqrt();
            if norm > 0.0 {
                let scale = std::f32::consts::FRAC_1_SQRT_2 / norm;
                weights
                    .iter_mut()
                    .filter(|w| w.1 == kind)
                    .for_each(|w| w.2 *= scale);
            }
        }
        let row = &mut data[i * dims..(i + 1) * dims];
        let share = 1.0 / (PROJECTION_NONZEROS as f32).sqrt();
        for &(id, _, w) in &weights {
            for j in 0..PROJECTION_NONZEROS {
                let r = mix(id ^ j.wrapping_mul(0xA24B_AED4_963E_E407));
                let dim = (r % dims as u64) as usize;
                let sign = if r >> 63 == 0 { share } else { -share };
                row[dim] += sign * w;
            }
        }
        normalise(row);
        sparse.push(weights.iter().map(|&(id, _, w)| (id, w)).collect());
    }
    Vectors {
        dims,
        data,
        idf,
        sparse,
    }
}

/// Cosine similarity of two unit vectors.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_texts_are_close_and_others_are_not() {
        let texts = [
            "cancel my order",
            "cancel my orders",
            "please cancel my order",
            "what is the weather in zurich",
        ];
        let v = vectorise(&texts, &[1, 1, 1, 1], 128);
        for i in 0..texts.len() {
            assert!((dot(v.row(i), v.row(i)) - 1.0).abs() < 1e-5);
        }
        assert!(dot(v.row(0), v.row(1)) > 0.6, "{}", dot(v.row(0), v.row(1)));
        assert!(dot(v.row(0), v.row(2)) > 0.6, "{}", dot(v.row(0), v.row(2)));
        assert!(
            dot(v.row(0), v.row(3)) < 0.35,
            "{}",
            dot(v.row(0), v.row(3))
        );
    }

    #[test]
    fn a_common_word_weighs_less_than_a_rare_one() {
        let texts = ["the refund", "the delivery", "the invoice", "the password"];
        let v = vectorise(&texts, &[1, 1, 1, 1], 64);
        let the = v.idf[&super::super::text::word_id("the")];
        let refund = v.idf[&super::super::text::word_id("refund")];
        assert!(the < refund, "{the} {refund}");
    }
}
