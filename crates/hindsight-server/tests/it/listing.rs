//! Each inbox filter both matching and excluding conversations; sorting and paging.

use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::*;

const DAY: f64 = 86_400.0;

/// Three conversations that differ in every filtered property.
fn dataset() -> Value {
    let b0 = T0 + DAY + 13.0 * 3600.0; // 23:00 UTC
    let c0 = T0 + 2.0 * DAY;
    json!([
        greeting("a", T0, "rest", 0.95, 0.9),
        tracker(
            "b",
            vec![
                action("action_listen", "RulePolicy", 1.0, b0),
                user("hi", "greet", 0.2, b0 + 1.0, "telegram"),
                action("utter_greet", "MemoizationPolicy", 0.5, b0 + 2.0),
                user_with_entity(
                    "fly to Berlin please",
                    "book_flight",
                    "city",
                    "Berlin",
                    b0 + 3.0
                ),
                slot("city", json!("Berlin"), b0 + 3.5),
                slot("passengers", json!(2), b0 + 3.6),
                action("utter_confirm", "TEDPolicy", 0.8, b0 + 4.0),
                user("thanks", "thank", 0.9, b0 + 5.0, "telegram"),
            ]
        ),
        tracker(
            "c",
            vec![
                user("bye", "goodbye", 0.7, c0, "slack"),
                action("utter_goodbye", "policy_1_TEDPolicy", 0.85, c0 + 1.0),
            ]
        ),
    ])
}

