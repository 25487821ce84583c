//! The path explorer's graph (issue 14), built from conversations' paths: level `i` holds
//! every conversation's `i`-th step, each level's most travelled steps shown and the rest
//! folded into "other"; edges join consecutive levels.

use std::collections::HashMap;

use hindsight_types::sequence::{Condition, SlotValue};
use hindsight_types::{PathEdge, PathGraph, PathNode, PathSettings};

/// What the graph is drawn with.
#[derive(Debug, Clone, Copy)]
pub struct GraphShape {
    /// Levels (steps from the start).
    pub depth: u32,
    /// Steps shown per level before the rest are folded into "other".
    pub branches: u32,
    /// A user message below this intent confidence counts as low confidence.
    pub low_confidence: f64,
}

/// One step of a path as the graph shows it.
struct Step {
    /// As a pattern step: `intent:greet`.
    label: String,
    /// A user message below the low-confidence bound.
    low: bool,
    fallback: bool,
}

/// The steps of one path (see the parent module for its lines), the first `depth` of them,
/// and how many it has in all.
fn steps_of(
    path: &str,
    depth: usize,
    low_bound: (u32, bool),
    fallbacks: &PathSettings,
) -> (Vec<Step>, usize) {
    let lines: Vec<&str> = path.split('\n').filter(|l| !l.is_empty()).collect();
    let steps = lines
        .iter()
        .take(depth)
        .map(|line| {
            let (kind, rest) = line.split_at(1);
            let mut fields = rest.split('\t');
            let name = fields.next().unwrap_or("").to_owned();
            match kind {
                "u" => {
                    let low = fields.next().is_some_and(|c| below(c, low_bound));
                    let fallback = fallbacks.fallback_intents.contains(&name);
                    // A message without an intent is `intent:""`.
                    Step {
                        label: Condition::Intent(name).to_string(),
                        low,
                        fallback,
                    }
                }
                "s" => Step {
                    label: Condition::Slot(
                        name,
                        (fields.next() == Some(super::NULL_FIELD)).then_some(SlotValue::Null),
                    )
                    .to_string(),
                    low: false,
                    fallback: false,
                },
                _ => Step {
                    fallback: fallbacks.fallback_actions.contains(&name),
                    // A bot message no action sent is `action:""`.
                    label: Condition::Action(name).to_string(),
                    low: false,
                },
            }
        })
        .collect();
    (steps, lines.len())
}

/// Whether a path's confidence field (seven digits of millionths and `+` or `=`, or `-`)
/// is below the bound (its millionths and whether a fraction was cut).
fn below(field: &str, bound: (u32, bool)) -> bool {
    let Ok(whole) = field.get(..7).unwrap_or("-").parse::<u32>() else {
        return false;
    };
    let cut = field.ends_with('+');
    (whole, cut) < bound
}

/// `start >> * >> … >> step`: the conversations whose step at `level` is `step`; none when
/// the pattern would be longer than the language allows.
fn prefix(level: usize, steps: &[&str]) -> Option<String> {
    let mut parts = vec!["start"];
    parts.extend(std::iter::repeat_n("*", level));
    parts.extend(steps);
    let text = parts.join(" >> ");
    text.parse::<hindsight_types::SequencePattern>()
        .is_ok()
        .then_some(text)
}

/// The step of a level's "other": `*!(…)`, none of the shown steps. None when a shown step
/// reads as a wildcard (an intent or action named `*` itself: as a pattern it matches more
/// than its node, so "none of them" would match less than "other").
fn other_step(shown: &[(&str, i64)]) -> Option<String> {
    let labels: Vec<&str> = shown.iter().map(|(label, _)| *label).collect();
    if labels.iter().any(|l| l.ends_with(":*")) {
        return None;
    }
    Some(format!("*!({})", labels.join(" | ")))
}

