//! The maintained inbox counts (per channel and review status, and per start day and
//! confidence bin) equal a recount of the conversations after imports, status changes, trash,
//! restore, purge and appended events, one at a time and concurrently; and the count and
//! stats endpoints answer from them.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::*;

#[derive(QueryableByName, Debug, PartialEq)]
struct Recounted {
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = Text)]
    review_status: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// `(channel, review status, live conversations)` counted from the conversations themselves.
fn recount(app: &TestApp) -> Vec<(String, String, i64)> {
    let mut conn = app.state.pool.get().unwrap();
    let rows: Vec<Recounted> = diesel::sql_query(
        "SELECT coalesce(channel, '') AS channel, review_status, count(*) AS n FROM conversations \
         WHERE deleted_at IS NULL GROUP BY coalesce(channel, ''), review_status \
         ORDER BY 1, 2",
    )
    .load(&mut *conn)
    .unwrap();
    rows.into_iter()
        .map(|r| (r.channel, r.review_status, r.n))
        .collect()
}

/// The day chart and histogram of `query` (nothing but channels and review statuses) as read
/// from the maintained counts equal those counted from the conversations: the same filter
/// with `min_user_messages=0` (which matches every conversation but is not answered by the
/// maintained counts).
async fn stats_agree(app: &TestApp, when: &str, query: &str) {
    use hindsight_server::db::stats::maintained;
    let counted = format!("{query}&min_user_messages=0");
    {
        let parse = |q: &str| hindsight_types::ConversationFilter::from_query(q).unwrap();
        let mut conn = app.state.pool.get().unwrap();
        let tz = app.state.config.timezone;
        assert!(
            maintained(&mut conn, &parse(query), tz).unwrap().is_some(),
            "{when}: {query} maintained"
        );
        assert!(
            maintained(&mut conn, &parse(&counted), tz)
                .unwrap()
                .is_none(),
            "{when}: {counted} counted"
        );
    }
    stats_equal_counted(app, when, query).await;
}

/// The stats of `query` equal those of the same filter with `min_user_messages=0`, which
/// matches the same conversations but is counted from them whatever else could answer.
async fn stats_equal_counted(app: &TestApp, when: &str, query: &str) {
    let read = app
        .get_ok(&format!("/api/conversations/stats?{query}"))
        .await;
    let counted = format!("{query}&min_user_messages=0");
    let recounted = app
        .get_ok(&format!("/api/conversations/stats?{counted}"))
        .await;
    assert_eq!(read, recounted, "{when}: stats of {query:?}");
}

/// The maintained counts equal a recount, and `/count` of each channel and status, and of
/// every tab, answers the same; so do the stats.
async fn check(app: &TestApp, when: &str) {
    let expected = recount(app);
    let maintained = {
        let mut conn = app.state.pool.get().unwrap();
        hindsight_server::db::counts::all(&mut conn).unwrap()
    };
    assert_eq!(maintained, expected, "{when}: maintained vs recount");
    let all: i64 = expected.iter().map(|r| r.2).sum();
    assert_eq!(app.count("").await, all, "{when}: all");
    let page = app.get_ok("/api/conversations?limit=1").await;
    assert_eq!(
        page["total"].as_i64(),
        Some(all),
        "{when}: the page's total"
    );
    for status in ["unread", "reviewed", "saved_for_later"] {
        let want: i64 = expected.iter().filter(|r| r.1 == status).map(|r| r.2).sum();
        let got = app.count(&format!("review_status={status}")).await;
        assert_eq!(got, want, "{when}: {status}");
    }
    for (channel, status, n) in expected.iter().filter(|r| !r.0.is_empty()) {
        let got = app
            .count(&format!("channel={channel}&review_status={status}"))
            .await;
        assert_eq!(got, *n, "{when}: {channel} {status}");
        stats_agree(
            app,
            when,
            &format!("channel={channel}&review_status={status}"),
        )
        .await;
    }
    for query in [
        "",
        "review_status=unread",
        "review_status=reviewed,saved_for_later",
        "channel=rest,slack",
    ] {
        stats_agree(app, when, query).await;
    }
}

