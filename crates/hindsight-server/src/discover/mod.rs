//! Discover (issue 15): grouping the user messages the assistant likely did not handle.
//!
//! Pure computation, no database: [`group`] takes the messages' texts and returns groups of
//! similar ones. Exact duplicates (after folding case, accents and punctuation) are collapsed
//! first, each distinct text vectorised once ([`vectors`]: TF-IDF over words, word pairs and
//! character n-grams, randomly projected to a few dense dimensions), then clustered by
//! HDBSCAN ([`petal_clustering`]: a ball tree and Borůvka's spanning tree), which finds as
//! many groups as the density shows and leaves the rest as noise. A text sent many times
//! enters the clustering up to `min_samples` times, so that repetition counts as density
//! without costing a point per message.

pub mod candidates;
mod label;
pub mod labelled;
pub mod quality;
pub mod text;
pub mod vectors;

use std::collections::{HashMap, HashSet};

use ndarray::Array2;
use petal_clustering::{Fit, HDbscan};
use petal_neighbors::distance::Euclidean;
use petal_neighbors::BallTree;

use label::{generic_words, terms};

/// How the messages are grouped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Fewest messages of a group (HDBSCAN's `min_cluster_size`).
    pub min_group_size: usize,
    /// Neighbours that make a dense point (HDBSCAN's `min_samples`).
    pub min_samples: usize,
    /// Dimensions of the projected vectors.
    pub dims: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_group_size: 5,
            min_samples: 2,
            dims: 64,
        }
    }
}

/// One group of similar messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Indices of its messages in the input, ascending.
    pub members: Vec<usize>,
    /// Its most characteristic words and word pairs, most characteristic first (at most 3).
    pub terms: Vec<String>,
    /// Indices (in the input) of up to 5 messages of distinct texts, closest to the group's
    /// centre first.
    pub representatives: Vec<usize>,
}

/// Representative messages of a group.
pub const REPRESENTATIVES: usize = 5;

/// Groups the messages `texts`: the groups, largest first. A text without a letter or digit
/// is in none.
pub fn group(texts: &[&str], params: &Params) -> Vec<Group> {
    // Distinct folded texts, with the messages saying each.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut distinct: Vec<String> = Vec::new();
    let mut messages: Vec<Vec<usize>> = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let folded = text::fold(t);
        if folded.is_empty() {
            continue;
        }
        let next = distinct.len();
        let k = *index.entry(folded).or_insert_with_key(|f| {
            distinct.push(f.clone());
            messages.push(Vec::new());
            next
        });
        messages[k].push(i);
    }
    drop(index);
    if distinct.is_empty() {
        return Vec::new();
    }
    let counts: Vec<u32> = messages.iter().map(|m| m.len() as u32).collect();
    let refs: Vec<&str> = distinct.iter().map(String::as_str).collect();
    let vectors = vectors::vectorise(&refs, &counts, params.dims);
    let labels = cluster(&vectors, &counts, params);
    let mut by_label: HashMap<usize, Vec<usize>> = HashMap::new();
    for (k, label) in labels.iter().enumerate() {
        if let Some(l) = label {
            by_label.entry(*l).or_default().push(k);
        }
    }
    // HDBSCAN never makes one cluster of everything (its root): when it finds none among
    // few messages, they are one cluster (HDBSCAN's `allow_single_cluster`), which the
    // stray filter below trims to what holds together, or leaves too small.
    if by_label.is_empty() && texts.len() <= MAX_FIT_POINTS {
        by_label.insert(0, (0..distinct.len()).collect());
    }
    let clusters: Vec<Vec<usize>> = by_label
        .into_values()
        .map(|ks| without_strays(ks, &counts, &vectors))
        .filter(|ks| ks.iter().map(|&k| counts[k] as usize).sum::<usize>() >= params.min_group_size)
        .collect();
    let generic = generic_words(&clusters, &refs, &counts);
    let mut groups: Vec<Group> = clusters
        .iter()
        .map(|ks| describe(ks, &refs, &counts, &messages, &vectors, &generic))
        .collect();
    groups.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.members.cmp(&b.members))
    });
    groups
}

/// Most points HDBSCAN is fitted on: its spanning tree costs the square of the points (4,000
/// take about 2 s on one core, 20,000 took minutes).
pub const MAX_FIT_POINTS: usize = 4_000;

