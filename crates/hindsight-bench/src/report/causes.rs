//! Why each figure costs what it costs: the causes the report gives for every miss, from
//! what a filter filters on and from the server's own settings.

use super::*;

/// Why a filter costs what it costs, from what it filters on.
fn filter_cause(f: &FilterResult, all: i64) -> String {
    let q = &f.query;
    if q.contains("text=") && !q.contains("text_mode=substring") {
        format!("word search: the word index (FTS5 unicode61 on SQLite, a GIN index of each conversation's `simple` tsvector on PostgreSQL) lists the messages (SQLite) or conversations (PostgreSQL) holding the word, and an exact count gathers every one of the {} matching conversations from it; a page walks the inbox order testing each conversation when the word is common, and gathers when it is rare", f.total)
    } else if q.contains("text=") {
        format!("substring search: an exact count gathers from the trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL) every user message holding all the word's trigrams, {} conversations here, so its cost follows the matches; a page walks the inbox order testing each conversation when the substring is common (SQLite its path of turns, PostgreSQL its user messages), and gathers when it is rare", f.total)
    } else if q.contains("seq=") {
        format!("sequence pattern: the conversations holding every positive step's feature are gathered from the feature index (more than the {} matches), then each one's path of turns is tested against the pattern, in order (SQLite: the server's matcher as a SQL function, row by row; PostgreSQL: a page tests a `LIKE` over the path, then its own regular expression, several times SQLite's cost per conversation; an exact count lists the candidates, each needed feature's holders in id order joined to the conversations, with PostgreSQL's parallel workers (at a million, 0.26 s for the 254,686 holders of a quarter's intent), then reads their paths by id, 4,000 at a time, on two connections when the pool has a second free, while a third thread tests each batch with SQLite's matcher)", f.total)
    } else if q.contains("start=") || q.contains("until=") {
        "date range: activity overlapping [start, until] is a range on the sort index plus a check of first_event_at in each entry; the newest matches sit behind every conversation active after `until`, whose index entries are read first".into()
    } else if [
        "intent=",
        "action=",
        "entity=",
        "policy=",
        "slot=",
        "tag=",
        "tags_none=",
    ]
    .iter()
    .any(|k| q.contains(k))
    {
        format!("a many-valued filter is a semi-join: the ids of every conversation having the value ({} of {all}) are gathered before they are ordered", f.total)
    } else {
        format!("the {} matches are spread over the whole sort order, so the scan reads many index entries per row kept", f.total)
    }
}

/// How the server answers an inbox view's tab counts, from its own settings so that the
/// report's text cannot go stale.
pub(super) struct TabCountRules {
    /// The default `exact_counts_within_ms`.
    pub within: u64,
    /// The estimate's sample, grouped by thousands.
    pub inbox: String,
    /// The sample of a filter tested slowly row by row (PostgreSQL: text or sequence; SQLite:
    /// sequence).
    pub slow: String,
}

impl TabCountRules {
    pub fn of_server() -> TabCountRules {
        use hindsight_server::db::conversations::SampleSize;
        let sampled = |s: SampleSize| grouped(s.windows * s.ids_per_window);
        TabCountRules {
            within: hindsight_server::config::Config::default().exact_counts_within_ms,
            inbox: sampled(SampleSize::INBOX),
            slow: sampled(SampleSize::INBOX_SLOW_ROWS),
        }
    }
}

/// `n` with a comma between groups of three digits.
pub(crate) fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// Why an inbox view takes longer than its page: how its tab counts are answered on
/// `backend` (`db::conversations::count_by_status_or_estimate`).
fn view_cause(backend: &str) -> String {
    let TabCountRules {
        within,
        inbox,
        slow,
    } = TabCountRules::of_server();
    let counts = if backend == "postgres" {
        format!("its tab counts are counted exactly when that takes at most {within} ms, else estimated from a sample of {inbox} conversations ({slow} for a text or sequence filter) in one statement")
    } else {
        format!(
            "its tab counts are estimated from a sample of {inbox} conversations ({slow} for a sequence filter), every condition tested on each (one the sample finds in {} % or fewer is first counted exactly, for up to {within} ms)",
            hindsight_server::db::conversations::RARE_SHARE * 100.0
        )
    };
    format!("the view waits for the slower of its page and its tab counts, and {counts}; the two requests, the server and the bench's client share the 2 cores")
}