/// The ids of every conversation matching `query`, fetched one page of one row at a time
/// through the cursor; each page's total must be the full count.
async fn walk_one_by_one(app: &TestApp, query: &str) -> Vec<String> {
    let total = app.count(query).await;
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&limit=1&cursor={c}"),
            None => format!("{query}&limit=1"),
        };
        let page = app.get_ok(&format!("/api/conversations?{q}")).await;
        assert_eq!(page["total"].as_i64(), Some(total), "{q}");
        walked.extend(
            page["conversations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    walked
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

both_backends! {
    async fn every_filter_matches_and_excludes(app: TestApp) {
        app.import(&dataset()).await;
        let cases: &[(&str, &[&str])] = &[
            ("", &["a", "b", "c"]),
            ("min_user_messages=2", &["b"]),
            ("max_user_messages=1", &["a", "c"]),
            ("minimumUserMessages=3", &["b"]),
            ("channel=telegram", &["b"]),
            ("channel=rest,slack", &["a", "c"]),
            ("input_channels=slack", &["c"]),
            ("max_intent_confidence=0.5", &["b"]),
            ("min_intent_confidence=0.5", &["a", "c"]),
            ("maximumNluConfidence=0.75", &["b", "c"]),
            ("maximumConfidence=0.6", &["b"]),
            ("min_action_confidence=0.6", &["a", "c"]),
            ("intent=book_flight", &["b"]),
            ("intent=book_flight,goodbye", &["b", "c"]),
            ("exclude_intent=book_flight", &["a", "c"]),
            ("action=utter_goodbye", &["c"]),
            ("exclude_action=utter_greet", &["c"]),
            ("entity=city", &["b"]),
            ("exclude_entity=city", &["a", "c"]),
            ("policy=TEDPolicy", &["a", "b", "c"]),
            ("policies=MemoizationPolicy", &["b"]),
            ("exclude_policy=MemoizationPolicy", &["a", "c"]),
            ("slot=city", &["b"]),
            ("slot=city:Berlin", &["b"]),
            ("slot=city:Paris", &[]),
            ("slot=passengers:2", &["b"]),
            ("slots=city:Berlin,passengers", &["b"]),
            ("start=2026-11-03T12:00:00Z", &["b", "c"]),
            ("until=2026-11-03T00:00:00Z", &["a"]),
            ("start=1793700000&until=1793786000", &["b"]),
            ("time_of_day=22:00-06:00", &["b"]),
            ("time_of_day=09:00-12:00", &["a", "c"]),
            ("review_status=unread", &["a", "b", "c"]),
            ("review_status=reviewed", &[]),
            ("flagged=false", &["a", "b", "c"]),
            ("is_flagged=true", &[]),
            ("has_news=false", &["a", "b", "c"]),
            ("text=BERLIN", &["b"]),
            ("text=50%25", &[]),
            ("text=hello", &["a"]),
            ("sender_id=c", &["c"]),
            ("channel=telegram&intent=greet&min_user_messages=2", &["b"]),
            ("channel=rest&intent=book_flight&min_user_messages=1", &[]),
        ];
        for (query, expected) in cases {
            let got = sorted(app.ids(query).await);
            let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
            assert_eq!(got, expected, "query `{query}`");
            assert_eq!(app.count(query).await, expected.len() as i64, "count `{query}`");
        }
    }

    async fn a_date_range_finds_conversations_longer_than_it(app: TestApp) {
        // The range filter also bounds the latest event by the longest conversation's span,
        // which triggers keep as conversations are imported and grow: a conversation must be
        // found on any day it spans, however long it is.
        let day = |d: f64| format!("start={}&until={}", (T0 + d * DAY) as i64, (T0 + (d + 1.0) * DAY) as i64);
        let found = |ids: Vec<String>| sorted(ids);
        app.import(&json!([
            greeting("grows", T0, "rest", 0.9, 0.9),
            greeting("short", T0 + 40.0 * DAY, "rest", 0.9, 0.9),
        ]))
        .await;
        assert_eq!(found(app.ids(&day(20.0)).await), Vec::<String>::new());
        // More events 30 days later: the conversation now spans day 20 (the update path).
        app.import(&json!([tracker(
            "grows",
            vec![user("back again", "greet", 0.9, T0 + 30.0 * DAY, "rest")]
        )]))
        .await;
        assert_eq!(found(app.ids(&day(20.0)).await), ["grows"]);
        // A conversation imported whole over 70 days (the insert path), longer than any
        // before it: only its own insert can raise the bound far enough for day 1.
        app.import(&json!([tracker(
            "long",
            vec![
                user("hi", "greet", 0.9, T0 + 0.5 * DAY, "rest"),
                user("still there?", "greet", 0.9, T0 + 70.5 * DAY, "rest"),
            ]
        )]))
        .await;
        assert_eq!(found(app.ids(&day(35.0)).await), ["long"]);
        assert_eq!(found(app.ids(&day(20.0)).await), ["grows", "long"]);
        assert_eq!(found(app.ids(&day(40.0)).await), ["long", "short"]);
        assert_eq!(found(app.ids(&day(1.0)).await), ["grows", "long"]);
        for d in [1.0, 20.0, 35.0, 40.0] {
            assert_eq!(app.count(&day(d)).await, app.ids(&day(d)).await.len() as i64, "count on day {d}");
        }
    }

    async fn sorts_and_pages_with_cursor_and_offset(app: TestApp) {
        app.import(&dataset()).await;
        assert_eq!(app.ids("").await, ["c", "b", "a"]);
        assert_eq!(app.ids("sort=oldest").await, ["a", "b", "c"]);
        assert_eq!(app.ids("sort=length").await, ["b", "c", "a"]);
        assert_eq!(app.ids("sort=lowest_confidence").await, ["b", "c", "a"]);

        for sort in ["latest", "oldest", "length", "lowest_confidence"] {
            let all = app.ids(&format!("sort={sort}")).await;
            assert_eq!(walk_one_by_one(&app, &format!("sort={sort}")).await, all, "cursor walk with sort={sort}");
        }
        assert_eq!(app.ids("limit=1&offset=1").await, ["b"]);
        let res = app.request(reqwest::Method::GET, "/api/conversations?minimumUserMessages=1&limit=1").send().await.unwrap();
        assert_eq!(res.headers()["x-total-count"], "3");
    }

    async fn rows_carry_the_summary(app: TestApp) {
        app.import(&dataset()).await;
        let page = app.get_ok("/api/conversations?sender_id=b").await;
        let row = &page["conversations"][0];
        assert_eq!(row["channel"], "telegram");
        assert_eq!(row["user_message_count"], 3);
        assert_eq!(row["min_intent_confidence"], 0.2);
        assert_eq!(row["min_action_confidence"], 0.5);
        assert_eq!(row["first_user_message"], "hi");
        assert_eq!(row["review_status"], "unread");
        assert_eq!(row["flagged"], false);
        let intents: Vec<&str> = row["intents"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(sorted(intents.iter().map(|s| s.to_string()).collect()), ["book_flight", "greet", "thank"]);
        assert!(row["actions"].as_array().unwrap().contains(&json!("utter_confirm")));
        assert_eq!(row["first_event_at"], "2026-11-03T23:00:00Z");
    }

    async fn facets_list_values_with_counts(app: TestApp) {
        app.import(&dataset()).await;
        let f = app.get_ok("/api/facets").await;
        let count_of = |list: &Value, value: &str| {
            list.as_array().unwrap().iter().find(|x| x["value"] == value).map(|x| x["count"].as_i64().unwrap())
        };
        assert_eq!(count_of(&f["intents"], "greet"), Some(2));
        assert_eq!(count_of(&f["actions"], "action_listen"), Some(2));
        assert_eq!(count_of(&f["entities"], "city"), Some(1));
        assert_eq!(count_of(&f["policies"], "TEDPolicy"), Some(3));
        assert_eq!(count_of(&f["channels"], "slack"), Some(1));
        let city = f["slots"].as_array().unwrap().iter().find(|s| s["name"] == "city").unwrap();
        assert_eq!(count_of(&city["values"], "Berlin"), Some(1));
    }
}

mod time_of_day_respects_daylight_saving {
    use super::*;
    use crate::harness::Db;

    async fn run(db: Db) {
        let config = hindsight_server::config::Config {
            timezone: "Europe/Berlin".parse().unwrap(),
            ..Default::default()
        };
        let app = TestApp::start_with(db, config).await;
        // 20:30 UTC is 22:30 in Berlin in summer (CEST) but 21:30 in winter (CET).
        let summer = 1_782_937_800.0; // 2026-07-01 20:30:00 UTC
        let winter = 1_768_509_000.0; // 2026-01-15 20:30:00 UTC
        app.import(&json!([
            greeting("summer", summer, "rest", 0.9, 0.9),
            greeting("winter", winter, "rest", 0.9, 0.9)
        ]))
        .await;
        assert_eq!(app.ids("time_of_day=22:00-06:00").await, ["summer"]);
        assert_eq!(app.ids("time_of_day=21:00-22:00").await, ["winter"]);

        // The import recorded its zone: a start in the same zone recomputes nothing…
        use hindsight_server::db::ingest_upkeep::apply_timezone;
        let mut conn = app.state.pool.get().unwrap();
        assert_eq!(
            apply_timezone(&mut conn, "Europe/Berlin".parse().unwrap()).unwrap(),
            0
        );
        // …and one in another zone recomputes every conversation.
        assert_eq!(
            apply_timezone(&mut conn, "UTC".parse().unwrap()).unwrap(),
            2
        );
        assert_eq!(
            apply_timezone(&mut conn, "UTC".parse().unwrap()).unwrap(),
            0
        );
        drop(conn);
        assert_eq!(
            app.ids("time_of_day=20:00-21:00").await,
            ["summer", "winter"]
        );
        // An import computed in another zone than the stored rows' spoils the record, so that
        // the next start recomputes them all in its own zone.
        let opts = hindsight_server::ingest::IngestOptions {
            timezone: "Asia/Tokyo".parse().unwrap(),
            restore_deleted: false,
        };
        let mut conn = app.state.pool.get().unwrap();
        let conv = hindsight_server::ingest::parse::parse_tracker_body(
            &greeting("tokyo", winter, "rest", 0.9, 0.9).to_string(),
            None,
        )
        .unwrap();
        hindsight_server::db::ingest::store_conversations(&mut conn, vec![conv], &opts).unwrap();
        assert_eq!(
            apply_timezone(&mut conn, "UTC".parse().unwrap()).unwrap(),
            3
        );
        drop(conn);
        assert_eq!(
            app.ids("time_of_day=20:00-21:00").await,
            ["summer", "tokyo", "winter"]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(Db::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run(Db::Postgres).await
    }
}

both_backends! {
    // A common intent with a small page makes SQLite probe row by row (`EXISTS`) instead of
    // gathering (`IN`); the pages must be the same either way, in every order.
    async fn common_values_page_the_same_when_probed(app: TestApp) {
        // 24 conversations, 16 of them greeting (every conversation but each third).
        let trackers: Vec<Value> = (0..24)
            .map(|i| {
                let ts = T0 + f64::from(i) * 3600.0;
                let sender = format!("conv-{i:02}");
                if i % 3 == 0 {
                    tracker(&sender, vec![user("bye", "goodbye", 0.5 + f64::from(i) / 100.0, ts, "rest")])
                } else {
                    greeting(&sender, ts, if i % 2 == 0 { "rest" } else { "slack" }, 0.3 + f64::from(i) / 100.0, 0.9)
                }
            })
            .collect();
        app.import(&Value::Array(trackers)).await;

        let filter = hindsight_types::ConversationFilter::from_query("intent=greet").unwrap();
        let mut conn = app.state.pool.get().unwrap();
        let probed = hindsight_server::db::plan::probe_kinds(&mut conn, &filter, 1).unwrap();
        drop(conn);
        match app.state.backend {
            hindsight_server::db::Backend::Sqlite => assert_eq!(probed, ["intent"]),
            // PostgreSQL's planner chooses between the two itself.
            hindsight_server::db::Backend::Postgres => assert!(probed.is_empty()),
        }

        for query in ["intent=greet", "intent=greet&channel=slack", "intent=greet,goodbye", "action=utter_greet&policy=TEDPolicy"] {
            for sort in ["latest", "oldest", "length", "lowest_confidence"] {
                // The whole answer in one page (gathered: the page is larger than the matches)…
                let all = app.ids(&format!("{query}&sort={sort}&limit=100")).await;
                // …against the same walked one at a time with the cursor (probed on SQLite).
                let walked = walk_one_by_one(&app, &format!("{query}&sort={sort}")).await;
                assert_eq!(walked, all, "{query}&sort={sort}");
            }
        }
        assert_eq!(app.ids("intent=greet&limit=100").await.len(), 16);
        assert_eq!(app.ids("intent=greet&channel=slack&limit=100").await.len(), 8);
        assert_eq!(app.ids("intent=greet,goodbye&limit=100").await.len(), 24);
        assert_eq!(app.ids("intent=greet&limit=1&offset=14").await, app.ids("intent=greet&limit=100").await[14..15]);
    }
}
