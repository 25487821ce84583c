//! Adding every conversation an inbox filter matches to a review queue (issue 13), done by
//! the server a batch at a time: more than one batch and more than the by-id limit of
//! 10,000, each conversation once, nothing for a bad filter or a reviewer.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::{await_lock_wait, count_sql, Db, TestApp};
use crate::queues::{as_user, create, rubric};

async fn add_matching(app: &TestApp, queue: i64, query: &str) -> (StatusCode, Value) {
    let path = format!("/api/queues/{queue}/conversations/matching?{query}");
    app.send(app.request(Method::POST, &path)).await
}

both_backends! {
    async fn a_filter_adds_each_match_once(app: TestApp) {
        app.load_demo(12_000, 1);
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

both_backends! {
    // Deleting a queue deletes its entries and no other queue's (PostgreSQL by a
    // statement-level trigger since migration `2026-12-06-000210`, not a foreign key).
    async fn a_deleted_queues_entries_go_with_it(app: TestApp) {
        app.load_demo(50, 1);
        let ids = app.ids("limit=20").await;
        let gone = crate::queues::explicit(&app, "gone", json!({}), &ids).await;
        let kept = crate::queues::explicit(&app, "kept", json!({}), &ids).await;
        let entries = |queue: i64| {
            let mut conn = app.state.pool.get().unwrap();
            count_sql(&mut conn, &format!("SELECT count(*) AS n FROM queue_conversations WHERE queue_id = {queue}"))
        };
        assert_eq!((entries(gone), entries(kept)), (20, 20));
        let (status, body) = app.send(app.request(Method::DELETE, &format!("/api/queues/{gone}"))).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        assert_eq!((entries(gone), entries(kept)), (0, 20));
    }
}

/// Takes `lock` in a transaction on a connection of its own and holds it until the returned
/// sender is used; the thread ends when the transaction has committed.
fn held_in_a_transaction(
    app: &TestApp,
    lock: fn(&mut hindsight_server::db::DbConnection) -> diesel::QueryResult<()>,
) -> (
    std::thread::JoinHandle<diesel::QueryResult<()>>,
    std::sync::mpsc::Sender<()>,
) {
    use diesel::Connection;
    let pool = app.state.pool.clone();
    let (held, hold) = std::sync::mpsc::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        pool.get().unwrap().transaction(|c| {
            lock(c)?;
            held.send(()).unwrap();
            released.recv().unwrap();
            Ok(())
        })
    });
    hold.recv().unwrap();
    (holder, release)
}

// PostgreSQL keeps no foreign key from a queue's entries to their conversations (migration
// `2026-12-06-000210`): a fill holds purges off from before it reads its candidates until it
// commits, and a purge holds fills off until it commits. Each side here holds its lock in a
// transaction left open until the other side is seen waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fills_and_purges_wait_for_each_other() {
    use hindsight_server::db::{queue_fill, triage};
    let app = TestApp::start(Db::Postgres).await;
    app.load_demo(50, 1);
    let ids = app.ids("limit=2").await;
    let queue = crate::queues::explicit(&app, "q", json!({}), &ids[..1]).await;
    let (status, _) = app
        .send(app.request(Method::DELETE, &format!("/api/conversations/{}", ids[0])))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // A fill under way: the purge waits for it to commit.
    let (fill, release) = held_in_a_transaction(&app, queue_fill::hold_off_purges);
    let pool = app.state.pool.clone();
    let purge = tokio::task::spawn_blocking(move || triage::purge(&mut pool.get().unwrap(), 0));
    await_lock_wait(&mut app.state.pool.get().unwrap());
    assert!(!purge.is_finished(), "the purge went ahead of the fill");
    release.send(()).unwrap();
    fill.join().unwrap().unwrap();
    assert_eq!(purge.await.unwrap().unwrap(), 1, "the trashed conversation");
    let mut conn = app.state.pool.get().unwrap();
    let orphans = "SELECT count(*) AS n FROM queue_conversations q \
                   WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = q.conversation_id)";
    assert_eq!(count_sql(&mut conn, orphans), 0);
    assert_eq!(
        count_sql(
            &mut conn,
            &format!("SELECT count(*) AS n FROM queue_conversations WHERE queue_id = {queue}")
        ),
        0
    );
    drop(conn);

    // A purge under way: a fill waits for it, then reads what the purge left.
    let (purger, release) = held_in_a_transaction(&app, queue_fill::lock_for_purge);
    let add = app.request(Method::POST, &format!("/api/queues/{queue}/conversations"));
    let add = tokio::spawn(add.json(&json!({"conversation_ids": [ids[1]]})).send());
    await_lock_wait(&mut app.state.pool.get().unwrap());
    assert!(!add.is_finished(), "the fill went ahead of the purge");
    release.send(()).unwrap();
    purger.join().unwrap().unwrap();
    let added = add.await.unwrap().unwrap();
    assert_eq!(added.status(), StatusCode::OK);
    assert_eq!(added.json::<Value>().await.unwrap()["added"], 1);
}
