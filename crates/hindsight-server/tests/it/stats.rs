//! `GET /api/conversations/stats`: the per-day counts and the confidence histogram count
//! exactly what the listing lists for the same filter, on both backends and in a time zone
//! other than UTC; bad parameters are a 400 naming them; the query budget holds.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use hindsight_server::config::Config;
use hindsight_types::{ConversationStats, ConversationSummary, ReviewStatus};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::{Db, TestApp};
use crate::rasa::*;

const DAY: f64 = 86_400.0;

/// Conversations over five days (one day empty), at times near midnight in UTC and in
/// Kolkata, with confidences in several bins (0.3 exactly on a bin's edge), two channels, one
/// with no user message, and some reviewed.
async fn dataset(app: &TestApp) {
    let confidences = [0.95, 0.3, 0.55, 0.91, 0.12, 1.0, 0.299, 0.75];
    // T0 is 10:00 UTC; offsets put some starts just before and after midnight UTC (and
    // 18:30 UTC, Kolkata's midnight).
    let offsets = [0.0, 13.9, 14.1, 8.4, 8.6, 0.5, 13.95, 14.05];
    let mut trackers = Vec::new();
    for i in 0..24usize {
        let day = [0.0, 1.0, 3.0, 4.0][i % 4];
        let ts = T0 + day * DAY + offsets[i % 8] * 3_600.0 + i as f64;
        let channel = if i % 3 == 0 { "telegram" } else { "rest" };
        let c = confidences[i % confidences.len()];
        trackers.push(greeting(&format!("c{i:02}"), ts, channel, c, 0.9));
    }
    // No user message: no intent confidence.
    trackers.push(tracker(
        "silent",
        vec![action("action_listen", "RulePolicy", 1.0, T0 + 60.0)],
    ));
    app.import(&Value::Array(trackers)).await;
    for id in ["c00", "c03", "c05", "c10", "c17"] {
        let (status, body) = app
            .send(
                app.request(
                    Method::PUT,
                    &format!("/api/conversations/{id}/reviewStatus"),
                )
                .json(&json!({"review_status": "reviewed"})),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
}

/// Every row the listing gives for `query`, walked with its cursor.
async fn walk(app: &TestApp, query: &str) -> Vec<ConversationSummary> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&limit=7&cursor={c}"),
            None => format!("{query}&limit=7"),
        };
        let page = app.get_ok(&format!("/api/conversations?{q}")).await;
        all.extend(
            serde_json::from_value::<Vec<ConversationSummary>>(page["conversations"].clone())
                .unwrap(),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return all,
        }
    }
}

async fn stats(app: &TestApp, query: &str) -> ConversationStats {
    serde_json::from_value(
        app.get_ok(&format!("/api/conversations/stats?{query}"))
            .await,
    )
    .unwrap()
}

/// The bin of a lowest intent confidence, as the filter compares (`>=` each tenth).
fn bin(c: f64) -> usize {
    (1..10).rev().find(|&i| c >= i as f64 / 10.0).unwrap_or(0)
}

/// Checks the stats of `query` against the listing's rows, days taken in `tz`.
async fn agrees_with_the_listing(
    app: &TestApp,
    query: &str,
    tz: chrono_tz::Tz,
) -> ConversationStats {
    let rows = walk(app, query).await;
    let s = stats(app, query).await;
    let count = app.count(query).await;
    assert_eq!(s.total, count, "{query}: total against the count");
    assert_eq!(
        s.total as usize,
        rows.len(),
        "{query}: total against the rows"
    );
    let reviewed = rows
        .iter()
        .filter(|r| r.review_status == ReviewStatus::Reviewed)
        .count();
    assert_eq!(s.reviewed as usize, reviewed, "{query}: reviewed");
    // Per day, from the rows' start times.
    let mut per_day: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for r in &rows {
        let e = per_day
            .entry(r.first_event_at.with_timezone(&tz).date_naive())
            .or_default();
        e.0 += 1;
        e.1 += i64::from(r.review_status == ReviewStatus::Reviewed);
    }
    let shown: BTreeMap<NaiveDate, (i64, i64)> = s
        .days
        .iter()
        .filter(|d| d.conversations > 0)
        .map(|d| (d.day, (d.conversations, d.reviewed)))
        .collect();
    assert_eq!(shown, per_day, "{query}: days in {tz}");
    // Contiguous days, each starting where the one before ended.
    for pair in s.days.windows(2) {
        assert_eq!(
            pair[0].day.succ_opt(),
            Some(pair[1].day),
            "{query}: contiguous"
        );
        assert_eq!(pair[0].end, pair[1].start, "{query}: day bounds");
    }
    for d in &s.days {
        assert_eq!(
            d.start.with_timezone(&tz).date_naive(),
            d.day,
            "{query}: start of {}",
            d.day
        );
    }
    // The histogram, from the rows' confidences.
    let mut bins = vec![0i64; 10];
    let mut none = 0;
    for r in &rows {
        match r.min_intent_confidence {
            Some(c) => bins[bin(c)] += 1,
            None => none += 1,
        }
    }
    assert_eq!(s.confidence, bins, "{query}: histogram");
    assert_eq!(s.no_confidence, none, "{query}: without confidence");
    s
}

