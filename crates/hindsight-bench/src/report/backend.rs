//! The report's section of each backend: every figure measured, next to its hand-written
//! SQL.

use std::fmt::Write as _;

use super::*;

/// One backend's section: its import, the inbox suite's table, the other figures, memory,
/// throughput, the event broker, and its notes and mismatches.
pub(super) fn backend_section(o: &mut String, r: &BackendResult) {
    let _ = writeln!(
        o,
        "\n## {} — {} conversations, {} events\n",
        r.backend, r.conversations, r.events
    );
    let _ = writeln!(o, "Import: {:.1} s, **{:.0} events/s**. Size on disk: {:.0} MB, **{:.0} MB per million events**.\n",
        r.import_seconds, r.import_events_per_s, r.disk_bytes as f64 / 1e6, r.disk_bytes as f64 / 1e6 / (r.events.max(1) as f64 / 1e6));
    let _ = writeln!(o, "### The inbox view (page and tab counts in parallel, ≈: the counts were an estimate, with its largest error relative to \"All\"), the tabs counted exactly, the day chart above the list (`/stats`, asked with every view and drawn when it answers); the first page alone (50 rows, `total=false`) and its exact total (`/count`, a separate request)\n");
    let _ = writeln!(o, "| Filter | Query | Matches | View p50 / p95 | Exact tabs p50 / p95 | Day chart p50 / p95 | Page p50 / p95 | SQL page p50 | Ratio | Count p50 / p95 | SQL count p50 | Ratio |");
    let _ = writeln!(
        o,
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for f in &r.filters {
        let _ = writeln!(
            o,
            "| {} | `{}` | {} | {}{} | {} | {} | {} | {:.1} | {:.2}× | {} | {} | {:.2}× |",
            f.name,
            query_shown(&f.query),
            f.total,
            ms(&f.view),
            if f.estimated {
                format!(" ≈ ±{:.1} %", f.estimate_error * 100.0)
            } else {
                String::new()
            },
            ms(&f.exact_tabs),
            ms(&f.day_chart),
            ms(&f.page),
            f.sql_page.p50,
            ratio(f.page.p50, f.sql_page.p50),
            ms(&f.count),
            sql_count_shown(f),
            ratio(f.count.p50, f.sql_count.p50),
        );
    }
    if r.filters.iter().any(|f| f.sql_count_serving.is_some()) {
        let _ = writeln!(o, "\nSQL count: the hand-written count run under the planner settings the API's exact count sets for the filter (parallel workers; for one word alone, joins by lookup), which the ratio compares; in brackets the same SQL under the serving settings.");
    }
    let _ = writeln!(o, "\n### Other figures\n");
    let _ = writeln!(
        o,
        "| Figure | API p50 / p95 (ms) | SQL p50 (ms) | Ratio |\n|---|---:|---:|---:|"
    );
    let _ = writeln!(
        o,
        "| Deep page {} by cursor | {} | {:.1} | {:.2}× |",
        r.deep_page_number,
        ms(&r.deep_page),
        r.sql_deep_page.p50,
        ratio(r.deep_page.p50, r.sql_deep_page.p50)
    );
    let _ = writeln!(
        o,
        "| Open a {}-turn conversation ({} events) | {} | {:.1} | {:.2}× |",
        r.open_turns,
        r.open_events,
        ms(&r.open),
        r.sql_open.p50,
        ratio(r.open.p50, r.sql_open.p50)
    );
    let _ = writeln!(
        o,
        "| Story and slots at its last user message | {} | {:.1} (the events) | {:.2}× |",
        ms(&r.story),
        r.sql_open.p50,
        ratio(r.story.p50, r.sql_open.p50)
    );
    let _ = writeln!(
        o,
        "| Facets | {} | {:.1} | {:.2}× |",
        ms(&r.facets),
        r.sql_facets.p50,
        ratio(r.facets.p50, r.sql_facets.p50)
    );
    let _ = writeln!(o, "| Bulk tag of {} conversations matched by a date filter (`POST /api/conversations/bulk`) | {} | {:.1} | {:.2}× |", r.bulk_size, ms(&r.bulk), r.sql_bulk.p50, ratio(r.bulk.p50, r.sql_bulk.p50));
    if let Some(t) = &r.training {
        training_section(o, t);
    }
    if let Some(e) = &r.conversation_export {
        export_section(o, e);
    }
    if let Some(q) = &r.queues {
        queue_section(o, q);
    }
    if let Some(d) = &r.discover {
        discover_section(o, d);
    }
    let _ = writeln!(
        o,
        "\nServer memory after the suite and the load test: {} (peak {}).",
        r.rss_mb
            .map(|m| format!("{m:.0} MB RSS"))
            .unwrap_or_else(|| "not measurable".into()),
        r.peak_rss_mb
            .map(|m| format!("{m:.0} MB"))
            .unwrap_or_else(|| "n/a".into())
    );
    let _ = writeln!(
        o,
        "HTTP throughput of the first inbox page (wrk -t2 -c32, loopback, same 2 cores): {}.",
        match &r.wrk_rps {
            Ok(v) => format!("**{v:.0} pages/s**"),
            Err(e) => e.clone(),
        }
    );
    broker_section(o, &r.broker);
    for n in &r.notes {
        let _ = writeln!(o, "\nNote: {n}");
    }
    for m in &r.mismatches {
        let _ = writeln!(o, "\n**Mismatch:** {m}");
    }
}

/// The hand-written count's p50 as the table shows it: as the API plans it, and under the
/// serving settings where those differ.
pub(super) fn sql_count_shown(f: &FilterResult) -> String {
    match &f.sql_count_serving {
        Some(serving) => format!("{:.1} ({:.1})", f.sql_count.p50, serving.p50),
        None => format!("{:.1}", f.sql_count.p50),
    }
}