/// Each missed target of a backend: by how much and why.
pub(crate) fn misses(r: &BackendResult) -> Vec<String> {
    let mut out = Vec::new();
    let all = r.filters.first().map_or(0, |f| f.total);
    let view_ms = view_target(r);
    for f in r.filters.iter().filter(|f| f.view.p95 > view_ms) {
        out.push(format!(
            "inbox view `{}` p95 {:.0} ms, {:.1}× the {view_ms:.0} ms target (its page {:.0} ms alone, its exact tabs {:.0} ms): {}.",
            f.name, f.view.p95, f.view.p95 / view_ms, f.page.p95, f.exact_tabs.p95, view_cause(&r.backend)
        ));
    }
    for f in r.filters.iter() {
        let t = page_target(r, f);
        if f.page.p95 > t {
            out.push(format!(
                "first page `{}` p95 {:.0} ms, {:.1}× the {} ms target{} (hand-written SQL {:.0} ms, {:.2}×): {}.",
                f.name, f.page.p95, f.page.p95 / t, grouped(t as i64), kind_of_target(f), f.sql_page.p50, ratio(f.page.p50, f.sql_page.p50), filter_cause(f, all)
            ));
        }
    }
    for f in r.filters.iter() {
        let t = count_target(r, f);
        if f.count.p95 > t {
            out.push(format!(
                "count `{}` p95 {:.0} ms, {:.1}× the {} ms target{} (hand-written SQL {} ms): {}.",
                f.name,
                f.count.p95,
                f.count.p95 / t,
                grouped(t as i64),
                kind_of_target(f),
                match &f.sql_count_serving {
                    Some(serving) => format!(
                        "{:.0} as the API plans it, {:.0} under the serving settings",
                        f.sql_count.p50, serving.p50
                    ),
                    None => format!("{:.0}", f.sql_count.p50),
                },
                filter_cause(f, all)
            ));
        }
    }
    let (over, _) = Compared::Page.over_ratio(r);
    if !over.is_empty() {
        out.push(format!(
            "page over 1.5× the hand-written SQL where the SQL takes ≥ 2 ms, for {} ({}): besides its rows, the API's page decides how to read them (the facet counts, and for a sequence pattern or an uncommon substring a density sample of the order: on PostgreSQL a glance at 64 conversations first, then 192 and 768 more while the choice stays open: at a million the \"never\" pattern's sample of 256 paths was 3 – 4 ms of its 10 ms page over HTTP, its rows' query 4 – 5 ms) and reads their tags, intents and actions (one statement, 0.5 – 0.8 ms), which the SQL does not; or its query shape or plan differs.",
            filters(over.len()),
            over.iter().map(|f| Compared::Page.versus(f)).collect::<Vec<_>>().join("; "),
        ));
    }
    let (counts_over, _) = Compared::Count.over_ratio(r);
    if !counts_over.is_empty() {
        out.push(format!(
            "count over 1.5× the hand-written SQL where the SQL takes ≥ 2 ms, for {} ({}): the API's query shape or its plan differs.",
            filters(counts_over.len()),
            counts_over.iter().map(|f| Compared::Count.versus(f)).collect::<Vec<_>>().join("; "),
        ));
    }
    let first = r.filters.first().map_or(0.0, |f| f.page.p95);
    if r.deep_page.p95 > target::RATIO * first.max(1.0) {
        out.push(format!(
            "deep page {} p95 {:.1} ms, {:.1}× the first page's {:.1} ms (the target is 1.5×).",
            r.deep_page_number,
            r.deep_page.p95,
            r.deep_page.p95 / first.max(0.01),
            first
        ));
    }
    for (what, s, t) in [
        ("conversation open", &r.open, target::OPEN_MS),
        ("story and slots", &r.story, target::OPEN_MS),
        ("facets", &r.facets, target::FACETS_MS),
        ("bulk tag", &r.bulk, target::BULK_MS),
    ] {
        if s.p95 > t {
            out.push(format!(
                "{what} p95 {:.0} ms, {:.1}× the {t:.0} ms target.",
                s.p95,
                s.p95 / t
            ));
        }
    }
    if let Some(t) = &r.training {
        out.extend(training_misses(t));
    }
    if let Some(e) = &r.conversation_export {
        out.extend(export_misses(e));
    }
    if let Some(q) = &r.queues {
        out.extend(queue_misses(q));
    }
    if let Some(d) = &r.discover {
        out.extend(discover_misses(d, view_target(r)));
    }
    if r.import_events_per_s < target::IMPORT_EPS {
        out.push(format!(
            "import {:.0} events/s, {:.0} % of the 50,000 target. Per event the ingest path parses the JSON once and hashes its canonical form (re-imports match on the hash), keeps the raw JSON ({:.0} bytes per event on disk in all, with indexes), writes the event row (SQLite: 2,000-row INSERTs; PostgreSQL: binary COPY), its unique (conversation, seq) index, the conversation's filter features and the two text indexes of user messages (words and trigrams). The bench process generates the demo JSON on one of the same 2 cores. Where the time goes, profiled with perf: `bench/IMPORT-PROFILE.md`.",
            r.import_events_per_s,
            100.0 * r.import_events_per_s / target::IMPORT_EPS,
            r.disk_bytes as f64 / r.events.max(1) as f64
        ));
    }
    if let Some(peak) = r.peak_rss_mb.or(r.rss_mb) {
        if peak > target::RSS_MB {
            let why = if r.backend == "sqlite" {
                "the NLU export's working set (100,000 examples held about 150 MB at once until their entities were parsed one at a time) and the pooled connections' SQLite page caches (128 MB between them at most)"
            } else {
                "the server's own memory, not analysed further"
            };
            out.push(format!(
                "server peak RSS {peak:.0} MB, {:.0} MB over: {why}.",
                peak - target::RSS_MB
            ));
        }
    }
    if let Ok(rps) = r.wrk_rps {
        let rps_target = rps_target(r);
        if rps < rps_target {
            out.push(format!("{rps:.0} inbox pages/s, {:.0} % of {}: wrk, the server's workers and the database share the same 2 cores; each page is three queries (rows, their intents/actions, their tags) and 50 rows of JSON.", 100.0 * rps / rps_target, grouped(rps_target as i64)));
        }
    }
    out.extend(broker_misses(&r.broker));
    out
}