async fn put_status(app: &TestApp, id: &str, status: &str) -> StatusCode {
    let path = format!("/api/conversations/{id}/reviewStatus");
    let body = json!({ "review_status": status });
    app.send(app.request(Method::PUT, &path).json(&body))
        .await
        .0
}

fn no_channel(sender: &str, ts: f64) -> Value {
    let mut t = greeting(sender, ts, "rest", 0.9, 0.9);
    t["events"][1]
        .as_object_mut()
        .unwrap()
        .remove("input_channel");
    t
}

both_backends! {
    async fn maintained_counts_equal_a_recount_after_each_change(app: TestApp) {
        // Over three days and several confidence bins.
        app.import(&json!([
            greeting("a", T0, "rest", 0.9, 0.9),
            greeting("b", T0 + 86_400.0, "slack", 0.35, 0.9),
            greeting("c", T0 + 20.0, "rest", 0.3, 0.9),
            greeting("d", T0 + 2.0 * 86_400.0, "telegram", 0.05, 0.9),
            no_channel("e", T0 + 40.0),
        ]))
        .await;
        check(&app, "import").await;
        assert_eq!(recount(&app).iter().map(|r| r.2).sum::<i64>(), 5);

        assert!(put_status(&app, "a", "reviewed").await.is_success());
        assert!(put_status(&app, "b", "saved_for_later").await.is_success());
        assert!(put_status(&app, "e", "reviewed").await.is_success());
        check(&app, "status changes").await;

        let (status, body) = app
            .post_json("/api/conversations/bulk", &json!({"selection": {"filter": "channel=rest"}, "action": "set_review_status", "review_status": "saved_for_later"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        check(&app, "bulk status").await;

        let (status, _) = app.send(app.request(Method::DELETE, "/api/conversations/c")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, body) = app
            .post_json("/api/conversations/bulk", &json!({"selection": {"ids": ["d"]}, "action": "delete"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        check(&app, "trash").await;

        let (status, body) = app.post_json("/api/conversations/c/restore", &json!({})).await;
        assert!(status.is_success(), "{status} {body}");
        check(&app, "restore").await;

        // Appended events: the conversation's latest channel changes (a status it keeps).
        let (status, body) = app
            .post_json("/api/conversations/b/events", &json!([user("hey", "greet", 0.9, T0 + 50.0, "telegram")]))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // Re-importing the same trackers changes nothing.
        app.import(&json!([greeting("a", T0, "rest", 0.9, 0.9)])).await;
        check(&app, "appended events").await;

        // An earlier event moves a start day (its channel and confidence change nothing); a lower
        // confidence moves a bin.
        app.import(&json!([tracker("b", vec![user("earlier", "greet", 0.95, T0 - 3.0 * 86_400.0, "telegram")])])).await;
        check(&app, "an earlier start").await;
        app.import(&json!([tracker("c", vec![user("later", "greet", 0.15, T0 + 60.0, "rest")])])).await;
        check(&app, "a lower confidence").await;

        // Purged from the trash, and a live conversation deleted outright.
        app.state.pool.get().unwrap()
            .batch_execute("DELETE FROM conversations WHERE sender_id IN ('d', 'a')")
            .unwrap();
        check(&app, "purge").await;
        assert_eq!(recount(&app).iter().map(|r| r.2).sum::<i64>(), 3);
    }

    async fn maintained_counts_stay_exact_under_concurrent_changes(app: TestApp) {
        let channels = ["rest", "slack", "telegram"];
        let first: Vec<Value> = (0..30)
            .map(|i| greeting(&format!("c{i}"), T0 + i as f64, channels[i % 3], 0.9, 0.9))
            .collect();
        app.import(&Value::Array(first)).await;

        // At once: imports of new conversations and events, status changes in both
        // directions, trash and restore, each its own request.
        let mut requests = Vec::new();
        for round in 0..3 {
            for i in 0..30 {
                let id = format!("c{i}");
                let req = match (i + round) % 6 {
                    0 => app.request(Method::PUT, &format!("/api/conversations/{id}/reviewStatus"))
                        .json(&json!({"review_status": "reviewed"})),
                    1 => app.request(Method::PUT, &format!("/api/conversations/{id}/reviewStatus"))
                        .json(&json!({"review_status": "unread"})),
                    2 => app.request(Method::PUT, &format!("/api/conversations/{id}/reviewStatus"))
                        .json(&json!({"review_status": "saved_for_later"})),
                    3 => app.request(Method::DELETE, &format!("/api/conversations/{id}")),
                    4 => app.request(Method::POST, &format!("/api/conversations/{id}/restore")).json(&json!({})),
                    _ => {
                        let fresh: Vec<Value> = (0..3)
                            .map(|k| greeting(&format!("n{round}-{i}-{k}"), T0 + 100.0 + k as f64, channels[(i + k) % 3], 0.9, 0.9))
                            .chain([tracker(&id, vec![user("more", "greet", 0.9, T0 + 200.0 + round as f64, channels[(i + 1) % 3])])])
                            .collect();
                        app.request(Method::POST, "/api/trackers").json(&fresh)
                    }
                };
                requests.push(req);
            }
        }
        let done = crate::harness::send_at_once(requests).await;
        assert_eq!(done, 90);
        check(&app, "after concurrent changes").await;
        let live: i64 = recount(&app).iter().map(|r| r.2).sum();
        assert!(live > 30, "imports added conversations: {live}");
    }
}

#[derive(QueryableByName)]
struct Rarest {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    name: String,
}

// A filter that only excludes a rare value (alone, or with a channel and a review status) is
// counted as every conversation less the value's holders; the count and the tabs equal the
// conversations the listing walks, including after some are trashed.
both_backends! {
    async fn counts_of_an_exclusion_equal_the_listing(app: TestApp) {
        app.load_demo(400, 1);
        let rarest: Vec<Rarest> = {
            let mut conn = app.state.pool.get().unwrap();
            diesel::sql_query(
                "SELECT kind, name FROM conversation_features WHERE value = '' \
                 AND kind IN ('intent', 'action', 'entity') GROUP BY kind, name \
                 HAVING count(*) BETWEEN 2 AND 100 ORDER BY count(*), kind, name",
            )
            .load(&mut *conn)
            .unwrap()
        };
        assert!(rarest.len() >= 3, "{} rare values in the demo data", rarest.len());
        // Trashed conversations among the holders and the others: counted by neither side.
        for id in app.ids("limit=3").await {
            let (status, body) = app.send(app.request(Method::DELETE, &format!("/api/conversations/{id}"))).await;
            assert!(status.is_success(), "{body}");
        }
        for r in rarest.iter().take(3) {
            for extra in ["", "&channel=rest", "&review_status=unread", "&channel=slack&review_status=reviewed"] {
                let query = format!("exclude_{}={}{extra}", r.kind, r.name);
                let listed = app.all_ids(&query).await.len() as i64;
                assert_eq!(app.count(&query).await, listed, "{query}");
                // The day chart of an exclusion: the whole less the holders' (db::stats).
                stats_equal_counted(&app, "exclusion", &query).await;
                assert!(listed > 0 || !extra.is_empty(), "{query}");
            }
            let query = format!("exclude_{}={}", r.kind, r.name);
            let tabs = app.get_ok(&format!("/api/conversations/tab-counts?{query}")).await;
            for status in ["unread", "saved_for_later", "reviewed"] {
                let listed = app.all_ids(&format!("{query}&review_status={status}")).await.len();
                assert_eq!(tabs[status], listed as i64, "{query}: {status}: {tabs}");
            }
        }
    }
}
