//! A Discover group saved as NLU examples (issue 15): its messages listed in pages (trash
//! left out), labelling with exclusions, entities taken from the prediction, annotations
//! kept or replaced, the group's coverage counted again, one audit row, validation that
//! writes nothing, roles; the examples reach the NLU export.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::annotations::{annotate, event_ids};
use crate::both_backends;
use crate::discover::{conversation, fixture, group, groups, run_to_end};
use crate::harness::TestApp;

/// Every message of the group's listing, `limit` a page: `(sender, text, annotated intent)`.
async fn listing(app: &TestApp, group: i64, limit: usize) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/discover/groups/{group}/messages?limit={limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = app.get_ok(&path).await;
        let messages = page["messages"].as_array().unwrap();
        assert!(messages.len() <= limit, "{page}");
        for m in messages {
            out.push((
                m["sender_id"].as_str().unwrap().to_owned(),
                m["text"].as_str().unwrap().to_owned(),
                m["annotated_intent"].clone(),
            ));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

/// The annotation of `sender`'s first message of the group (its second user message).
async fn annotation_of(app: &TestApp, sender: &str) -> Value {
    let list = app
        .get_ok(&format!("/api/conversations/{sender}/annotations"))
        .await;
    let event = event_ids(app, sender, "user").await[1];
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a["event_id"] == event)
        .cloned()
        .unwrap_or(Value::Null)
}

async fn annotation_count(app: &TestApp, senders: &[&str]) -> usize {
    let mut n = 0;
    for s in senders {
        n += app
            .get_ok(&format!("/api/conversations/{s}/annotations"))
            .await
            .as_array()
            .unwrap()
            .len();
    }
    n
}

const BITCOIN: [&str; 7] = ["a1", "a2", "a3", "a4", "a5", "a6", "a7"];
/// The bitcoin conversations once `a3` is in the trash.
const LIVE: [&str; 6] = ["a1", "a2", "a4", "a5", "a6", "a7"];

both_backends! {
    async fn a_group_becomes_nlu_examples(app: TestApp) {
        fixture(&app).await;
        // A seventh bitcoin message whose prediction found an entity (and one span outside
        // its text, which no annotation may hold).
        let mut a7 = conversation("a7", "web", 2.0, &[("can I pay with bitcoin today", "nlu_fallback", 0.9, "utter_ask_rephrase")]);
        a7["events"][3]["parse_data"]["entities"] = json!([
            {"entity": "currency", "value": "bitcoin", "start": 15, "end": 22, "extractor": "DIETClassifier"},
            {"entity": "time", "value": "today", "start": 23, "end": 99}
        ]);
        app.import(&json!([a7])).await;
        let a1 = event_ids(&app, "a1", "user").await[1];
        let a2 = event_ids(&app, "a2", "user").await[1];
        let a4 = event_ids(&app, "a4", "user").await[1];
        assert_eq!(annotate(&app, "a1", a1, &json!({"intent": "pay_crypto"})).await.0, StatusCode::OK);
        assert_eq!(annotate(&app, "a2", a2, &json!({"intent": "ask_payment"})).await.0, StatusCode::OK);
        run_to_end(&app, json!({"min_group_size": 4})).await;
        let found = groups(&app).await;
        let bitcoin = group(&found, "bitcoin");
        let id = bitcoin["id"].as_i64().unwrap();
        assert_eq!(bitcoin["size"], 7, "{bitcoin}");
        assert_eq!(bitcoin["covered"], 3, "a1, its folded twin a5, and a2: {bitcoin}");

        // Listed by conversation, in pages; the same whatever the page size.
        let all = listing(&app, id, 500).await;
        let senders: Vec<&str> = all.iter().map(|(s, _, _)| s.as_str()).collect();
        assert_eq!(senders, BITCOIN);
        assert_eq!(listing(&app, id, 3).await, all);
        assert_eq!(all[0].2, "pay_crypto");
        assert_eq!(all[1].2, "ask_payment");
        assert!(all[2..].iter().all(|m| m.2.is_null()), "{all:?}");
        // A conversation in the trash leaves the listing (and the labelling).
        let (status, _) = app.send(app.request(Method::DELETE, "/api/conversations/a3")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(listing(&app, id, 2).await.len(), 6);

        for (query, field) in [("limit=0", "limit"), ("limit=501", "limit"), ("cursor=x", "cursor"), ("bogus=1", "bogus")] {
            let (status, err) = app.get(&format!("/api/discover/groups/{id}/messages?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {err}");
            assert!(err["error"]["field"] == field || err["error"]["message"].as_str().unwrap().contains(field), "{query}: {err}");
        }
        let (status, _) = app.get("/api/discover/groups/999999/messages").await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Refused whole: a bad intent, an id not of the group; nothing is written.
        let label = format!("/api/discover/groups/{id}/label");
        let greeting = event_ids(&app, "a5", "user").await[0];
        for (body, field) in [
            (json!({"intent": "  "}), "intent"),
            (json!({"intent": "a/b/c"}), "intent"),
            (json!({"intent": "pay_crypto", "exclude": [a4, greeting]}), "exclude[1]"),
        ] {
            let (status, err) = app.post_json(&label, &body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {err}");
            assert_eq!(err["error"]["field"], field, "{body}: {err}");
        }
        let (status, _) = app.post_json(&label, &json!({"intent": "x", "surprise": true})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = app.post_json("/api/discover/groups/999999/label", &json!({"intent": "x"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(annotation_count(&app, &LIVE).await, 2);

        // a4 left out, a1 (this intent) and a2 (another) kept, a3 in the trash.
        let (status, done) = app.post_json(&label, &json!({"intent": " pay_crypto ", "exclude": [a4]})).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!((done["intent"].as_str(), done["annotated"].as_i64(), done["replaced"].as_i64(), done["kept"].as_i64(), done["excluded"].as_i64()),
            (Some("pay_crypto"), Some(3), Some(0), Some(2), Some(1)), "{done}");
        // Covered: a1, a2, a5, a6, a7 (a3 and a4 are not examples).
        assert_eq!(done["group"]["covered"], 5, "{done}");
        assert_eq!(group(&groups(&app).await, "bitcoin")["covered"], 5);
        assert_eq!(annotation_of(&app, "a4").await, Value::Null);
        let a7 = annotation_of(&app, "a7").await;
        assert_eq!(a7["intent"], "pay_crypto");
        assert_eq!(a7["predicted_intent"], "nlu_fallback");
        assert_eq!(a7["differs"], true);
        // The entity the prediction found, its value the text's own; the bad span dropped.
        assert_eq!(a7["entities"], json!([{"start": 15, "end": 22, "entity": "currency"}]), "{a7}");
        assert_eq!(annotation_of(&app, "a2").await["intent"], "ask_payment");
        let listed = listing(&app, id, 100).await;
        let intents: Vec<&Value> = listed.iter().map(|m| &m.2).collect();
        assert_eq!(intents, [&json!("pay_crypto"), &json!("ask_payment"), &Value::Null, &json!("pay_crypto"), &json!("pay_crypto"), &json!("pay_crypto")]);

        // Replacing: a2 takes the intent and keeps its entities; a4 is no longer left out.
        let (status, again) = app.post_json(&label, &json!({"intent": "pay_crypto", "replace_annotated": true})).await;
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!((again["annotated"].as_i64(), again["replaced"].as_i64(), again["kept"].as_i64(), again["excluded"].as_i64()),
            (Some(2), Some(1), Some(4), Some(0)), "{again}");
        let a2 = annotation_of(&app, "a2").await;
        assert_eq!((a2["intent"].as_str(), a2["predicted_intent"].as_str()), (Some("pay_crypto"), Some("nlu_fallback")));
        assert_eq!(annotation_count(&app, &LIVE).await, 6);

        // One audit row a labelling, the replaced annotation as it was.
        let audit = app.get_ok("/api/audit").await;
        let rows: Vec<&Value> = audit.as_array().unwrap().iter().filter(|e| e["action"] == "discover_group_labelled").collect();
        assert_eq!(rows.len(), 2, "{audit}");
        let newest = rows[0];
        assert_eq!(newest["target"], format!("discover group {id}"));
        assert_eq!(newest["before"]["replaced"][0]["intent"], "ask_payment", "{newest}");
        assert_eq!(newest["after"]["labelled"].as_array().unwrap().len(), 2, "{newest}");

        // The examples leave in the NLU export.
        let res = app.request(Method::GET, "/api/training-data/nlu").send().await.unwrap();
        let nlu = res.text().await.unwrap();
        assert!(nlu.contains("intent: pay_crypto"), "{nlu}");
        assert!(nlu.contains("can I pay with [bitcoin](currency) today"), "{nlu}");
        assert!(nlu.contains("bitcoin payment possible"), "{nlu}");
        assert!(!nlu.contains("pay in bitcoin please"), "a3 is in the trash: {nlu}");
    }

    async fn labelling_is_for_reviewers(app: TestApp) {
        fixture(&app).await;
        run_to_end(&app, json!({"min_group_size": 4})).await;
        let id = group(&groups(&app).await, "bitcoin")["id"].as_i64().unwrap();
        let viewer = app.user_token("vera", "viewer").await;
        let reviewer = app.user_token("rita", "reviewer").await;
        let mut app = app;
        let admin = app.act_as(Some(viewer));
        // Viewers read the messages but do not label.
        assert_eq!(app.get_ok(&format!("/api/discover/groups/{id}/messages")).await["messages"].as_array().unwrap().len(), 6);
        let label = format!("/api/discover/groups/{id}/label");
        let (status, _) = app.post_json(&label, &json!({"intent": "pay_crypto"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        app.act_as(Some(reviewer));
        let (status, done) = app.post_json(&label, &json!({"intent": "pay_crypto"})).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["annotated"], 6);
        app.act_as(None);
        let (status, _) = app.get(&format!("/api/discover/groups/{id}/messages")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        app.act_as(admin);
        let a1 = annotation_of(&app, "a1").await;
        assert_eq!(a1["annotated_by"], "rita");
    }
}