/// HDBSCAN's cluster of each distinct text (`None`: noise).
///
/// Each text is a point as often as it was sent, up to `min_samples` times. Beyond
/// [`MAX_FIT_POINTS`] points, HDBSCAN is fitted on a sample of the messages (a frequent text
/// is drawn more often): a group then needs `min_group_size` messages in the sample. Every
/// text left out of the fit or left as noise by it then joins the cluster of its nearest
/// clustered point when it is close to that cluster's centre ([`join_nearest`]).
fn cluster(vectors: &Vectors, counts: &[u32], params: &Params) -> Vec<Option<usize>> {
    let cap = params.min_samples.max(1);
    let points: usize = counts.iter().map(|&n| (n as usize).min(cap)).sum();
    // How many times each text enters the fit.
    let copies: Vec<usize> = if points <= MAX_FIT_POINTS {
        counts.iter().map(|&n| (n as usize).min(cap)).collect()
    } else {
        use rand::SeedableRng;
        // A fixed seed: the same messages give the same groups.
        let mut rng = rand::rngs::StdRng::seed_from_u64(15);
        let mut ends: Vec<usize> = Vec::with_capacity(counts.len());
        let mut total = 0usize;
        for &n in counts {
            total += n as usize;
            ends.push(total);
        }
        let mut drawn = vec![0usize; counts.len()];
        let sample = rand::seq::index::sample(&mut rng, total, MAX_FIT_POINTS.min(total));
        for m in sample.iter() {
            drawn[ends.partition_point(|&e| e <= m)] += 1;
        }
        drawn.into_iter().map(|d| d.min(cap)).collect()
    };
    let mut owner: Vec<usize> = Vec::new();
    let mut data: Vec<f32> = Vec::new();
    for (k, &c) in copies.iter().enumerate() {
        for _ in 0..c {
            owner.push(k);
            data.extend_from_slice(vectors.row(k));
        }
    }
    let rows = owner.len();
    let mut labels = vec![None; counts.len()];
    if rows < params.min_group_size.max(2) {
        return labels;
    }
    let fitted = Array2::from_shape_vec((rows, vectors.dims), data).expect("rows × dims");
    let min_samples = params.min_samples.clamp(1, rows - 1);
    let mut hdbscan = HDbscan {
        alpha: 1.0f32,
        min_samples,
        min_cluster_size: params.min_group_size.max(2),
        metric: Euclidean::default(),
        // Prim's spanning tree over all pairs: faster than Borůvka's on these
        // high-dimensional points, where the ball tree prunes little.
        boruvka: false,
    };
    let (clusters, _noise, _scores) = hdbscan.fit(&fitted, None);
    let mut fitted_label: Vec<Option<usize>> = vec![None; rows];
    for (label, members) in clusters {
        for r in members {
            fitted_label[r] = Some(label);
        }
    }
    // Copies of one text are at distance 0 and so in one cluster; should a copy fall
    // elsewhere, the text goes with its first copy's.
    for (r, label) in fitted_label.iter().enumerate() {
        if labels[owner[r]].is_none() {
            labels[owner[r]] = *label;
        }
    }
    join_nearest(&fitted, &owner, &fitted_label, vectors, &mut labels);
    labels
}

/// Least cosine similarity (exact, of the sparse TF-IDF vectors) of a text left out of the
/// fit, or left as noise by it, to the centre of the cluster of its nearest clustered point,
/// for the text to join that cluster. HDBSCAN keeps only a cluster's dense core: the texts
/// around it that say the same in other words or with a typo, and at 100,000 messages every
/// text outside the sample of [`MAX_FIT_POINTS`], are otherwise noise.
///
/// Measured on the shipped paraphrase families (`examples/discover_quality.rs`): at 100,000
/// messages, 0.25 groups 97.4 % of the goals' messages at purity 0.966, 0.35 96.6 % at
/// 0.987, 0.4 95.9 % at 0.988; without joining, 27.9 %.
const JOIN_SIMILARITY: f32 = 0.35;

