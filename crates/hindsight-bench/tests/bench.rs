//! The benchmark's code path, small (`hindsight-bench` at 1,000,000 conversations is `just
//! bench`): it loads demo data into both backends, measures every figure (the event broker's
//! with a backlog of 5,000 events and 3 s of live traffic) and writes the report, so the bench
//! cannot rot. `cargo test --workspace` (`just test`) runs it, with PostgreSQL and RabbitMQ.

use hindsight_bench::{figures, run, BenchOptions};

#[test]
fn bench_writes_a_sane_report_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = BenchOptions::small(1_500, 3, dir.path().to_path_buf());
    // The bench binary's own `serve`: the server from `hindsight_server`, as a child process.
    opts.server_exe = Some(env!("CARGO_BIN_EXE_hindsight-bench").into());
    opts.postgres_url = std::env::var("HINDSIGHT_TEST_POSTGRES_URL").ok();
    opts.amqp_url = std::env::var("HINDSIGHT_TEST_AMQP_URL").ok();
    assert!(
        opts.postgres_url.is_some() && opts.amqp_url.is_some(),
        "run with `just test`, which starts PostgreSQL and RabbitMQ"
    );
    let results = run(&opts, &[]).expect("the bench runs");
    assert_eq!(results.len(), 2);
    for r in &results {
        assert_eq!(r.conversations, 1_500, "{}", r.backend);
        assert!(r.events > 15_000, "{}: {} events", r.backend, r.events);
        assert!(
            r.import_events_per_s > 0.0 && r.disk_bytes > 0,
            "{}",
            r.backend
        );
        assert!(
            r.filters.len() >= 15,
            "{}: the suite has every filter",
            r.backend
        );
        assert!(
            r.mismatches.is_empty(),
            "{}: the API and the SQL disagree: {:?}",
            r.backend,
            r.mismatches
        );
        let all = r.filters[0].total;
        assert_eq!(all, 1_500);
        assert!(
            r.filters.iter().any(|f| f.total == 0),
            "one filter matches nothing"
        );
        assert!(
            r.filters.iter().any(|f| f.total > 0 && f.total < all),
            "filters select"
        );
        assert!(
            r.filters
                .iter()
                .any(|f| f.query.contains("text=") && f.total > 0),
            "text search finds"
        );
        assert!(
            r.open_turns >= 20 && r.open_events > 50,
            "{}: opened a long conversation",
            r.backend
        );
        assert!(r.bulk_size > 0, "{}: the bulk filter matches", r.backend);
        let t = r.training.as_ref().expect("training-data figures");
        assert_eq!(t.loaded, 1_000, "{}: annotations loaded", r.backend);
        // The 4 timed annotations (warm-up + 3 runs) add up to 4 examples of their own.
        assert!(
            (1_000..=1_004).contains(&t.examples) && t.intents > 10 && t.bytes > 20_000,
            "{}: the NLU export: {t:?}",
            r.backend
        );
        let e = r
            .conversation_export
            .as_ref()
            .expect("conversation export figures");
        // The download was checked against the count (a mismatch otherwise, asserted above).
        assert!(
            e.conversations > 1_000 && e.bytes > 100_000 && e.download.runs == 3 && e.rate() > 0.0,
            "{}: the conversation export: {e:?}",
            r.backend
        );
        assert!(
            e.rss_before_mb > 1.0 && e.rss_during_mb >= e.rss_before_mb,
            "{}: memory read during the export: {e:?}",
            r.backend
        );
        let q = r.queues.as_ref().expect("review queue figures");
        // Populations and `next`'s answers were checked (a mismatch otherwise, asserted above).
        assert!(
            q.population > 50 && q.population < 1_500 && q.query.starts_with("channel="),
            "{}: the queue's filter: {q:?}",
            r.backend
        );
        assert!(
            q.fill.runs == 3 && q.next.runs == 3 && q.next.p50 > 0.0,
            "{}: the queue figures: {q:?}",
            r.backend
        );
        // A run over every conversation finished (a failed run fails the bench) with the
        // low-confidence messages of 1,500 conversations, and the views were asked during it.
        let d = r.discover.as_ref().expect("Discover figures");
        assert!(
            d.candidates > 100 && d.candidates < 100_000 && !d.truncated && d.run_seconds > 0.0,
            "{}: the Discover run: {d:?}",
            r.backend
        );
        assert!(
            d.rss_peak_mb >= d.rss_before_mb
                && d.views.len() == 2
                && d.views
                    .iter()
                    .all(|v| v.quiet.runs == 3 && v.during.runs >= 1),
            "{}: Discover's memory and views: {d:?}",
            r.backend
        );
        let b = r.broker.as_ref().expect("event broker figures");
        assert_eq!(
            (b.backlog_events, b.live_events),
            (5_000, 600),
            "{}: {b:?}",
            r.backend
        );
        assert!(
            b.backlog_conversations > 100 && b.events_per_s > 100.0 && b.drain_seconds > 0.0,
            "{}: the backlog drained: {b:?}",
            r.backend
        );
        assert!(
            b.peak_rss_mb
                .is_some_and(|p| p > 1.0 && p >= b.rss_end_mb.unwrap_or(0.0)),
            "{}: memory sampled: {b:?}",
            r.backend
        );
        // 600 events of conversations of about 18 events, 20 under way at once.
        let l = &b.latency;
        assert!(
            b.live_conversations >= 20
                && l.runs as u64 == b.live_conversations
                && b.announced > 0
                && l.p50 > 0.0
                && l.p50 <= l.p95
                && l.p95 < 30_000.0,
            "{}: live latency: {b:?}",
            r.backend
        );
        for (name, s) in figures(r) {
            assert!(
                s.runs == 3 && s.p50 > 0.0 && s.p50 <= s.p95 && s.p95 < 30_000.0,
                "{} {name}: {s:?}",
                r.backend
            );
        }
    }
    // The report can be written again from the kept results, without measuring.
    std::fs::remove_file(dir.path().join("RESULTS.md")).unwrap();
    opts.render_only = true;
    assert_eq!(run(&opts, &[]).expect("render only").len(), 2);
    let report = std::fs::read_to_string(dir.path().join("RESULTS.md")).unwrap();
    for needle in [
        "## What a reviewer waits for",
        "Inbox view (page + tab counts, in parallel)",
        // Scored on the shipped paraphrase families, kept with the results.
        "## Discover: what the groups are worth",
        "### Discover",
        "Server RSS during a Discover run ≤ 1 GB",
        "| 2000 | 30 | ",
        "Exact tabs p50 / p95",
        "## Targets",
        "## Misses",
        "## sqlite",
        "## postgres",
        "events/s",
        "MB per million events",
        "Deep page",
        "Facets",
        "Bulk tag",
        "### Training data",
        "Annotation (intent + one entity) p95 ≤ 20 ms",
        "NLU export of 100,000 annotated examples",
        "### Live from Rasa's event broker",
        "≥ 20,000 events/s sustained from the queue",
        "publish → in `GET /api/conversations` p95 ≤ 1 s",
        "under a backlog of 1,000,000 queued events",
        "after Rasa published its first event",
    ] {
        assert!(
            report.contains(needle),
            "the report has {needle:?}:\n{report}"
        );
    }
}

