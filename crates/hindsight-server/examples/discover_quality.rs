//! How well Discover's grouping finds the goals of the shipped paraphrase families
//! (`samples/discover/goals.json`, issue 15): `N` messages (default 10,000), a fifth of them
//! noise, grouped as a run groups its candidates and measured against their goals. Not a
//! test: a measurement.
//!
//! ```sh
//! cargo run --release -p hindsight-server --example discover_quality -- 10000
//! ```

use hindsight_server::discover::{self, labelled::Families, quality};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(10_000, |s| s.parse().expect("a number of messages"));
    let families = Families::parse(include_str!("../../../samples/discover/goals.json"))
        .expect("the shipped families parse");
    let set = families.expand(n, 0.2, 15);
    let refs: Vec<&str> = set.texts.iter().map(String::as_str).collect();
    let started = std::time::Instant::now();
    let groups = discover::group(&refs, &Default::default());
    let elapsed = started.elapsed();
    let members: Vec<Vec<usize>> = groups.iter().map(|g| g.members.clone()).collect();
    let q = quality::quality(&set.truth, &members);
    println!(
        "{n} messages, {} goals: {} groups in {elapsed:.2?}; {q}",
        families.goals.len(),
        groups.len(),
    );
    for g in &groups {
        let mut goals: std::collections::HashMap<Option<usize>, usize> = Default::default();
        for &m in &g.members {
            *goals.entry(set.truth[m]).or_default() += 1;
        }
        let mut goals: Vec<(Option<usize>, usize)> = goals.into_iter().collect();
        goals.sort_by_key(|g| std::cmp::Reverse(g.1));
        let named: Vec<String> = goals
            .iter()
            .take(3)
            .map(|(g, c)| {
                format!(
                    "{}×{c}",
                    g.map_or("noise", |g| families.goals[g].name.as_str())
                )
            })
            .collect();
        println!("  {:>5} {:?} {}", g.members.len(), g.terms, named.join(" "));
    }
}
