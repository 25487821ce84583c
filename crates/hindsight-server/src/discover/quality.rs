//! How well a grouping matches known goals, for measurements on labelled messages (issue
//! 15 asks what Discover's groups are worth, not only how fast they come): purity, coverage
//! and the adjusted Rand index. No product code path uses it.

use std::collections::HashMap;

/// A grouping measured against the messages' known labels.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Quality {
    /// Of the messages in groups, the share whose label (noise counting as one) is their
    /// group's most frequent.
    pub purity: f64,
    /// Of the labelled messages, the share in a group at all.
    pub coverage: f64,
    /// Of the labelled messages, the share in a group whose most frequent label is theirs.
    pub recovered: f64,
    /// The adjusted Rand index between labels and groups over the labelled messages in a
    /// group: 1 when the groups are the labels, about 0 for a chance grouping.
    pub ari: f64,
    /// Distinct labels that are some group's most frequent.
    pub labels_found: usize,
    /// Distinct labels among the messages.
    pub labels: usize,
}

impl Quality {
    /// The figures as the measurements show them, each with its name (the bench's table
    /// columns): purity, the shares grouped and in a group of their goal, the adjusted Rand
    /// index, and the goals found.
    pub fn figures(&self) -> [(&'static str, String); 5] {
        [
            ("purity", format!("{:.3}", self.purity)),
            ("grouped", format!("{:.1} %", 100.0 * self.coverage)),
            (
                "in a group of their goal",
                format!("{:.1} %", 100.0 * self.recovered),
            ),
            ("adjusted Rand index", format!("{:.3}", self.ari)),
            (
                "goals found",
                format!("{} of {}", self.labels_found, self.labels),
            ),
        ]
    }
}

/// The named figures on one line: "purity 0.959, grouped 92.6 %, …".
impl std::fmt::Display for Quality {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (name, value)) in self.figures().iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{name} {value}")?;
        }
        Ok(())
    }
}

fn pairs(n: usize) -> f64 {
    let n = n as f64;
    n * (n - 1.0) / 2.0
}

/// The most frequent label among `members` (`None` is noise), ties to the smaller label.
fn majority(truth: &[Option<usize>], members: &[usize]) -> (Option<usize>, usize) {
    let mut counts: HashMap<Option<usize>, usize> = HashMap::new();
    for &m in members {
        *counts.entry(truth[m]).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .unwrap_or((None, 0))
}

/// Measures `groups` (each its members' indices) against `truth` (each message's label;
/// `None`: no goal, noise). A message is in at most one group.
pub fn quality(truth: &[Option<usize>], groups: &[Vec<usize>]) -> Quality {
    let grouped: usize = groups.iter().map(Vec::len).sum();
    let labelled = truth.iter().filter(|t| t.is_some()).count();
    let mut pure = 0;
    let mut recovered = 0;
    let mut found = std::collections::HashSet::new();
    // Contingency of label × group over the labelled messages in a group.
    let mut cells: HashMap<(usize, usize), usize> = HashMap::new();
    let mut by_label: HashMap<usize, usize> = HashMap::new();
    let mut by_group: HashMap<usize, usize> = HashMap::new();
    let mut n = 0;
    for (g, members) in groups.iter().enumerate() {
        let (top, count) = majority(truth, members);
        pure += count;
        if let Some(label) = top {
            found.insert(label);
            recovered += members.iter().filter(|&&m| truth[m] == top).count();
        }
        for &m in members {
            if let Some(label) = truth[m] {
                *cells.entry((label, g)).or_default() += 1;
                *by_label.entry(label).or_default() += 1;
                *by_group.entry(g).or_default() += 1;
                n += 1;
            }
        }
    }
    let index: f64 = cells.values().map(|&c| pairs(c)).sum();
    let rows: f64 = by_label.values().map(|&c| pairs(c)).sum();
    let columns: f64 = by_group.values().map(|&c| pairs(c)).sum();
    let expected = if n > 1 {
        rows * columns / pairs(n)
    } else {
        0.0
    };
    let max = (rows + columns) / 2.0;
    let ari = if max - expected == 0.0 {
        1.0
    } else {
        (index - expected) / (max - expected)
    };
    let share = |part: usize, whole: usize| {
        if whole == 0 {
            0.0
        } else {
            part as f64 / whole as f64
        }
    };
    let labels: std::collections::HashSet<usize> = truth.iter().flatten().copied().collect();
    Quality {
        purity: share(pure, grouped),
        coverage: share(
            groups
                .iter()
                .flatten()
                .filter(|&&m| truth[m].is_some())
                .count(),
            labelled,
        ),
        recovered: share(recovered, labelled),
        ari,
        labels_found: found.len(),
        labels: labels.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worked_example() {
        // Labels 0 0 0 1 1 1 and a noise message; groups {0, 1} and {2, 3, 4, 5, 6}.
        let truth = [Some(0), Some(0), Some(0), Some(1), Some(1), Some(1), None];
        let groups = vec![vec![0, 1], vec![2, 3, 4, 5, 6]];
        let q = quality(&truth, &groups);
        // Majorities: 0 (2 of 2), 1 (3 of 5): 5 of 7 grouped messages.
        assert!((q.purity - 5.0 / 7.0).abs() < 1e-12, "{q:?}");
        assert_eq!(q.coverage, 1.0);
        assert!((q.recovered - 5.0 / 6.0).abs() < 1e-12, "{q:?}");
        assert_eq!((q.labels_found, q.labels), (2, 2));
        // Contingency (label × group) over the six labelled: [[2, 1], [0, 3]].
        // Σ C(n_ij, 2) = 1 + 0 + 0 + 3 = 4; rows C(3,2) + C(3,2) = 6; columns C(2,2) + C(4,2)
        // = 7; expected 6 × 7 / C(6,2) = 2.8; max (6 + 7) / 2 = 6.5; ARI = 1.2 / 3.7.
        assert!((q.ari - 1.2 / 3.7).abs() < 1e-12, "{q:?}");
    }

    #[test]
    fn the_labels_themselves_score_one_and_nothing_grouped_covers_nothing() {
        let truth = [Some(0), Some(0), Some(1), Some(1), None];
        let q = quality(&truth, &[vec![0, 1], vec![2, 3]]);
        assert_eq!(
            (q.purity, q.coverage, q.recovered, q.ari),
            (1.0, 1.0, 1.0, 1.0)
        );
        let half = quality(&truth, &[vec![0, 1]]);
        assert_eq!(
            (half.coverage, half.recovered, half.labels_found),
            (0.5, 0.5, 1)
        );
        let none = quality(&truth, &[]);
        assert_eq!(
            (none.coverage, none.recovered, none.labels_found),
            (0.0, 0.0, 0)
        );
    }
}
