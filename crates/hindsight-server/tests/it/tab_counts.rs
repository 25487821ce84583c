//! The inbox's tab counts: one request answers what a count per review status did, on the
//! maintained counts and on counted filters; an estimate is marked as one, and where the
//! sample holds every conversation it equals the exact count (every condition's row-by-row
//! form answers as its gathered form).

use hindsight_server::config::Config;
use serde_json::Value;

use crate::both_backends;
use crate::harness::{Db, TestApp};

/// One filter of each kind the inbox offers, alone and combined.
pub const FILTERS: [&str; 32] = [
    "",
    "channel=rest",
    "review_status=reviewed",
    "intent=intent_000",
    "intent=intent_001,intent_002&channel=slack",
    "exclude_intent=intent_000",
    "action=utter_001",
    "exclude_action=utter_000",
    "entity=city",
    "exclude_entity=date",
    "policy=RulePolicy",
    "slot=city",
    "slot=city:berlin",
    "tag=needs-training",
    "tags_all=needs-training,good-example",
    "tags_none=needs-training",
    "flagged=true",
    "has_news=true",
    "annotated=false",
    "misclassified=true",
    "text=want",
    "text=want&text_mode=substring",
    // Capitals and a letter beyond ASCII, and a space: SQLite tests a walked row's path of
    // turns (lower-cased by the server) and gathers from its trigram index (case folded by
    // FTS5): the two must agree.
    "text=M%C3%9CNCHEN&text_mode=substring",
    "text=NT%20I&text_mode=substring",
    "intent=intent_000&text=want",
    "action=utter_001&policy=RulePolicy&min_user_messages=2&text=want",
    "max_intent_confidence=0.5",
    "time_of_day=08:00-12:00",
    "min_user_messages=3&max_user_messages=6",
    "score.outcome=failure",
    // PostgreSQL counts a sequence pattern by reading the candidates' paths in batches.
    "seq=intent%3Aintent_000%20%3E%20%21action%3Autter_000%20%3E%20end",
    "review_status=unread&channel=rest&seq=intent%3A*%20%3E%20action%3Autter_001",
];

/// The filter without its review status, as the tabs count it.
fn without_status(query: &str) -> String {
    query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("review_status="))
        .collect::<Vec<_>>()
        .join("&")
}

fn tab(counts: &Value, key: &str) -> i64 {
    counts[key]
        .as_i64()
        .unwrap_or_else(|| panic!("no {key}: {counts}"))
}

both_backends! {
    async fn tab_counts_equal_a_count_per_review_status(app: TestApp) {
        app.load_demo(600, 1);
        let mut nonzero = 0;
        for query in FILTERS {
            let counts = app.get_ok(&format!("/api/conversations/tab-counts?{query}")).await;
            assert_eq!(counts["exact"], true, "{query}: {counts}");
            let rest = without_status(query);
            let sep = if rest.is_empty() { "" } else { "&" };
            let mut sum = 0;
            for status in ["unread", "saved_for_later", "reviewed"] {
                let count = app.count(&format!("{rest}{sep}review_status={status}")).await;
                assert_eq!(tab(&counts, status), count, "{query}: {status}");
                sum += tab(&counts, status);
            }
            assert_eq!(tab(&counts, "all"), app.count(&rest).await, "{query}: all");
            assert_eq!(sum, tab(&counts, "all"), "{query}");
            nonzero += usize::from(sum > 0);
        }
        // The filters are not all empty on the demo data (the comparisons would prove little).
        assert!(nonzero >= 20, "{nonzero} filters match something");
        let (status, body) = app.get("/api/conversations/tab-counts?estimate=maybe").await;
        assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["field"], "estimate", "{body}");
    }
}

