//! Import rules: events of trashed conversations are kept, duplicates are found whatever the
//! key order, repeated messages without timestamps are kept, and `sort=oldest` pages neither
//! repeat nor skip while events arrive.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::both_backends;
use crate::rasa::*;

fn count(facets: &Value, list: &str, value: &str) -> i64 {
    facets[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["value"] == value)
        .map_or(0, |f| f["count"].as_i64().unwrap())
}

both_backends! {
    async fn events_of_a_trashed_conversation_are_kept_for_its_restore(app: TestApp) {
        let a = greeting("a", T0, "rest", 0.9, 0.9);
        app.import(&json!([a.clone(), greeting("b", T0 + 10.0, "rest", 0.9, 0.9)])).await;
        let (status, body) = app.send(app.request(reqwest::Method::DELETE, "/api/conversations/a")).await;
        assert!(status.is_success(), "{body}");

        let mut longer = a.clone();
        longer["events"].as_array_mut().unwrap().push(user("bye", "goodbye", 0.3, T0 + 50.0, "slack"));
        let summary = app.import(&longer).await;
        assert_eq!(summary["events_added"], 1, "{summary}");
        assert_eq!(summary["events_skipped"], 5, "{summary}");
        assert_eq!(summary["conversations_skipped_deleted"], 1, "stays in the trash: {summary}");
        assert_eq!(app.ids("").await, ["b"], "still not in the inbox");
        assert_eq!(app.get_ok("/api/trash").await["conversations"][0]["id"], "a");
        let f = app.get_ok("/api/facets").await;
        assert_eq!((count(&f, "intents", "goodbye"), count(&f, "channels", "slack")), (0, 0), "trashed: {f}");

        let (status, body) = app.post_json("/api/conversations/a/restore", &json!(null)).await;
        assert!(status.is_success(), "{body}");
        let detail = app.get_ok("/api/conversations/a").await;
        assert_eq!(detail["events"].as_array().unwrap().len(), 6, "restored complete");
        assert_eq!(detail["summary"]["user_message_count"], 2);
        assert_eq!(detail["summary"]["channel"], "slack");
        let f = app.get_ok("/api/facets").await;
        assert_eq!((count(&f, "intents", "goodbye"), count(&f, "channels", "slack")), (1, 1), "restored: {f}");
        assert_eq!(count(&f, "intents", "greet"), 2, "{f}");
        assert_eq!(app.import(&longer).await["events_added"], 0);
    }

    async fn the_same_event_with_keys_reordered_is_stored_once(app: TestApp) {
        let first = r#"{"sender_id":"k","events":[{"event":"user","timestamp":1793613600.5,"text":"hi","parse_data":{"intent":{"name":"greet","confidence":0.9},"entities":[]}},{"event":"action","timestamp":1793613601,"name":"utter_greet","confidence":1.0}]}"#;
        let reordered = r#"{"events":[ {"parse_data":{"entities":[],"intent":{"confidence":9e-1,"name":"greet"}},"text":"hi","timestamp":1793613600.5,"event":"user"}, {"confidence":1,"name":"utter_greet","timestamp":1793613601.0,"event":"action"} ],"sender_id":"k"}"#;
        let (status, s) = app.post_raw("/api/trackers", first).await;
        assert!(status.is_success(), "{s}");
        assert_eq!(s["events_added"], 2);
        let (status, s) = app.post_raw("/api/trackers", reordered).await;
        assert!(status.is_success(), "{s}");
        assert_eq!((s["events_added"].as_u64(), s["events_skipped"].as_u64()), (Some(0), Some(2)), "{s}");
        let events = app.get_ok("/api/conversations/k").await["events"].clone();
        assert_eq!(events.as_array().unwrap().len(), 2);
        // The text is kept as first received.
        assert_eq!(events[0]["event"]["text"], "hi");
    }

    async fn repeated_messages_without_timestamps_are_kept(app: TestApp) {
        let yes = json!({"event": "user", "text": "yes", "parse_data": {"intent": {"name": "affirm", "confidence": 0.9}}});
        let ask = json!({"event": "bot", "text": "Sure?"});
        let t = tracker("y", vec![yes.clone(), ask.clone(), yes.clone()]);
        let s = app.import(&t).await;
        assert_eq!(s["events_added"], 3, "two identical messages are two events: {s}");
        assert_eq!(app.import(&t).await["events_added"], 0, "the same tracker again adds nothing");
        // The tracker grows: the third "yes" is new, the first two are the stored ones.
        let longer = tracker("y", vec![yes.clone(), ask.clone(), yes.clone(), ask, yes]);
        let s = app.import(&longer).await;
        assert_eq!((s["events_added"].as_u64(), s["events_skipped"].as_u64()), (Some(2), Some(3)), "{s}");
        let detail = app.get_ok("/api/conversations/y").await;
        assert_eq!(detail["summary"]["user_message_count"], 3);
        assert_eq!(app.import(&longer).await["events_added"], 0);
    }

    async fn oldest_paging_neither_repeats_nor_skips_while_events_arrive(app: TestApp) {
        let convs: Vec<Value> = (0..7).map(|i| greeting(&format!("c{i}"), T0 + 100.0 * i as f64, "rest", 0.9, 0.9)).collect();
        app.import(&Value::Array(convs)).await;
        let expected: Vec<String> = (0..7).map(|i| format!("c{i}")).collect();
        assert_eq!(app.ids("sort=oldest").await, expected);

        let mut walked: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        for page_no in 0.. {
            let q = match &cursor {
                Some(c) => format!("/api/conversations?sort=oldest&limit=2&cursor={c}"),
                None => "/api/conversations?sort=oldest&limit=2".to_owned(),
            };
            let page = app.get_ok(&q).await;
            walked.extend(page["conversations"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()));
            // Between pages, a conversation already served and one not served yet gain events
            // later than every other conversation's.
            let served = walked[0].clone();
            let ahead = format!("c{}", (2 * page_no + 3).min(6));
            for sender in [served, ahead] {
                let e = user("more", "inform", 0.5, T0 + 10_000.0 + page_no as f64, "rest");
                let (status, body) = app.post_json(&format!("/api/conversations/{sender}/events"), &e).await;
                assert!(status.is_success(), "{body}");
            }
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        let unique: HashSet<&String> = walked.iter().collect();
        assert_eq!(unique.len(), walked.len(), "no conversation twice: {walked:?}");
        assert_eq!(walked, expected, "each once, in start order");
    }
}