/// Without RabbitMQ the event broker's rows say "not run" (not a miss), as wrk's does.
#[test]
fn the_report_says_the_broker_was_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let opts = BenchOptions::small(10, 1, dir.path().to_path_buf());
    let r = hindsight_bench::BackendResult {
        backend: "sqlite".into(),
        broker: Err("not run: no RabbitMQ".into()),
        ..Default::default()
    };
    let text = hindsight_bench::report(&opts, &("now".into(), "abc".into()), &[r], &[], &[]);
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("Event broker") || l.contains("event broker"))
        .collect();
    assert!(rows.len() >= 3, "{text}");
    for row in rows.iter().filter(|l| l.starts_with('|')) {
        assert!(row.ends_with("| not run |"), "{row}");
    }
    assert!(text.contains("The event broker figures: not run: no RabbitMQ."));
}

/// A backend kept from an earlier run is labelled with the run that measured it, not with
/// the run whose report kept it (`--keep-previous` used to name the latter).
#[test]
fn a_kept_backend_names_the_run_that_measured_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = BenchOptions::small(10, 1, dir.path().to_path_buf());
    opts.render_only = true;
    let measured = |date: &str, commit: &str| {
        Some(hindsight_bench::Measured {
            date: date.into(),
            commit: commit.into(),
        })
    };
    let sqlite = hindsight_bench::BackendResult {
        backend: "sqlite".into(),
        measured: measured("2026-12-07 02:04 UTC", "269a20c"),
        ..Default::default()
    };
    let postgres = hindsight_bench::BackendResult {
        backend: "postgres".into(),
        measured: measured("2026-12-06 20:01 UTC", "8263365"),
        ..Default::default()
    };
    let saved = serde_json::json!({
        "runs": 1, "seed": 1, "date": "2026-12-07 02:04 UTC", "commit": "269a20c",
        "results": [sqlite, postgres],
    });
    std::fs::write(dir.path().join("RESULTS.json"), saved.to_string()).unwrap();
    hindsight_bench::run(&opts, &[]).unwrap();
    let text = std::fs::read_to_string(dir.path().join("RESULTS.md")).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("kept with `--keep-previous`"))
        .collect();
    assert_eq!(
        kept,
        ["- postgres figures are from an earlier run (2026-12-06 20:01 UTC, commit `8263365`), kept with `--keep-previous`."],
        "{text}"
    );
}