/// The graph of `paths`, the steps `fallbacks` names marked.
pub fn graph(
    paths: &[String],
    shape: GraphShape,
    fallbacks: &PathSettings,
    sampled: bool,
) -> PathGraph {
    let depth = shape.depth as usize;
    let bound = super::confidence_millionths(shape.low_confidence);
    let per_path: Vec<(Vec<Step>, usize)> = paths
        .iter()
        .map(|p| steps_of(p, depth, bound, fallbacks))
        .collect();
    let without_steps = per_path.iter().filter(|(s, _)| s.is_empty()).count() as i64;
    let mut levels: Vec<Vec<PathNode>> = Vec::new();
    // Per level: a step's label → its node's index.
    let mut index: Vec<HashMap<&str, u32>> = Vec::new();
    // Per level: each node's step as a pattern step (none for an "other" that has none).
    let mut node_steps: Vec<Vec<Option<String>>> = Vec::new();
    for level in 0..depth {
        let mut counts: HashMap<&str, i64> = HashMap::new();
        for (steps, _) in &per_path {
            if let Some(step) = steps.get(level) {
                *counts.entry(step.label.as_str()).or_default() += 1;
            }
        }
        if counts.is_empty() {
            break;
        }
        let mut ranked: Vec<(&str, i64)> = counts.into_iter().collect();
        ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let shown = ranked.len().min(shape.branches as usize);
        let folded = ranked.len() > shown;
        let mut nodes: Vec<PathNode> = ranked[..shown]
            .iter()
            .map(|(label, _)| PathNode {
                step: (*label).to_owned(),
                other: false,
                conversations: 0,
                ended: 0,
                low_confidence: 0,
                fallback: false,
                seq: prefix(level, &[label]),
            })
            .collect();
        let mut steps: Vec<Option<String>> = ranked[..shown]
            .iter()
            .map(|(label, _)| Some((*label).to_owned()))
            .collect();
        if folded {
            let step = other_step(&ranked[..shown]);
            nodes.push(PathNode {
                step: "other".to_owned(),
                other: true,
                conversations: 0,
                ended: 0,
                low_confidence: 0,
                fallback: false,
                seq: step.as_deref().and_then(|s| prefix(level, &[s])),
            });
            steps.push(step);
        }
        let at: HashMap<&str, u32> = ranked
            .iter()
            .enumerate()
            .map(|(i, (label, _))| (*label, i.min(shown) as u32))
            .collect();
        for (steps, length) in &per_path {
            let Some(step) = steps.get(level) else {
                continue;
            };
            let node = &mut nodes[at[step.label.as_str()] as usize];
            node.conversations += 1;
            node.ended += i64::from(*length == level + 1);
            node.low_confidence += i64::from(step.low);
            node.fallback |= step.fallback;
        }
        levels.push(nodes);
        index.push(at);
        node_steps.push(steps);
    }
    let mut edge_counts: HashMap<(u32, u32, u32), i64> = HashMap::new();
    for (steps, _) in &per_path {
        for (level, pair) in steps.windows(2).enumerate() {
            let from = index[level][pair[0].label.as_str()];
            let to = index[level + 1][pair[1].label.as_str()];
            *edge_counts.entry((level as u32, from, to)).or_default() += 1;
        }
    }
    let mut edges: Vec<PathEdge> = edge_counts
        .into_iter()
        .map(|((level, from, to), conversations)| {
            let (a, b) = (
                &node_steps[level as usize][from as usize],
                &node_steps[level as usize + 1][to as usize],
            );
            let seq = match (a, b) {
                (Some(a), Some(b)) => prefix(level as usize, &[a, b]),
                _ => None,
            };
            PathEdge {
                level,
                from,
                to,
                conversations,
                seq,
            }
        })
        .collect();
    edges.sort_unstable_by_key(|e| (e.level, e.from, e.to));
    PathGraph {
        conversations: paths.len() as i64,
        sampled,
        without_steps,
        levels,
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHAPE: GraphShape = GraphShape {
        depth: 3,
        branches: 2,
        low_confidence: 0.5,
    };

    fn path(lines: &[&str]) -> String {
        let mut p = String::from("\n");
        for l in lines {
            p.push_str(l);
            p.push('\n');
        }
        p
    }

    #[test]
    fn counts_by_hand() {
        let paths = vec![
            path(&[
                "ugreet\t0900000=\thi",
                "autter_greet\tbutter_greet",
                "ubye\t0400000+\tbye",
            ]),
            path(&["ugreet\t0450000=\thello", "autter_greet\tbutter_greet"]),
            path(&[
                "ugreet\t0950000=\they",
                "aaction_default_fallback",
                "ubye\t-\tx",
                "abye",
            ]),
            path(&["uask\t0300000=\t?", "scity\t\"Oslo"]),
            path(&["uodd\t0990000=\t!"]),
            path(&[]),
        ];
        let g = graph(&paths, SHAPE, &PathSettings::default(), false);
        assert_eq!(g.conversations, 6);
        assert_eq!(g.without_steps, 1);
        assert_eq!(g.levels.len(), 3);
        let level0: Vec<(&str, i64, i64, i64)> = g.levels[0]
            .iter()
            .map(|n| (n.step.as_str(), n.conversations, n.ended, n.low_confidence))
            .collect();
        // Two branches shown (greet 3, then ask and odd tie at 1: by name), odd folded.
        assert_eq!(
            level0,
            vec![
                ("intent:greet", 3, 0, 1),
                ("intent:ask", 1, 0, 1),
                ("other", 1, 1, 0)
            ]
        );
        assert_eq!(g.levels[0][0].seq.as_deref(), Some("start >> intent:greet"));
        assert_eq!(
            g.levels[0][2].seq.as_deref(),
            Some("start >> *!(intent:greet | intent:ask)")
        );
        let level1: Vec<(&str, i64, i64, bool)> = g.levels[1]
            .iter()
            .map(|n| (n.step.as_str(), n.conversations, n.ended, n.fallback))
            .collect();
        assert_eq!(
            level1,
            vec![
                ("action:utter_greet", 2, 1, false),
                ("action:action_default_fallback", 1, 0, true),
                ("other", 1, 1, false),
            ]
        );
        assert_eq!(
            g.levels[1][1].seq.as_deref(),
            Some("start >> * >> action:action_default_fallback")
        );
        // Level 2: bye twice (one ended there); the fourth step is past the depth.
        assert_eq!(g.levels[2].len(), 1);
        assert_eq!(
            (
                g.levels[2][0].conversations,
                g.levels[2][0].ended,
                g.levels[2][0].low_confidence
            ),
            (2, 1, 1)
        );
        let edges: Vec<(u32, u32, u32, i64)> = g
            .edges
            .iter()
            .map(|e| (e.level, e.from, e.to, e.conversations))
            .collect();
        assert_eq!(
            edges,
            vec![
                (0, 0, 0, 2),
                (0, 0, 1, 1),
                (0, 1, 2, 1),
                (1, 0, 0, 1),
                (1, 1, 0, 1)
            ]
        );
        assert_eq!(
            g.edges[0].seq.as_deref(),
            Some("start >> intent:greet >> action:utter_greet")
        );
        assert_eq!(
            g.edges[2].seq.as_deref(),
            Some("start >> intent:ask >> *!(action:utter_greet | action:action_default_fallback)")
        );
    }

    #[test]
    fn steps_without_a_name_link_exactly_their_conversations() {
        let paths = vec![
            path(&["u\t-\tno intent", "a\tbutter_x"]),
            path(&["u\t-\tno intent either", "a\tb"]),
            path(&["ugreet\t0900000=\thi", "autter_greet"]),
            path(&["uodd\t0900000=\t!"]),
        ];
        let g = graph(&paths, SHAPE, &PathSettings::default(), false);
        let level0: Vec<(&str, i64, Option<&str>)> = g.levels[0]
            .iter()
            .map(|n| (n.step.as_str(), n.conversations, n.seq.as_deref()))
            .collect();
        assert_eq!(
            level0,
            [
                ("intent:\"\"", 2, Some("start >> intent:\"\"")),
                ("intent:greet", 1, Some("start >> intent:greet")),
                ("other", 1, Some("start >> *!(intent:\"\" | intent:greet)"))
            ]
        );
        assert_eq!(g.levels[1][0].step, "action:\"\"");
        assert_eq!(
            g.levels[1][0].seq.as_deref(),
            Some("start >> * >> action:\"\"")
        );
        // Each link's pattern finds exactly its node's paths.
        for (level, nodes) in g.levels.iter().enumerate() {
            for node in nodes {
                let pattern: hindsight_types::SequencePattern =
                    node.seq.as_deref().unwrap().parse().unwrap();
                let regex = crate::sequence::to_regex(&pattern);
                let matched = paths
                    .iter()
                    .filter(|p| crate::sequence::path_matches(&regex, p).unwrap())
                    .count() as i64;
                assert_eq!(matched, node.conversations, "level {level}: {}", node.step);
            }
        }
    }

    #[test]
    fn other_has_no_pattern_beside_an_intent_named_like_the_wildcard() {
        let paths = vec![
            path(&["u*\t-\tnamed *"]),
            path(&["u*\t-\tnamed * too"]),
            path(&["ugreet\t0900000=\thi"]),
            path(&["uodd\t0900000=\t!"]),
        ];
        let g = graph(&paths, SHAPE, &PathSettings::default(), false);
        assert_eq!(g.levels[0][2].step, "other");
        assert_eq!(g.levels[0][2].seq, None);
    }
}
