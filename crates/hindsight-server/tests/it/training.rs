//! Saving stories and tests from conversations, editing them, and the training-data exports
//! (over HTTP and `hindsight export training-data`).

use clap::Parser;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::annotations::{annotate, event_ids, food};
use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::{self, T0};

async fn text(app: &TestApp, path: &str) -> (StatusCode, String) {
    let res = app.request(Method::GET, path).send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

async fn save(app: &TestApp, body: Value) -> (StatusCode, Value) {
    app.post_json("/api/training-data/items", &body).await
}

async fn patch(app: &TestApp, id: i64, body: Value) -> (StatusCode, Value) {
    let path = format!("/api/training-data/items/{id}");
    app.send(app.request(Method::PATCH, &path).json(&body))
        .await
}

/// Conversation "a" (see `food`) annotated: the first message corrected to `request_food`
/// with two entities, the second confirmed as `greet`.
async fn annotated(app: &TestApp) -> Vec<i64> {
    app.import(&json!([
        food("a"),
        rasa::greeting("b", T0, "rest", 0.9, 0.9)
    ]))
    .await;
    let users = event_ids(app, "a", "user").await;
    let body = json!({"intent": "request_food", "entities": [
        {"start": 7, "end": 14, "entity": "cuisine", "value": "italian"},
        {"start": 23, "end": 29, "entity": "location"}
    ]});
    assert_eq!(annotate(app, "a", users[0], &body).await.0, StatusCode::OK);
    assert_eq!(
        annotate(app, "a", users[1], &json!({"intent": "greet"}))
            .await
            .0,
        StatusCode::OK
    );
    users
}

const NLU: &str = "version: \"3.1\"
nlu:
- intent: request_food
  examples: |
    - I want [Italian]{\"entity\": \"cuisine\", \"value\": \"italian\"} food in [Berlin](location)
- intent: greet
  examples: |
    - Grüße 🇩🇪 hello there
";

both_backends! {
    async fn save_edit_and_export(app: TestApp) {
        let users = annotated(&app).await;
        let (status, nlu) = text(&app, "/api/training-data/nlu").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(nlu, NLU);
        // A story of the whole conversation, with the corrections applied.
        let (status, story) = save(&app, json!({"kind": "story", "name": "food: order", "conversation_id": "a"})).await;
        assert_eq!(status, StatusCode::CREATED, "{story}");
        assert_eq!(story["conversation_id"], "a");
        assert_eq!(story["edited"], false);
        let content = story["content"].as_str().unwrap();
        assert!(content.starts_with("version: \"3.1\"\nstories:\n- story: 'food: order'\n  steps:\n  - intent: request_food\n    entities:\n    - cuisine: italian\n    - location: Berlin\n  - action: utter_ok\n"), "{content}");
        // A test story up to the first message, and an end-to-end test case.
        let (status, test) = save(&app, json!({"kind": "test_story", "name": "first", "conversation_id": "a", "until_event_id": users[0]})).await;
        assert_eq!(status, StatusCode::CREATED, "{test}");
        assert_eq!(test["event_id"], users[0]);
        assert_eq!(test["content"], "version: \"3.1\"\nstories:\n- story: first\n  steps:\n  - intent: request_food\n    user: |-\n      I want [Italian]{\"entity\": \"cuisine\", \"value\": \"italian\"} food in [Berlin](location)\n");
        let (status, case) = save(&app, json!({"kind": "e2e_test", "name": "food", "conversation_id": "a"})).await;
        assert_eq!(status, StatusCode::CREATED, "{case}");
        assert_eq!(case["content"], "test_cases:\n- test_case: food\n  steps:\n  - user: I want Italian food in Berlin\n  - bot: Ok!\n  - user: Grüße 🇩🇪 hello there\n");
        let (_, other) = save(&app, json!({"kind": "e2e_test", "name": "hi", "conversation_id": "b"})).await;
        let (status, e2e) = text(&app, "/api/training-data/e2e").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(e2e, "test_cases:\n- test_case: food\n  steps:\n  - user: I want Italian food in Berlin\n  - bot: Ok!\n  - user: Grüße 🇩🇪 hello there\n- test_case: hi\n  steps:\n  - user: hello there\n  - bot: Hi! How can I help?\n");
        // The same name twice: 409; unknown conversation or event: 404; bad names: 400.
        let (status, err) = save(&app, json!({"kind": "story", "name": "food: order", "conversation_id": "b"})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{err}");
        assert_eq!(err["error"]["field"], "name");
        let (status, _) = save(&app, json!({"kind": "story", "name": "x", "conversation_id": "nope"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = save(&app, json!({"kind": "story", "name": "x", "conversation_id": "b", "until_event_id": users[0]})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        for name in ["", "  ", "a\nb"] {
            let (status, err) = save(&app, json!({"kind": "story", "name": name, "conversation_id": "b"})).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{name:?}");
            assert_eq!(err["error"]["field"], "name");
        }
        let (status, _) = save(&app, json!({"kind": "poem", "name": "x", "conversation_id": "b"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        // Rename: only the name changes.
        let id = story["id"].as_i64().unwrap();
        let (status, renamed) = patch(&app, id, json!({"name": "order food"})).await;
        assert_eq!(status, StatusCode::OK, "{renamed}");
        assert_eq!(renamed["content"].as_str().unwrap(), content.replacen("'food: order'", "order food", 1));
        assert_eq!(renamed["edited"], false);
        // Edit as text: checked; the name comes from the text.
        let edited = "version: \"3.1\"\nstories:\n- story: typed\n  steps:\n  - intent: greet\n  - action: utter_greet\n";
        let (status, item) = patch(&app, id, json!({"content": edited})).await;
        assert_eq!(status, StatusCode::OK, "{item}");
        assert_eq!(item["name"], "typed");
        assert_eq!(item["edited"], true);
        for bad in ["stories: [", "nlu: []", "stories:\n- story: a\n  steps: []\n- story: b\n  steps: []\n"] {
            let (status, err) = patch(&app, id, json!({"content": bad})).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {err}");
            assert_eq!(err["error"]["field"], "content");
        }
        let (status, _) = patch(&app, id, json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = patch(&app, 999_999, json!({"name": "z"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, stories) = text(&app, "/api/training-data/stories").await;
        assert_eq!(stories, edited);
        let list = app.get_ok("/api/training-data/items?kind=e2e_test").await;
        assert_eq!(list.as_array().unwrap().len(), 2);
        assert_eq!(app.get_ok("/api/training-data/items").await.as_array().unwrap().len(), 4);
        // Delete.
        let other = other["id"].as_i64().unwrap();
        let path = format!("/api/training-data/items/{other}");
        assert_eq!(app.send(app.request(Method::DELETE, &path)).await.0, StatusCode::NO_CONTENT);
        assert_eq!(app.send(app.request(Method::DELETE, &path)).await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&path).await.0, StatusCode::NOT_FOUND);
        let trail = app.get_ok("/api/audit").await;
        let actions: Vec<&str> = trail.as_array().unwrap().iter().map(|t| t["action"].as_str().unwrap()).collect();
        for a in ["training_item_saved", "training_item_updated", "training_item_deleted"] {
            assert!(actions.contains(&a), "{actions:?}");
        }
        // Empty exports are still files.
        let (_, tests) = text(&app, "/api/training-data/tests").await;
        assert!(tests.contains("- story: first\n"), "{tests}");
    }

    async fn export_filters_and_cli(app: TestApp) {
        annotated(&app).await;
        let mut app = app;
        let reviewer = app.user_token("rita", "reviewer").await;
        let admin = app.act_as(Some(reviewer));
        let users_b = event_ids(&app, "b", "user").await;
        assert_eq!(annotate(&app, "b", users_b[0], &json!({"intent": "greet"})).await.0, StatusCode::OK);
        let (_, by_rita) = text(&app, "/api/training-data/nlu?annotator=rita").await;
        assert_eq!(by_rita, "version: \"3.1\"\nnlu:\n- intent: greet\n  examples: |\n    - hello there\n");
        let (_, all) = text(&app, "/api/training-data/nlu").await;
        assert!(all.contains("- hello there\n") && all.contains("Berlin"), "{all}");
        let (_, nobody) = text(&app, "/api/training-data/nlu?since=2999-01-01T00:00:00Z").await;
        assert_eq!(nobody, "");
        let (status, err) = app.get("/api/training-data/nlu?since=yesterday").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(err["error"]["field"], "since");
        app.act_as(admin);
        // By tag and by saved filter.
        app.post_raw("/api/conversations/b/tags", r#"[{"value":"gold","color":"ff8800"}]"#).await;
        let (_, gold) = text(&app, "/api/training-data/nlu?tag=gold").await;
        assert_eq!(gold, by_rita);
        let (status, filter) = app.post_json("/api/filters", &json!({"name": "misclassified", "query": "misclassified=true"})).await;
        assert_eq!(status, StatusCode::OK, "{filter}");
        let fid = filter["id"].as_i64().unwrap();
        let (_, mis) = text(&app, &format!("/api/training-data/nlu?filter={fid}")).await;
        assert!(mis.contains("request_food") && !mis.contains("    - hello there\n"), "{mis}");
        assert_eq!(app.get("/api/training-data/nlu?filter=999999").await.0, StatusCode::NOT_FOUND);
        // The command line writes the four files.
        save(&app, json!({"kind": "story", "name": "s", "conversation_id": "a"})).await;
        let dir = tempfile::tempdir().unwrap();
        let cli = hindsight_server::cli::Cli::try_parse_from([
            "hindsight", "--database-url", &app.db.url, "export", "training-data", dir.path().to_str().unwrap(),
        ]).unwrap();
        let handle = std::thread::spawn(move || cli.run().map_err(|e| e.to_string()));
        handle.join().unwrap().unwrap();
        let read = |p: &str| std::fs::read_to_string(dir.path().join(p)).unwrap();
        assert_eq!(read("data/nlu.yml"), all);
        assert!(read("data/stories.yml").contains("- story: s\n"));
        assert_eq!(read("tests/test_stories.yml"), "version: \"3.1\"\nstories: []\n");
        assert_eq!(read("tests/e2e_test_cases.yml"), "test_cases: []\n");
    }
}
