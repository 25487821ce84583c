//! Adding every conversation an inbox filter matches to a review queue (issue 13), done by
//! the server a batch at a time: more than one batch and more than the by-id limit of
//! 10,000, each conversation once, nothing for a bad filter or a reviewer.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::queues::{as_user, create, rubric};
use crate::tab_counts::load_demo;

async fn add_matching(app: &TestApp, queue: i64, query: &str) -> (StatusCode, Value) {
    let path = format!("/api/queues/{queue}/conversations/matching?{query}");
    app.send(app.request(Method::POST, &path)).await
}

both_backends! {
    async fn a_filter_adds_each_match_once(app: TestApp) {
        load_demo(&app, 12_000);
        let q = create(&app, json!({"name": "picked", "source": {"kind": "explicit"}, "rubric": rubric()})).await;
        let q = q["id"].as_i64().unwrap();
        // Two of the matches are in the queue already.
        let query = "min_user_messages=1";
        let n = app.count(query).await;
        assert!(n > 10_000, "{n} matches: more than the by-id limit, more than a batch");
        let two: Vec<String> = app.ids(&format!("{query}&limit=2")).await;
        let (status, added) = app.post_json(&format!("/api/queues/{q}/conversations"), &json!({"conversation_ids": two})).await;
        assert_eq!(status, StatusCode::OK, "{added}");

        let (status, added) = add_matching(&app, q, query).await;
        assert_eq!(status, StatusCode::OK, "{added}");
        assert_eq!(added, json!({"added": n - 2, "sampled": n - 2, "already_present": 2}));
        assert_eq!(app.get_ok(&format!("/api/queues/{q}")).await["population"], n);
        // Again: every match is there already.
        let (status, again) = add_matching(&app, q, query).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again, json!({"added": 0, "sampled": 0, "already_present": n}));
        assert_eq!(app.get_ok(&format!("/api/queues/{q}")).await["population"], n);
        // The audit row says which filter and how many.
        let audit = app.get_ok("/api/audit").await;
        let rows: Vec<&Value> = audit.as_array().unwrap().iter().filter(|e| e["action"] == "queue_conversations_added").collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1]["after"], json!({"filter": query, "matched": n, "added": n - 2, "sampled": n - 2}));

        // A narrower filter on a fresh queue adds exactly its matches.
        let other = create(&app, json!({"name": "web", "source": {"kind": "explicit"}, "rubric": rubric()})).await;
        let other = other["id"].as_i64().unwrap();
        let web = app.count("channel=rest&min_user_messages=3").await;
        assert!(web > 0);
        let (status, added) = add_matching(&app, other, "channel=rest&min_user_messages=3").await;
        assert_eq!(status, StatusCode::OK, "{added}");
        assert_eq!(added["added"], web);

        // A bad filter: a 400 naming the parameter, nothing added.
        for (query, field) in [("min_user_messages=many", "min_user_messages"), ("score.Bad=1", "score.Bad"), ("colour=red", "colour")] {
            let (status, err) = add_matching(&app, other, query).await;
            assert_eq!((status, err["error"]["field"].clone()), (StatusCode::BAD_REQUEST, json!(field)), "{query}: {err}");
        }
        assert_eq!(app.get_ok(&format!("/api/queues/{other}")).await["population"], web);
        // A reviewer may not; an unknown queue is a 404; a saved filter's queue a 409.
        let rita = app.user_token("rita", "reviewer").await;
        let path = format!("/api/queues/{other}/conversations/matching?channel=rest");
        assert_eq!(as_user(&app, &rita, Method::POST, &path, None).await.0, StatusCode::FORBIDDEN);
        assert_eq!(add_matching(&app, 999_999, "channel=rest").await.0, StatusCode::NOT_FOUND);
        let (status, filter) = app.post_json("/api/filters", &json!({"name": "rest", "query": "channel=rest", "shared": true})).await;
        assert_eq!(status, StatusCode::OK, "{filter}");
        let saved = create(&app, json!({"name": "saved", "source": {"kind": "filter", "filter_id": filter["id"]}, "rubric": rubric()})).await;
        let (status, err) = add_matching(&app, saved["id"].as_i64().unwrap(), "channel=rest").await;
        assert_eq!((status, err["error"]["field"].clone()), (StatusCode::CONFLICT, json!("source")), "{err}");
    }
}
