//! What Discover's groups are worth (issue 15): the shipped paraphrase families
//! (`samples/discover/goals.json`) expanded into messages of known goals, a fifth of them
//! noise, grouped as a run groups its candidates and scored against the goals. Pure
//! computation in this process, no server: the same for both backends.

use std::fmt::Write;
use std::time::Instant;

use hindsight_server::discover::{self, labelled::Families, quality};

/// The families file, built into the bench so that it runs from any directory.
const FAMILIES: &str = include_str!("../../../samples/discover/goals.json");
/// Share of the messages that belong to no goal.
const NOISE: f64 = 0.2;
/// The expansion's seed.
const SEED: u64 = 15;

/// One grouping measured.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct QualityResult {
    /// Messages grouped.
    pub messages: usize,
    /// Goals among them.
    pub goals: usize,
    /// Groups found.
    pub groups: usize,
    /// Seconds the grouping took (one core).
    pub seconds: f64,
    /// The groups against the goals.
    pub quality: quality::Quality,
}

/// Groups `sizes` messages each and scores them.
pub fn measure_discover_quality(sizes: &[usize]) -> anyhow::Result<Vec<QualityResult>> {
    let families = Families::parse(FAMILIES)?;
    Ok(sizes
        .iter()
        .map(|&n| {
            let set = families.expand(n, NOISE, SEED);
            let texts: Vec<&str> = set.texts.iter().map(String::as_str).collect();
            let started = Instant::now();
            let groups = discover::group(&texts, &Default::default());
            let seconds = started.elapsed().as_secs_f64();
            let members: Vec<Vec<usize>> = groups.into_iter().map(|g| g.members).collect();
            QualityResult {
                messages: n,
                goals: families.goals.len(),
                groups: members.len(),
                seconds,
                quality: quality::quality(&set.truth, &members),
            }
        })
        .collect())
}

/// The report's section.
pub fn discover_quality_section(o: &mut String, results: &[QualityResult]) {
    let _ = writeln!(
        o,
        "\n## Discover: what the groups are worth\n\nThe paraphrase families of `samples/discover/goals.json` (goals the sample assistant does not handle, 8 phrasings each with slots, written for Hindsight) expanded into messages with openings, closings, capitals and typos (seed {SEED}), {:.0} % of them noise, grouped as a run groups its candidates and scored against their goals (`hindsight_server::discover::quality`). Purity: of the grouped messages, the share of their group's most frequent goal (noise counting as one). Grouped: of the goals' messages, the share in any group. Adjusted Rand index: between goals and groups, over the goals' messages grouped (1 when the groups are the goals).\n",
        NOISE * 100.0
    );
    // The quality's columns and their precision: `Quality::figures`, as the examples print.
    if let Some(first) = results.first() {
        let names: Vec<&str> = first.quality.figures().iter().map(|(n, _)| *n).collect();
        let _ = writeln!(
            o,
            "| messages | goals | groups | grouping | {} |",
            names.join(" | ")
        );
        let _ = writeln!(o, "|---|---|---|---|{}", "---|".repeat(names.len()));
    }
    for r in results {
        let values: Vec<String> = r.quality.figures().into_iter().map(|(_, v)| v).collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} | {:.1} s | {} |",
            r.messages,
            r.goals,
            r.groups,
            r.seconds,
            values.join(" | ")
        );
    }
    let _ = writeln!(
        o,
        "\nGroups are by wording: a goal asked in eight different wordings comes out as about eight groups, each pure, which is what keeps the adjusted Rand index low while purity and the share grouped are high. Word and character n-grams cannot tell paraphrases of one goal from neighbouring goals well enough to merge them (README, Discover), so a reviewer labels a goal's groups with one intent."
    );
}