/// With no time to count exactly, the sample answers: on 600 conversations it holds every
/// one, so it is the exact count and says so. A smaller sample (128 of them) is an estimate:
/// marked as one, exact for the unfiltered tabs, near the exact count for the others (the
/// data and the sample are deterministic, so the tolerance is not a matter of luck).
async fn estimates_hold_every_conversation(db: Db) {
    use hindsight_server::db::conversations::{estimate_by_status, SampleSize};
    use hindsight_types::ConversationFilter;
    let config = Config {
        exact_counts_within_ms: 0,
        ..Config::default()
    };
    let app = TestApp::start_with(db, config).await;
    app.load_demo(600, 1);
    let small = SampleSize {
        windows: 8,
        ids_per_window: 16,
    };
    for query in FILTERS {
        let exact = app
            .get_ok(&format!("/api/conversations/tab-counts?{query}"))
            .await;
        let sep = if query.is_empty() { "" } else { "&" };
        let guess = app
            .get_ok(&format!(
                "/api/conversations/tab-counts?{query}{sep}estimate=true"
            ))
            .await;
        assert_eq!(guess, exact, "{query}");

        let filter = ConversationFilter::from_query(query).unwrap();
        let mut conn = app.state.pool.get().unwrap();
        let estimate = estimate_by_status(&mut conn, &filter, small).unwrap();
        assert!(!estimate.complete, "{query}");
        let all = tab(&exact, "all") as f64;
        for (status, n) in &estimate.by_status {
            let off = (n - tab(&exact, status)).abs() as f64;
            if query.is_empty() {
                assert_eq!(off, 0.0, "{status}: {estimate:?} vs {exact}");
            }
            // Two tenths of the whole population: a sample of 128 is small.
            assert!(
                off <= 0.2 * 600.0,
                "{query}: {status}: {estimate:?} vs {exact}"
            );
        }
        let sampled_all: i64 = estimate.by_status.iter().map(|(_, n)| n).sum();
        assert!(
            (sampled_all as f64 - all).abs() <= 0.2 * 600.0,
            "{query}: {estimate:?} vs {exact}"
        );

        // A tiny sample (4 windows of 2 ids), where PostgreSQL looks a common feature up per
        // sampled conversation instead of hashing its holders: its matches are those of the
        // filter applied to the sampled ids themselves.
        let tiny = SampleSize {
            windows: 4,
            ids_per_window: 2,
        };
        let rest = ConversationFilter::from_query(&without_status(query)).unwrap();
        let estimate = estimate_by_status(&mut conn, &rest, tiny).unwrap();
        let last_id: i64 = {
            use diesel::prelude::*;
            use hindsight_server::db::schema::conversations;
            conversations::table
                .select(diesel::dsl::max(conversations::id))
                .first::<Option<i64>>(&mut conn)
                .unwrap()
                .unwrap()
        };
        let step = last_id / tiny.windows;
        let ids: Vec<i64> = (0..tiny.windows)
            .flat_map(|k| (1 + k * step)..(1 + k * step + tiny.ids_per_window))
            .collect();
        let backend = conn.backend();
        let matched: i64 = {
            use diesel::prelude::*;
            hindsight_server::db::conversations::filtered_among(backend, &rest, ids)
                .count()
                .get_result(&mut conn)
                .unwrap()
        };
        assert_eq!(estimate.matched_in_sample, matched, "{query}: tiny sample");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_estimates_hold_every_conversation() {
    estimates_hold_every_conversation(Db::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_estimates_hold_every_conversation() {
    estimates_hold_every_conversation(Db::Postgres).await
}

// Tab counts whose time budget ends anywhere (before, inside or right after a statement,
// its commit included) answer, counted or estimated, on six threads at once, and the
// connection serves its next statement. When PostgreSQL's `statement_timeout` fired as a
// statement ended, the transaction's next statement was cancelled "due to user request":
// a 500, 5 or 6 times in these 1,800 counts before `within` took it for the budget's end.
both_backends! {
    async fn tab_counts_survive_budgets_ending_anywhere(app: TestApp) {
        use diesel::RunQueryDsl;
        use hindsight_server::db::conversations::count_by_status_or_estimate;
        use hindsight_types::ConversationFilter;
        app.load_demo(600, 1);
        let query = "review_status=unread&channel=rest&seq=intent%3A*%20%3E%20action%3Autter_001";
        let filter = ConversationFilter::from_query(query).unwrap();
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let pool = app.state.pool.clone();
                let filter = filter.clone();
                std::thread::spawn(move || {
                    let mut failures = Vec::new();
                    for i in 0..300 {
                        let mut conn = pool.get().unwrap();
                        let limit = std::time::Duration::from_millis(i % 3);
                        if let Err(e) = count_by_status_or_estimate(&mut conn, &filter, limit) {
                            failures.push(format!("count {i}: {e}"));
                        }
                        if let Err(e) = diesel::sql_query("SELECT 1").execute(&mut *conn) {
                            failures.push(format!("after count {i}: {e}"));
                        }
                    }
                    failures
                })
            })
            .collect();
        let failures: Vec<String> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
        assert!(failures.is_empty(), "{failures:#?}");
    }
}

/// `max_parallel_workers_per_gather` as the connection sees it now.
fn parallel_workers(conn: &mut hindsight_server::db::DbConnection) -> String {
    setting(conn, "max_parallel_workers_per_gather")
}

/// The connection's current value of a PostgreSQL setting.
fn setting(conn: &mut hindsight_server::db::DbConnection, name: &str) -> String {
    use diesel::prelude::*;
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(&format!(
        "current_setting('{name}')"
    )))
    .get_result(conn)
    .unwrap()
}

/// An exact count of one word on PostgreSQL holds the planner to nested loops for itself
/// only: the pooled connection may hash and merge again after it, also after one that failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_word_counts_hold_the_planner_to_lookups_and_let_go() {
    use diesel::connection::SimpleConnection;
    use hindsight_server::db::with_joins_by_lookup;
    let app = TestApp::start(Db::Postgres).await;
    let mut conn = app.state.pool.get().unwrap();
    let joins = |c: &mut hindsight_server::db::DbConnection| {
        [
            setting(c, "enable_hashjoin"),
            setting(c, "enable_mergejoin"),
        ]
    };
    assert_eq!(joins(&mut conn), ["on", "on"]);
    let during = with_joins_by_lookup(&mut conn, |c| Ok(joins(c))).unwrap();
    assert_eq!(during, ["off", "off"], "nested loops during the count");
    assert_eq!(joins(&mut conn), ["on", "on"], "every join again after it");
    let failed = with_joins_by_lookup(&mut conn, |c| {
        c.batch_execute("SELECT no_such_column FROM conversations")
    });
    assert!(failed.is_err());
    assert_eq!(
        joins(&mut conn),
        ["on", "on"],
        "every join again after a failed count"
    );
}

