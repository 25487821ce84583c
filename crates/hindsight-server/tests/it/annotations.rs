//! Annotating user messages: validation, roles, audit, the stored prediction, the inbox
//! filters on annotated and misclassified conversations.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::{self, T0};

/// Ids of the conversation's events of type `kind`, in order.
pub async fn event_ids(app: &TestApp, sender: &str, kind: &str) -> Vec<i64> {
    let detail = app.get_ok(&format!("/api/conversations/{sender}")).await;
    detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type_name"] == kind)
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

pub async fn annotate(
    app: &TestApp,
    sender: &str,
    event: i64,
    body: &Value,
) -> (StatusCode, Value) {
    let path = format!("/api/conversations/{sender}/events/{event}/annotation");
    app.send(app.request(Method::PUT, &path).json(body)).await
}

/// A conversation with the user messages "I want Italian food in Berlin" (inform) and
/// "hello there" (greet).
pub fn food(sender: &str) -> Value {
    rasa::tracker(
        sender,
        vec![
            rasa::action("action_listen", "RulePolicy", 1.0, T0),
            rasa::user(
                "I want Italian food in Berlin",
                "inform",
                0.6,
                T0 + 1.0,
                "rest",
            ),
            rasa::action("utter_ok", "TEDPolicy", 0.9, T0 + 2.0),
            rasa::bot("Ok!", T0 + 2.1),
            rasa::action("action_listen", "TEDPolicy", 0.99, T0 + 2.2),
            rasa::user("Grüße 🇩🇪 hello there", "greet", 0.9, T0 + 3.0, "rest"),
        ],
    )
}

both_backends! {
    async fn annotate_correct_and_remove(app: TestApp) {
        app.import(&json!([food("a"), rasa::greeting("b", T0, "rest", 0.9, 0.9)])).await;
        let users = event_ids(&app, "a", "user").await;
        let body = json!({"intent": "request_food", "entities": [
            {"start": 23, "end": 29, "entity": "location"},
            {"start": 7, "end": 14, "entity": "cuisine", "value": "italian", "role": "main"}
        ]});
        let (status, saved) = annotate(&app, "a", users[0], &body).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["intent"], "request_food");
        assert_eq!(saved["predicted_intent"], "inform");
        assert_eq!(saved["differs"], true);
        assert_eq!(saved["annotated_by"], "tester");
        // Ordered by position.
        assert_eq!(saved["entities"][0]["entity"], "cuisine");
        assert_eq!(saved["entities"][1]["entity"], "location");
        // The prediction is untouched.
        let detail = app.get_ok("/api/conversations/a").await;
        let event = detail["events"].as_array().unwrap().iter().find(|e| e["id"] == users[0]).unwrap().clone();
        assert_eq!(event["intent"], "inform");
        // Confirming the prediction on the other message: not a misclassification.
        let (status, saved) = annotate(&app, "a", users[1], &json!({"intent": " greet "})).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["intent"], "greet");
        assert_eq!(saved["differs"], false);
        let list = app.get_ok("/api/conversations/a/annotations").await;
        assert_eq!(list.as_array().unwrap().len(), 2);
        assert_eq!(list[0]["text"], "I want Italian food in Berlin");
        // Correcting again keeps the original prediction.
        let (_, saved) = annotate(&app, "a", users[0], &json!({"intent": "inform"})).await;
        assert_eq!(saved["predicted_intent"], "inform");
        assert_eq!(saved["differs"], false);
        assert_eq!(saved["entities"], json!([]));
        let trail = app.get_ok("/api/conversations/a/audit").await;
        assert_eq!(trail[0]["action"], "annotate");
        assert_eq!(trail[0]["before"]["intent"], "request_food");
        assert_eq!(trail[0]["after"]["intent"], "inform");
        // The inbox filters.
        assert_eq!(app.ids("annotated=true").await, vec!["a"]);
        assert_eq!(app.ids("annotated=false").await, vec!["b"]);
        assert!(app.ids("misclassified=true").await.is_empty());
        annotate(&app, "a", users[1], &json!({"intent": "faq/ask_price"})).await;
        assert_eq!(app.ids("misclassified=true").await, vec!["a"]);
        assert_eq!(app.ids("misclassified=false").await, vec!["b"]);
        let intents = app.get_ok("/api/training-data/intents").await;
        for name in ["faq/ask_price", "greet", "inform"] {
            assert!(intents.as_array().unwrap().iter().any(|i| i == name), "{intents}");
        }
        // Removing.
        let path = format!("/api/conversations/a/events/{}/annotation", users[1]);
        let (status, _) = app.send(app.request(Method::DELETE, &path)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = app.send(app.request(Method::DELETE, &path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(app.ids("misclassified=true").await.is_empty());
        assert_eq!(app.get_ok("/api/conversations/a/audit").await[0]["action"], "annotation_removed");
    }

    async fn annotation_validation(app: TestApp) {
        app.import(&json!([food("a")])).await;
        let users = event_ids(&app, "a", "user").await;
        let bots = event_ids(&app, "a", "bot").await;
        // "Grüße 🇩🇪 hello there": the flag is code points 6..8.
        let e = |start: usize, end: usize| json!({"start": start, "end": end, "entity": "x"});
        for (body, field) in [
            (json!({"intent": ""}), "intent"),
            (json!({"intent": "   "}), "intent"),
            (json!({"intent": "a/b/c"}), "intent"),
            (json!({"intent": "faq/"}), "intent"),
            (json!({"intent": "x\ny"}), "intent"),
            (json!({"intent": "ok", "entities": [e(3, 3)]}), "entities[0]"),
            (json!({"intent": "ok", "entities": [e(0, 99)]}), "entities[0]"),
            (json!({"intent": "ok", "entities": [e(6, 7)]}), "entities[0]"),
            (json!({"intent": "ok", "entities": [e(0, 5), e(3, 8)]}), "entities[1]"),
            (json!({"intent": "ok", "entities": [{"start": 0, "end": 5, "entity": ""}]}), "entities[0].entity"),
            (json!({"intent": "ok", "entities": [{"start": 0, "end": 5, "entity": "x", "role": ""}]}), "entities[0].role"),
            (json!({"intent": "ok", "entities": [{"start": 0, "end": 5, "entity": "x", "value": {"a": 1}}]}), "entities[0].value"),
        ] {
            let (status, err) = annotate(&app, "a", users[1], &body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {err}");
            assert_eq!(err["error"]["field"], field, "{body}: {err}");
        }
        let (status, err) = annotate(&app, "a", users[1], &json!({"entities": []})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
        // A flag whole, and two entities on exactly one span, are fine.
        let (status, saved) = annotate(&app, "a", users[1], &json!({"intent": "greet", "entities": [e(6, 8), e(0, 5), {"start": 0, "end": 5, "entity": "y"}]})).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["entities"].as_array().unwrap().len(), 3);
        // Not a user message; no such event; no such conversation.
        let (status, err) = annotate(&app, "a", bots[0], &json!({"intent": "greet"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
        assert_eq!(err["error"]["field"], "event_id");
        let (status, _) = annotate(&app, "a", 999_999, &json!({"intent": "greet"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = annotate(&app, "nope", users[0], &json!({"intent": "greet"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Nothing half-written: only the one good annotation and its audit row.
        assert_eq!(app.get_ok("/api/conversations/a/annotations").await.as_array().unwrap().len(), 1);
        let trail = app.get_ok("/api/conversations/a/audit").await;
        assert_eq!(trail.as_array().unwrap().iter().filter(|t| t["action"] == "annotate").count(), 1);
    }

    async fn viewers_read_but_do_not_annotate(app: TestApp) {
        app.import(&json!([food("a")])).await;
        let users = event_ids(&app, "a", "user").await;
        let mut app = app;
        let viewer = app.user_token("vic", "viewer").await;
        let reviewer = app.user_token("rita", "reviewer").await;
        let admin = app.act_as(Some(viewer));
        let (status, _) = annotate(&app, "a", users[0], &json!({"intent": "greet"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(app.get_ok("/api/conversations/a/annotations").await, json!([]));
        app.act_as(Some(reviewer));
        let (status, saved) = annotate(&app, "a", users[0], &json!({"intent": "greet"})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(saved["annotated_by"], "rita");
        app.act_as(None);
        let (status, _) = annotate(&app, "a", users[0], &json!({"intent": "greet"})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        app.act_as(admin);
    }
}
