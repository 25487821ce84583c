//! PostgreSQL's plans of the inbox figures it misses (issue 12: "check the plans it picks,
//! `EXPLAIN` in the bench report for each miss"): for each filter whose view, first page or
//! count misses a target — its own, the ratio to the hand-written SQL, or 2× SQLite — the
//! plan of the statement the API runs for it, measured in the same run.

use std::fmt::Write as _;

use super::target::{Compared, PG_FACTOR, RATIO};
use super::*;

/// Which of a PostgreSQL filter's figures miss, each with why.
fn missed(pg: &BackendResult, f: &FilterResult, sqlite: Option<&FilterResult>) -> Vec<String> {
    let mut why = Vec::new();
    if has_view(pg) && f.view.p95 > view_target(pg) {
        why.push(format!(
            "view p95 {:.1} ms > {:.0}",
            f.view.p95,
            view_target(pg)
        ));
    }
    if f.page.p95 > page_target(pg, f) {
        why.push(format!(
            "page p95 {:.1} ms > {:.0}",
            f.page.p95,
            page_target(pg, f)
        ));
    }
    if f.count.p95 > count_target(pg, f) {
        why.push(format!(
            "count p95 {:.1} ms > {:.0}",
            f.count.p95,
            count_target(pg, f)
        ));
    }
    for (compared, what) in [(Compared::Page, "page"), (Compared::Count, "count")] {
        if compared.has_ratio_target(f) && compared.ratio(f) > RATIO {
            why.push(format!(
                "{what} {:.2}× the hand-written SQL",
                compared.ratio(f)
            ));
        }
    }
    if let Some(s) = sqlite {
        for (what, pg_p95, sqlite_p95) in [
            ("page", f.page.p95, s.page.p95),
            ("count", f.count.p95, s.count.p95),
        ] {
            if pg_p95 > PG_FACTOR * sqlite_p95.max(0.5) {
                why.push(format!(
                    "{what} p95 {pg_p95:.1} ms, SQLite's {sqlite_p95:.1}"
                ));
            }
        }
    }
    why
}

/// The `Execution Time` a plan reports, in ms.
fn execution_ms(plan: &str) -> Option<f64> {
    plan.lines()
        .find_map(|l| l.strip_prefix("Execution Time: "))
        .and_then(|rest| rest.trim_end_matches(" ms").parse().ok())
}

/// The section: a collapsed block per filter that misses, with both plans.
pub(super) fn plans_section(o: &mut String, results: &[BackendResult]) {
    let Some(pg) = results.iter().find(|r| r.backend == "postgres") else {
        return;
    };
    let sqlite = results.iter().find(|r| r.backend == "sqlite");
    let mut blocks = Vec::new();
    for f in &pg.filters {
        let Some(plans) = &f.plans else { continue };
        let twin = sqlite.and_then(|s| s.filters.iter().find(|x| x.name == f.name));
        let why = missed(pg, f, twin);
        if why.is_empty() {
            continue;
        }
        let ran = |plan: &str| {
            execution_ms(plan).map_or("no statement".to_owned(), |ms| format!("{ms:.1} ms"))
        };
        blocks.push(format!(
            "<details><summary><b>{}</b> (<code>{}</code>): {}; the statements ran in {} (rows) and {} (count)</summary>\n\nThe first page's rows:\n\n```\n{}\n```\n\nThe exact count:\n\n```\n{}\n```\n\n</details>\n",
            f.name,
            query_shown(&f.query),
            why.join("; "),
            ran(&plans.page),
            ran(&plans.count),
            plans.page,
            plans.count
        ));
    }
    if blocks.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\n## PostgreSQL's plans of the inbox figures it misses\n"
    );
    let _ = writeln!(o, "`EXPLAIN (ANALYZE, BUFFERS)` of the statements the API runs for each filter with a missed view, page or count figure (its target, the ratio to the hand-written SQL, or 2× SQLite), built by the server's own functions (`db::conversations::explain_page`, `explain_count`) on a connection with the serving settings, the count under the planner settings the exact count sets; taken after the filter's timed runs, so the data is in memory as it was for them. The page's plan is the rows' statement only: the density sample that chose it, and the tags, intents and actions of the rows, are statements of their own. `EXPLAIN ANALYZE` times each node, which adds to a statement's time. Where a statement runs in far less than its figure, the time is spent around it (those other statements, the round trips, the request), not in the plan.\n");
    for b in blocks {
        let _ = writeln!(o, "{b}");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_execution_time_is_read_from_the_plan() {
        let plan = "Limit  (cost=0.29..9.75 rows=51 width=139)\nPlanning Time: 0.063 ms\nExecution Time: 12.5 ms";
        assert_eq!(super::execution_ms(plan), Some(12.5));
        assert_eq!(
            super::execution_ms("(read from the maintained counts)"),
            None
        );
    }
}
