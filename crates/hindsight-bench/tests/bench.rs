//! The benchmark's code path, small (`hindsight-bench` at 1,000,000 conversations is `just
//! bench`): it loads demo data into both backends, measures every figure and writes the report,
//! so the bench cannot rot. `cargo test --workspace` (`just test`) runs it.

use hindsight_bench::{figures, run, BenchOptions};

#[test]
fn bench_writes_a_sane_report_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = BenchOptions::small(1_500, 3, dir.path().to_path_buf());
    // The bench binary's own `serve`: the server from `hindsight_server`, as a child process.
    opts.server_exe = Some(env!("CARGO_BIN_EXE_hindsight-bench").into());
    opts.postgres_url = std::env::var("HINDSIGHT_TEST_POSTGRES_URL").ok();
    assert!(
        opts.postgres_url.is_some(),
        "run with `just test`, which starts PostgreSQL"
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
        "Inbox view (page + total + 4 tab counts",
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
    ] {
        assert!(
            report.contains(needle),
            "the report has {needle:?}:\n{report}"
        );
    }
}