/// What follows a target's name in a miss: nothing for the inbox's, " for a sequence
/// pattern" for issue 14's.
fn kind_of_target(f: &FilterResult) -> &'static str {
    if is_sequence(f) {
        " for a sequence pattern"
    } else {
        ""
    }
}

/// "1 filter", "2 filters".
fn filters(n: usize) -> String {
    if n == 1 {
        "1 filter".into()
    } else {
        format!("{n} filters")
    }
}

/// "0.4 ms", or "0.4–1.2 ms" when the two differ at that precision.
fn ms_range(least: f64, most: f64) -> String {
    let (a, b) = (format!("{least:.1}"), format!("{most:.1}"));
    if a == b {
        format!("{a} ms")
    } else {
        format!("{a}–{b} ms")
    }
}

/// The filters whose SQL takes under [`target::RATIO_MIN_SQL_MS`] and whose ratio is over
/// [`target::RATIO`]: not misses (the target does not apply), said apart so that the
/// report's ratios do not read as unexplained.
pub(crate) fn fixed_cost_notes(r: &BackendResult) -> Vec<String> {
    let mut out = Vec::new();
    for (what, compared) in [("page", Compared::Page), ("count", Compared::Count)] {
        let (_, under) = compared.over_ratio(r);
        if under.is_empty() {
            continue;
        }
        let extra: Vec<f64> = under
            .iter()
            .map(|f| {
                let (api, sql) = compared.p50s(f);
                api - sql
            })
            .collect();
        let least = extra.iter().copied().fold(f64::INFINITY, f64::min);
        let most = extra.iter().copied().fold(0.0, f64::max);
        out.push(format!(
            "{what} over 1.5× the hand-written SQL for {} whose SQL takes under 2 ms ({}). Not misses: the target applies where the SQL takes ≥ 2 ms. The API's extra {} there is the request's fixed cost (HTTP, the filter parsed and the query built by diesel with bound parameters{}).",
            filters(under.len()),
            under.iter().map(|f| compared.versus(f)).collect::<Vec<_>>().join("; "),
            ms_range(least, most),
            match compared {
                Compared::Page => ", three queries for the rows, their intents/actions and their tags, 50 rows of JSON",
                Compared::Count => "",
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(2_048), "2,048");
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert_eq!(grouped(-12_345), "-12,345");
    }

    #[test]
    fn the_suites_sequence_patterns_are_those_the_targets_speak_of() {
        let mut seen = 0;
        for case in suite().iter().filter(|c| c.query.starts_with("seq=")) {
            let (_, pattern) = url::form_urlencoded::parse(case.query.as_bytes())
                .next()
                .expect("seq=");
            let parsed: hindsight_types::SequencePattern = pattern.parse().expect(&pattern);
            assert!(
                parsed.elements.len() <= target::SEQ_MAX_STEPS,
                "{}: {} steps",
                case.name,
                parsed.elements.len()
            );
            seen += 1;
        }
        assert!(seen > 0);
    }

    #[test]
    fn the_view_cause_names_the_servers_settings() {
        let rules = TabCountRules::of_server();
        assert_eq!(rules.inbox, "8,192");
        let cause = view_cause("postgres");
        assert!(
            cause.contains(&format!("at most {} ms", rules.within)),
            "{cause}"
        );
        assert!(cause.contains(&rules.slow), "{cause}");
    }
}