fn day_of(ts: f64) -> DateTime<Utc> {
    DateTime::from_timestamp(ts as i64, 0).unwrap()
}

both_backends! {
    async fn stats_count_what_the_listing_lists(app: TestApp) {
        dataset(&app).await;
        let all = agrees_with_the_listing(&app, "", chrono_tz::UTC).await;
        assert_eq!(all.total, 25);
        assert_eq!(all.reviewed, 5);
        assert_eq!(all.timezone, "UTC");
        // T0's day to five days later (starts run past midnight into it); day 2 has none and
        // is there with 0.
        assert_eq!(all.days.first().unwrap().day, day_of(T0).date_naive());
        assert_eq!(all.days.len(), 6, "{:?}", all.days);
        assert_eq!(all.days[2].conversations, 0, "{:?}", all.days);
        assert_eq!(all.no_confidence, 1);
        // 0.3 is in bin 3 (`>=`), 0.299 in bin 2.
        assert!(all.confidence[3] > 0 && all.confidence[2] > 0);
        for query in [
            "channel=telegram",
            "review_status=reviewed",
            "review_status=unread,saved_for_later",
            "min_intent_confidence=0.3",
            "max_intent_confidence=0.6&channel=rest",
            "intent=greet",
            "text=hello",
            "sort=oldest",
            "sender_id=c05",
            "sender_id=nobody",
            // Sequence patterns: on PostgreSQL the candidates' paths are tested in the server.
            "seq=intent%3Agreet%20%3E%20action%3Autter_greet",
            "seq=confidence%3C0.5%20%3E%3E%20action%3Autter_greet&channel=rest",
            "seq=action%3Autter_greet%20%3E%20intent%3Agreet",
        ] {
            agrees_with_the_listing(&app, query, chrono_tz::UTC).await;
        }
        // Each bin from i up holds exactly what `min_intent_confidence=i/10` lists.
        for i in 0..10usize {
            let q = format!("min_intent_confidence={}", i as f64 / 10.0);
            let count = app.count(&q).await;
            assert_eq!(all.confidence[i..].iter().sum::<i64>(), count, "{q}");
        }
        // A day range as the chart sets it (start and end of the days) lists its days.
        let d = &all.days[1];
        let q = format!(
            "start={}&until={}",
            d.start.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            (d.end - chrono::Duration::microseconds(1)).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        );
        let ranged = agrees_with_the_listing(&app, &q.replace('+', "%2B"), chrono_tz::UTC).await;
        let that_day = ranged.days.iter().find(|x| x.day == d.day).unwrap();
        assert_eq!(that_day.conversations, d.conversations, "every conversation that started that day");
        // Nothing matching: no days, zero bins.
        let none = stats(&app, "sender_id=nobody").await;
        assert!(none.days.is_empty());
        assert_eq!(none.confidence, vec![0; 10]);
        // The patterns above are not vacuous: all, some and none of the greetings match.
        let greeted = stats(&app, "seq=intent%3Agreet%20%3E%20action%3Autter_greet").await;
        assert_eq!((greeted.total, greeted.reviewed), (24, 5));
        let unsure = stats(&app, "seq=confidence%3C0.5%20%3E%3E%20action%3Autter_greet&channel=rest").await;
        assert!(unsure.total > 0 && unsure.total < 16, "{unsure:?}");
        assert_eq!(stats(&app, "seq=action%3Autter_greet%20%3E%20intent%3Agreet").await.total, 0);
    }

    async fn bad_parameters_are_a_400_naming_them(app: TestApp) {
        for (query, field) in [
            ("min_intent_confidence=2", "min_intent_confidence"),
            ("limit=5", "limit"),
            ("cursor=abc", "cursor"),
            ("start=yesterday", "start"),
            ("review_status=done", "review_status"),
            ("text=ab", "text"),
            ("min_user_messages=5&max_user_messages=2", "max_user_messages"),
        ] {
            let (status, body) = app.get(&format!("/api/conversations/stats?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
            assert_eq!(body["error"]["field"], field, "{query}: {body}");
            assert!(!body["error"]["message"].as_str().unwrap().is_empty());
        }
        let mut app = app;
        app.act_as(None);
        let (status, body) = app.get("/api/conversations/stats").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
}

/// In a time zone 5:30 ahead of UTC, days begin at 18:30 UTC: the same conversations fall on
/// other days, still exactly those the rows say.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn days_are_days_of_the_configured_time_zone() {
    for db in [Db::Sqlite, Db::Postgres] {
        let config = Config {
            timezone: chrono_tz::Asia::Kolkata,
            ..Config::default()
        };
        let app = TestApp::start_with(db, config).await;
        dataset(&app).await;
        let s = agrees_with_the_listing(&app, "", chrono_tz::Asia::Kolkata).await;
        assert_eq!(s.timezone, "Asia/Kolkata");
        assert_eq!(
            s.days[0].start.to_rfc3339(),
            format!("{}T18:30:00+00:00", s.days[0].day.pred_opt().unwrap()),
            "{db:?}"
        );
        let utc = stats(&app, "").await;
        assert_eq!(utc.total, 25);
        agrees_with_the_listing(&app, "channel=rest", chrono_tz::Asia::Kolkata).await;
    }
}

/// Start days are computed in the configured zone: after a change of zone the maintained
/// counts are not read until every conversation's day was recomputed in the new one (as each
/// start does), and then they equal the stats counted from the conversations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maintained_days_follow_a_change_of_time_zone() {
    use hindsight_server::db::stats::{maintained, scanned};
    use hindsight_server::service::stats::assemble;
    use hindsight_types::ConversationFilter;
    for db in [Db::Sqlite, Db::Postgres] {
        let app = TestApp::start(db).await;
        dataset(&app).await;
        let mut conn = app.state.pool.get().unwrap();
        let kolkata = chrono_tz::Asia::Kolkata;
        for query in ["", "channel=rest", "review_status=reviewed"] {
            let f = ConversationFilter::from_query(query).unwrap();
            let (read, _) = maintained(&mut conn, &f, chrono_tz::UTC).unwrap().unwrap();
            // Counted by the stored start days and by quarter hours: the same.
            for by_day in [true, false] {
                let counted = scanned(&mut conn, &f, by_day).unwrap();
                assert_eq!(
                    assemble(chrono_tz::UTC, &read),
                    assemble(chrono_tz::UTC, &counted),
                    "{db:?} {query} {by_day}"
                );
            }
            assert!(
                maintained(&mut conn, &f, kolkata).unwrap().is_none(),
                "{db:?}: computed in UTC"
            );
        }
        let changed =
            hindsight_server::db::ingest_upkeep::apply_timezone(&mut conn, kolkata).unwrap();
        assert_eq!(changed, 25);
        for query in ["", "channel=telegram", "review_status=unread,reviewed"] {
            let f = ConversationFilter::from_query(query).unwrap();
            assert!(
                maintained(&mut conn, &f, chrono_tz::UTC).unwrap().is_none(),
                "{db:?}: now in Kolkata"
            );
            let (read, _) = maintained(&mut conn, &f, kolkata).unwrap().unwrap();
            let read = assemble(kolkata, &read);
            for by_day in [true, false] {
                let counted = assemble(kolkata, &scanned(&mut conn, &f, by_day).unwrap());
                assert_eq!(read, counted, "{db:?} {query} {by_day}");
            }
            if query.is_empty() {
                // Starts between 18:30 and midnight UTC fall on the next day in Kolkata.
                let utc = assemble(chrono_tz::UTC, &scanned(&mut conn, &f, false).unwrap());
                assert_ne!(
                    read.days
                        .iter()
                        .map(|d| d.conversations)
                        .collect::<Vec<_>>(),
                    utc.days.iter().map(|d| d.conversations).collect::<Vec<_>>(),
                    "{db:?}"
                );
            }
        }
    }
}

/// The stats run under the query budget like the listing: over it, a 503 `query_timeout`
/// with the JSON error shape and no internal cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_respect_the_query_budget() {
    // SQLite: 200,000 conversations to group in 1 ms.
    let app = TestApp::start_with(
        Db::Sqlite,
        Config {
            query_timeout_ms: 1,
            ..Config::default()
        },
    )
    .await;
    let mut conn = app.state.pool.get().unwrap();
    conn.batch_execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) \
         INSERT INTO conversations (sender_id, first_event_at, latest_event_at, created_at, updated_at) \
         SELECT 'bulk-' || i, '2024-01-01 00:00:00', '2024-01-01 00:00:00', \
         '2024-01-01 00:00:00', '2024-01-01 00:00:00' FROM n",
    )
    .unwrap();
    drop(conn);
    assert_timeout(&app).await;

    // PostgreSQL: another session holds the conversations locked past the 300 ms budget.
    let app = TestApp::start_with(
        Db::Postgres,
        Config {
            query_timeout_ms: 300,
            ..Config::default()
        },
    )
    .await;
    app.import(&json!([greeting("a", T0, "rest", 0.9, 0.9)]))
        .await;
    let mut locker = diesel::PgConnection::establish(&app.db.url).unwrap();
    locker
        .batch_execute("BEGIN; LOCK TABLE conversations IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    assert_timeout(&app).await;
    locker.batch_execute("ROLLBACK").unwrap();
    assert_eq!(stats(&app, "").await.total, 1, "serves on afterwards");
}

async fn assert_timeout(app: &TestApp) {
    // A condition the maintained counts do not answer: the conversations are grouped.
    let (status, body) = app
        .get("/api/conversations/stats?min_user_messages=0")
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "query_timeout", "{body}");
    let text = body.to_string();
    for internal in ["hindsight:", "statement timeout", "canceling"] {
        assert!(!text.contains(internal), "{text}");
    }
}
