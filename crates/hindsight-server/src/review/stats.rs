//! The statistics of a queue's findings: an answer's share of the source population with a
//! 95 % interval, and agreement between reviewers.

use std::collections::BTreeMap;

/// The normal quantile of a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A share and its 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The estimate.
    pub share: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// The Wilson score interval of `x` successes in `n` draws of a simple random sample
/// (`None` without draws). Unlike the normal approximation it stays inside [0, 1] and
/// is not empty at 0 % or 100 %.
pub fn wilson(x: i64, n: i64) -> Option<Interval> {
    if n <= 0 {
        return None;
    }
    let (x, n) = (x as f64, n as f64);
    let p = x / n;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half = Z95 / denominator * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(Interval {
        share: p,
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    })
}

/// One stratum of a stratified sample: its population `big_n`, the sampled conversations
/// answered `n`, and of those with the answer `x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stratum {
    /// Conversations in the stratum.
    pub big_n: i64,
    /// Answered in the sample.
    pub n: i64,
    /// With the answer.
    pub x: i64,
}

/// The stratified estimator of a share: `Σ W_h p_h` with `W_h = N_h / N`, and its variance
/// `Σ W_h² (1 − n_h/N_h) p_h (1 − p_h) / (n_h − 1)` (with the finite population
/// correction; `n_h` for `n_h − 1` in a stratum of one answer), the interval
/// ±1.96 standard errors clamped to [0, 1]. Strata without an answer are left out and the
/// weights are those of the strata answered (`None` when none is).
pub fn stratified(strata: &[Stratum]) -> Option<Interval> {
    let answered: Vec<&Stratum> = strata.iter().filter(|s| s.n > 0 && s.big_n > 0).collect();
    let total: i64 = answered.iter().map(|s| s.big_n).sum();
    if total == 0 {
        return None;
    }
    let total = total as f64;
    let (mut share, mut variance) = (0.0, 0.0);
    for s in answered {
        let w = s.big_n as f64 / total;
        let n = s.n as f64;
        let p = s.x as f64 / n;
        share += w * p;
        let fpc = (1.0 - n / s.big_n as f64).max(0.0);
        let dof = if s.n > 1 { n - 1.0 } else { n };
        variance += w * w * fpc * p * (1.0 - p) / dof;
    }
    let half = Z95 * variance.sqrt();
    // The weights sum to 1 up to rounding: keep the share a share.
    let share = share.clamp(0.0, 1.0);
    Some(Interval {
        share,
        low: (share - half).max(0.0),
        high: (share + half).min(1.0),
    })
}

/// The median of `values` (the mean of the two middle ones for an even count).
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// Percent agreement and Cohen's kappa over pairs of answers `(first, second)`:
/// `κ = (p_o − p_e) / (1 − p_e)`, `p_e = Σ_c p_first(c) · p_second(c)`. `None` without
/// pairs; the kappa is `None` when chance agreement is total (`p_e = 1`).
pub fn agreement(pairs: &[(String, String)]) -> Option<(f64, Option<f64>)> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let observed = pairs.iter().filter(|(a, b)| a == b).count() as f64 / n;
    let mut first: BTreeMap<&str, f64> = BTreeMap::new();
    let mut second: BTreeMap<&str, f64> = BTreeMap::new();
    for (a, b) in pairs {
        *first.entry(a).or_default() += 1.0 / n;
        *second.entry(b).or_default() += 1.0 / n;
    }
    let expected: f64 = first
        .iter()
        .map(|(c, p)| p * second.get(c).copied().unwrap_or(0.0))
        .sum();
    let kappa = (expected < 1.0 - 1e-12).then(|| (observed - expected) / (1.0 - expected));
    Some((observed, kappa))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-4
    }

    #[test]
    fn wilson_matches_the_textbook() {
        // 3 of 10: Wilson 95 % is 0.1078 to 0.6032.
        let i = wilson(3, 10).unwrap();
        assert!(close(i.low, 0.1078) && close(i.high, 0.6032), "{i:?}");
        // 0 of 10: 0 to 0.2775.
        let i = wilson(0, 10).unwrap();
        assert!(close(i.low, 0.0) && close(i.high, 0.2775), "{i:?}");
        assert!(wilson(0, 0).is_none());
    }

    #[test]
    fn kappa_of_a_two_by_two_table() {
        // 10 pairs: 4 yes/yes, 4 no/no, 1 yes/no, 1 no/yes. p_o = 0.8; p_e = .5·.5 + .5·.5
        // = 0.5; κ = 0.3 / 0.5 = 0.6.
        let mut pairs = Vec::new();
        for (a, b, k) in [("y", "y", 4), ("n", "n", 4), ("y", "n", 1), ("n", "y", 1)] {
            pairs.extend((0..k).map(|_| (a.to_owned(), b.to_owned())));
        }
        let (po, kappa) = agreement(&pairs).unwrap();
        assert!(close(po, 0.8) && close(kappa.unwrap(), 0.6));
    }

    #[test]
    fn the_median_of_an_even_count_is_the_middle_mean() {
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
    }
}