/// Gives each text without a cluster (`labels[k]` `None`) the cluster of its nearest
/// clustered fitted point when the text is close enough to that cluster's centre
/// ([`JOIN_SIMILARITY`]).
fn join_nearest(
    fitted: &Array2<f32>,
    owner: &[usize],
    fitted_label: &[Option<usize>],
    vectors: &Vectors,
    labels: &mut [Option<usize>],
) {
    let clustered: Vec<usize> = (0..owner.len())
        .filter(|&r| fitted_label[r].is_some())
        .collect();
    if clustered.is_empty() {
        return;
    }
    // The sparse centres of the clusters, from their distinct texts.
    let mut centres: HashMap<usize, HashMap<u64, f32>> = HashMap::new();
    let mut seen = HashSet::new();
    for &r in &clustered {
        if seen.insert(owner[r]) {
            let centre = centres
                .entry(fitted_label[r].expect("clustered"))
                .or_default();
            for &(id, w) in &vectors.sparse[owner[r]] {
                *centre.entry(id).or_default() += w;
            }
        }
    }
    for centre in centres.values_mut() {
        let norm = centre.values().map(|x| x * x).sum::<f32>().sqrt();
        centre.values_mut().for_each(|x| *x /= norm);
    }
    let points = fitted.select(ndarray::Axis(0), &clustered);
    let tree = BallTree::new(points.view(), Euclidean::default()).expect("non-empty");
    for (k, slot) in labels.iter_mut().enumerate() {
        if slot.is_some() {
            continue;
        }
        let point = ndarray::ArrayView1::from(vectors.row(k));
        let (nearest, _) = tree.query_nearest(&point);
        let label = fitted_label[clustered[nearest]].expect("clustered");
        let centre = &centres[&label];
        let cosine: f32 = vectors.sparse[k]
            .iter()
            .map(|(id, w)| w * centre.get(id).copied().unwrap_or(0.0))
            .sum();
        if cosine >= JOIN_SIMILARITY {
            *slot = Some(label);
        }
    }
}

use vectors::Vectors;

/// Least cosine similarity of a text to its group's centre. In these many dimensions texts
/// sharing nothing are all about as far apart, and HDBSCAN may hang such a stray on the
/// cluster it meets last; the members of a real group share words or pieces of words with
/// the centre of the others well above this.
const MIN_CENTRE_SIMILARITY: f32 = 0.15;

/// The weighted, unit-length centre of the texts `ks`.
fn centre(ks: &[usize], counts: &[u32], vectors: &Vectors) -> Vec<f32> {
    let mut centre = vec![0f32; vectors.dims];
    for &k in ks {
        for (c, x) in centre.iter_mut().zip(vectors.row(k)) {
            *c += x * counts[k] as f32;
        }
    }
    let norm = centre.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        centre.iter_mut().for_each(|x| *x /= norm);
    }
    centre
}

/// The texts of a cluster without those too far from the centre of the other messages: the
/// cosine of the sparse TF-IDF vectors, exact, with one message of the text left out so
/// that a loner does not pull the centre its way (a text sent several times keeps its other
/// copies as support).
fn without_strays(ks: Vec<usize>, counts: &[u32], vectors: &Vectors) -> Vec<usize> {
    let mut sum: HashMap<u64, f32> = HashMap::new();
    for &k in &ks {
        for &(id, w) in &vectors.sparse[k] {
            *sum.entry(id).or_default() += w * counts[k] as f32;
        }
    }
    let sum_norm2: f32 = sum.values().map(|x| x * x).sum();
    ks.into_iter()
        .filter(|&k| {
            let v = &vectors.sparse[k];
            let s_dot_v: f32 = v.iter().map(|(id, w)| sum[id] * w).sum();
            let v_norm2: f32 = v.iter().map(|(_, w)| w * w).sum();
            // |S − v|² and (S − v)·v, from S·v.
            let others2 = sum_norm2 - 2.0 * s_dot_v + v_norm2;
            others2 > 1e-6 && (s_dot_v - v_norm2) / others2.sqrt() >= MIN_CENTRE_SIMILARITY
        })
        .collect()
}

/// A group's members, label and representatives from its distinct texts `ks`.
fn describe(
    ks: &[usize],
    texts: &[&str],
    counts: &[u32],
    messages: &[Vec<usize>],
    vectors: &Vectors,
    generic: &HashSet<String>,
) -> Group {
    let centre = centre(ks, counts, vectors);
    let mut closest: Vec<(f32, usize)> = ks
        .iter()
        .map(|&k| (vectors::dot(&centre, vectors.row(k)), k))
        .collect();
    closest.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let representatives = closest
        .iter()
        .take(REPRESENTATIVES)
        .map(|&(_, k)| messages[k][0])
        .collect();
    let mut members: Vec<usize> = ks
        .iter()
        .flat_map(|&k| messages[k].iter().copied())
        .collect();
    members.sort_unstable();
    Group {
        terms: terms(ks, texts, counts, vectors, generic),
        members,
        representatives,
    }
}

#[cfg(test)]
mod tests;