/// An exact count on PostgreSQL may use the server's parallel workers, and only it: the
/// pooled connection serves with none before and after, also after a count that failed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exact_counts_borrow_parallel_workers_and_give_them_back() {
    use diesel::connection::SimpleConnection;
    use hindsight_server::db::with_parallel_workers;
    let app = TestApp::start(Db::Postgres).await;
    let mut conn = app.state.pool.get().unwrap();
    let serving = parallel_workers(&mut conn);
    assert_eq!(serving, "0", "the serving settings turn workers off");
    let server_default: String = {
        use diesel::prelude::*;
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
            "(SELECT reset_val FROM pg_settings WHERE name = 'max_parallel_workers_per_gather')",
        ))
        .get_result(&mut *conn)
        .unwrap()
    };
    assert_ne!(
        server_default, "0",
        "the test cluster keeps PostgreSQL's default"
    );
    let during = with_parallel_workers(&mut conn, |c| Ok(parallel_workers(c))).unwrap();
    assert_eq!(
        during, server_default,
        "the server's own workers during the count"
    );
    assert_eq!(parallel_workers(&mut conn), "0", "none again after it");
    let failed = with_parallel_workers(&mut conn, |c| {
        c.batch_execute("SELECT no_such_column FROM conversations")
    });
    assert!(failed.is_err());
    assert_eq!(
        parallel_workers(&mut conn),
        "0",
        "none again after a failed count"
    );
}
