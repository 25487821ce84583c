//! Discover's runs (issue 15): one run at a time per database, however many servers share
//! it; a run whose server stopped (a stale heartbeat) reads as failed at once and does not
//! block the next; the names a run leaves out are the path explorer's fallbacks.

use diesel::connection::SimpleConnection;
use diesel::RunQueryDsl;
use hindsight_server::db::{Backend, DatabaseUrl};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::discover::{conversation, run_to_end, wait};
use crate::harness::TestApp;

/// `n` conversations, each with one message predicted `nlu_fallback`.
async fn parcels(app: &TestApp, n: usize) {
    let all: Vec<Value> = (0..n)
        .map(|i| {
            let text = format!("where is my parcel number {i}");
            conversation(
                &format!("p{i}"),
                "web",
                1.0,
                &[(&text, "nlu_fallback", 0.9, "utter_x")],
            )
        })
        .collect();
    app.import(&Value::Array(all)).await;
}

both_backends! {
    async fn one_run_per_database_and_a_stale_run_fails(app: TestApp) {
        parcels(&app, 500).await;
        let other = app.second_server().await;
        let body = json!({"min_group_size": 4});
        // A connection of the test's own holds the run before it can store its groups, so it
        // is under way, whatever the machine's speed, until the test lets it go. PostgreSQL:
        // a lock on the groups' table, taken before the run starts (the start does not write
        // there). SQLite: the write lock, taken once the run is stored; under it the run
        // cannot end, which the test checks before asking the second server.
        let mut locker = DatabaseUrl::parse(&app.db.url).unwrap().connect().unwrap();
        let postgres = app.state.backend == Backend::Postgres;
        if postgres {
            locker.batch_execute("BEGIN; LOCK TABLE discover_groups IN EXCLUSIVE MODE").unwrap();
        }
        let (status, started) = app.post_json("/api/discover/runs", &body).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{started}");
        let id = started["id"].as_i64().unwrap();
        if !postgres {
            locker.batch_execute("BEGIN IMMEDIATE").unwrap();
        }
        let run = other.get_ok(&format!("/api/discover/runs/{id}")).await;
        assert_eq!(run["state"], "running", "{run}");
        // The second server has no run of its own, and still refuses: the database decides.
        let (status, refused) = other.post_json("/api/discover/runs", &body).await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");
        assert!(refused["error"]["message"].as_str().unwrap().contains(&format!("run {id}")), "{refused}");
        let result = other.get_ok("/api/discover").await;
        assert_eq!(result["running"]["id"], id, "{result}");
        locker.batch_execute("COMMIT").unwrap();
        let finished = wait(&other, id).await;
        assert_eq!(finished["candidates"], 500, "{finished}");

        // A run its server left `running` and stopped beating: failed at once, for both.
        locker
            .batch_execute(&format!(
                "UPDATE discover_runs SET state = 'running', finished_at = NULL, error = NULL, \
                 heartbeat_at = '2020-01-01 00:00:00' WHERE id = {id}"
            ))
            .unwrap();
        for server in [&app, &other] {
            let run = server.get_ok(&format!("/api/discover/runs/{id}")).await;
            assert_eq!(run["state"], "failed", "{run}");
            assert_eq!(run["error"], "the server stopped during the run", "{run}");
            let result = server.get_ok("/api/discover").await;
            assert!(result["running"].is_null(), "{result}");
        }
        // ... and does not block the next run, which stores it as failed.
        let small = json!({"min_group_size": 4, "max_candidates": 10});
        let (status, next) = other.post_json("/api/discover/runs", &small).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{next}");
        wait(&app, next["id"].as_i64().unwrap()).await;
        let stale = app.get_ok(&format!("/api/discover/runs/{id}")).await;
        assert_eq!((stale["state"].as_str(), stale["error"].as_str()), (Some("failed"), Some("the server stopped during the run")), "{stale}");
        let stored: Vec<StoredState> =
            diesel::sql_query(format!("SELECT state FROM discover_runs WHERE id = {id}"))
                .load(&mut locker)
                .unwrap();
        assert_eq!(stored[0].state, "failed");
    }
}

both_backends! {
    async fn names_left_out_are_the_path_explorers_fallbacks(app: TestApp) {
        let mut all = Vec::new();
        for i in 0..5 {
            let text = format!("where is parcel {i}");
            all.push(conversation(&format!("p{i}"), "web", 1.0, &[(&text, "ask_parcel", 0.9, "utter_parcel")]));
        }
        for i in 0..3 {
            let text = format!("refund order {i}");
            all.push(conversation(&format!("r{i}"), "web", 1.0, &[(&text, "ask_refund", 0.9, "utter_sorry")]));
        }
        for i in 0..4 {
            let text = format!("blah blah {i}");
            all.push(conversation(&format!("f{i}"), "web", 1.0, &[(&text, "nlu_fallback", 0.9, "utter_x")]));
        }
        app.import(&Value::Array(all)).await;
        let only_names = json!({"min_group_size": 2, "below_confidence": 0, "rephrase_similarity": 0});
        // Rasa's names until the path explorer's are changed: the predicted fallbacks.
        let rasa = run_to_end(&app, only_names.clone()).await;
        assert_eq!(rasa["candidates"], 4, "{rasa}");
        assert_eq!(rasa["settings"]["intents"], json!(["nlu_fallback", "out_of_scope"]), "{rasa}");

        let names = json!({"fallback_intents": ["ask_parcel"], "fallback_actions": ["utter_sorry"]});
        let (status, saved) = app.send(app.request(Method::PUT, "/api/settings/paths").json(&names)).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        let run = run_to_end(&app, only_names.clone()).await;
        assert_eq!(run["settings"]["intents"], json!(["ask_parcel"]), "{run}");
        assert_eq!(run["settings"]["fallback_actions"], json!(["utter_sorry"]), "{run}");
        assert_eq!(run["candidates"], 5 + 3, "{run}");

        // Names a run gives are its own, checked as the path explorer's are: trimmed, once.
        let mut own = only_names;
        own["intents"] = json!([" nlu_fallback ", "nlu_fallback"]);
        own["fallback_actions"] = json!([]);
        let run = run_to_end(&app, own).await;
        assert_eq!(run["settings"]["intents"], json!(["nlu_fallback"]), "{run}");
        assert_eq!(run["settings"]["fallback_actions"], json!([]), "{run}");
        assert_eq!(run["candidates"], 4, "{run}");
    }
}

#[derive(diesel::QueryableByName)]
struct StoredState {
    #[diesel(sql_type = diesel::sql_types::Text)]
    state: String,
}
