//! `GET /api/conversations/export`: the same conversations as the listing, as JSON lines or
//! CSV, events unchanged, across many pages; its errors and who may export.

use std::collections::HashMap;

use hindsight_types::{ConversationSummary, ExportedConversation, CSV_COLUMNS};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::*;

/// Status, headers and body text of an export.
async fn export(app: &TestApp, query: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let res = app
        .request(Method::GET, &format!("/api/conversations/export?{query}"))
        .send()
        .await
        .expect("export");
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.text().await.expect("export body"))
}

/// The lines of a JSON-lines export that must succeed.
async fn export_lines(app: &TestApp, query: &str) -> Vec<ExportedConversation> {
    let (status, _, text) = export(app, query).await;
    assert_eq!(status, StatusCode::OK, "{query}: {text}");
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "{query}: the last line is whole"
    );
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{query}: {e}: {l}")))
        .collect()
}

/// Every row of the listing for `query`, walked with the cursor.
async fn walk(app: &TestApp, query: &str) -> Vec<ConversationSummary> {
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&limit=500&cursor={c}"),
            None => format!("{query}&limit=500"),
        };
        let page = app.get_ok(&format!("/api/conversations?{q}")).await;
        let rows: Vec<ConversationSummary> =
            serde_json::from_value(page["conversations"].clone()).unwrap();
        all.extend(rows);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return all,
        }
    }
}

fn sorted_ids<'a>(ids: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut v: Vec<String> = ids.cloned().collect();
    v.sort();
    v
}

/// Conversations that differ in channel, intent, status, tags and flags; one's first message
/// has a comma, quotes and a line break.
async fn dataset(app: &TestApp) {
    let mut trackers: Vec<Value> = (0..6)
        .map(|i| {
            let channel = if i % 2 == 0 { "rest" } else { "telegram" };
            greeting(&format!("g{i}"), T0 + i as f64 * 60.0, channel, 0.9, 0.8)
        })
        .collect();
    trackers.push(tracker(
        "quoted",
        vec![
            user(
                "He said \"hi, there\"\nand left",
                "chitchat",
                0.4,
                T0 + 900.0,
                "slack",
            ),
            action("utter_chitchat", "TEDPolicy", 0.6, T0 + 901.0),
        ],
    ));
    app.import(&json!(trackers)).await;
    for (id, tags) in [
        ("g0", r#"[{"value":"billing"},{"value":"urgent"}]"#),
        ("g3", r#"[{"value":"billing"}]"#),
    ] {
        let (status, body) = app
            .post_raw(&format!("/api/conversations/{id}/tags"), tags)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, _) = app
        .send(
            app.request(Method::PUT, "/api/conversations/g1/reviewStatus")
                .json(&json!({"review_status": "reviewed"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let detail = app.get_ok("/api/conversations/g2").await;
    let event_id = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"]["event"] == "user")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (status, _) = app
        .send(
            app.request(
                Method::PUT,
                &format!("/api/conversations/g2/events/{event_id}/flag"),
            )
            .json(&json!({"note": "wrong intent"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

both_backends! {
    async fn exports_what_the_listing_shows(app: TestApp) {
        dataset(&app).await;
        for query in ["", "channel=rest", "tags_any=billing", "tags_none=urgent", "review_status=reviewed",
                      "flagged=true", "intent=greet", "text=hello", "min_user_messages=1&sort=oldest"] {
            let listed = walk(&app, query).await;
            let count = app.count(query).await;
            assert_eq!(listed.len() as i64, count, "{query}");
            let lines = export_lines(&app, query).await;
            assert_eq!(lines.len() as i64, count, "{query}");
            assert_eq!(sorted_ids(lines.iter().map(|l| &l.summary.id)), sorted_ids(listed.iter().map(|s| &s.id)), "{query}");
            // Each line's summary is the inbox row itself.
            let by_id: HashMap<&str, &ConversationSummary> = listed.iter().map(|s| (s.id.as_str(), s)).collect();
            for line in &lines {
                assert_eq!(&line.summary, by_id[line.summary.id.as_str()], "{query}");
                assert!(line.events.is_none());
            }
            // CSV: the same conversations, and it parses back.
            let (status, headers, text) = export(&app, &format!("{query}&format=csv")).await;
            assert_eq!(status, StatusCode::OK, "{text}");
            assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
            assert_eq!(header, CSV_COLUMNS[..CSV_COLUMNS.len() - 1]);
            let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
            let csv_ids: Vec<String> = records.iter().map(|r| r[0].to_owned()).collect();
            assert_eq!(sorted_ids(csv_ids.iter()), sorted_ids(listed.iter().map(|s| &s.id)), "{query}");
            for r in &records {
                let s = by_id[&r[0]];
                assert_eq!(&r[10], s.review_status.as_str());
                assert_eq!(r[14], s.tags.iter().map(|t| t.value.as_str()).collect::<Vec<_>>().join(";"));
                assert_eq!(r[15], s.first_user_message.clone().unwrap_or_default());
                assert_eq!(r[4].parse::<i64>().unwrap(), s.user_message_count);
                assert_eq!(r[6], s.intents.join(";"));
            }
        }
        // What the lines carry beyond the row: the flag, with its note.
        let flagged = export_lines(&app, "flagged=true").await;
        assert_eq!(flagged.len(), 1);
        assert_eq!(flagged[0].summary.id, "g2");
        assert_eq!(flagged[0].flags.len(), 1);
        assert_eq!(flagged[0].flags[0].note.as_deref(), Some("wrong intent"));
        let (_, _, text) = export(&app, "format=csv&flagged=true").await;
        let record = csv::Reader::from_reader(text.as_bytes()).records().next().unwrap().unwrap();
        assert_eq!(record[13], flagged[0].flags[0].event_id.to_string());
        assert_eq!(&record[12], "true");
        // The awkward first message survives CSV quoting.
        let (_, _, text) = export(&app, "format=csv&channel=slack").await;
        let record = csv::Reader::from_reader(text.as_bytes()).records().next().unwrap().unwrap();
        assert_eq!(&record[15], "He said \"hi, there\"\nand left");
    }

    async fn events_come_back_unchanged(app: TestApp) {
        // Spaced, reordered and pretty-printed as a client might send them.
        let odd = r#"{"sender_id":"odd","events":[{"event":"action","timestamp":1793613610.5,"name":"action_session_start","policy":null,"confidence":1.0},{"event":"user","timestamp":1793613600.25,"text":"early?","parse_data":{"intent":{"name":"ask","confidence":6.5e-1},"entities":[]},"input_channel":"rest"},{"event":"my_custom_event","timestamp":1793613605,"payload":{"nested":[1,2.50,"x"]}}]}"#;
        let (status, body) = app.post_raw("/api/trackers", odd).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let pretty = "{\"sender_id\": \"pretty\",\n \"events\": [\n  {\n   \"event\": \"user\",\n   \"timestamp\": 1793613700,\n   \"text\": \"line\\nbreak\"\n  },\n  {\"event\": \"bot\", \"timestamp\": 1793613701, \"text\": \"ok\"}\n ]\n}";
        let (status, body) = app.post_raw("/api/trackers", pretty).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        app.import(&json!([greeting("plain", T0, "rest", 0.9, 0.9)])).await;

        let (status, _, text) = export(&app, "events=true").await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert_eq!(text.lines().count(), 3, "one line per conversation:\n{text}");
        let odd_line = text.lines().find(|l| l.contains("\"id\":\"odd\"")).unwrap();
        let original = &odd[odd.find("\"events\":[").unwrap()..odd.len() - 1];
        assert!(odd_line.ends_with(&format!("{original}}}")), "each event's text byte for byte:\n{odd_line}");
        for id in ["odd", "pretty", "plain"] {
            let tracker = app.get_ok(&format!("/api/conversations/{id}/tracker")).await;
            let line: ExportedConversation = serde_json::from_str(text.lines().find(|l| l.contains(&format!("\"id\":\"{id}\""))).unwrap()).unwrap();
            assert_eq!(Some(tracker["events"].as_array().unwrap().clone()), line.events, "{id}");
        }
        // CSV carries them as a JSON array in its last column.
        let (_, _, text) = export(&app, "format=csv&events=true&sender_id=odd").await;
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), CSV_COLUMNS);
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(format!("\"events\":{}", &record[16]), original);
    }

    async fn walks_past_many_pages(app: TestApp) {
        // More conversations than one page holds, with or without events.
        let trackers: Vec<Value> = (0..1_234)
            .map(|i| greeting(&format!("c{i:04}"), T0 + i as f64, if i % 3 == 0 { "rest" } else { "slack" }, 0.9, 0.9))
            .collect();
        app.import(&json!(trackers)).await;
        for query in ["", "channel=slack", "events=true", "events=true&channel=rest"] {
            let filter = query.trim_start_matches("events=true").trim_start_matches('&');
            let listed = walk(&app, filter).await;
            let lines = export_lines(&app, query).await;
            assert_eq!(lines.len(), listed.len(), "{query}");
            assert_eq!(sorted_ids(lines.iter().map(|l| &l.summary.id)), sorted_ids(listed.iter().map(|s| &s.id)), "{query}");
            if query.starts_with("events") {
                assert!(lines.iter().all(|l| l.events.as_ref().map(Vec::len) == Some(5)), "{query}");
            }
        }
        let (_, _, text) = export(&app, "format=csv").await;
        assert_eq!(csv::Reader::from_reader(text.as_bytes()).records().count(), 1_234);
    }

    async fn errors_and_who_may_export(app: TestApp) {
        app.import(&json!([greeting("a", T0, "rest", 0.9, 0.9)])).await;
        for (query, field) in [("format=xml", "format"), ("events=maybe", "events"),
                               ("min_user_messages=x", "min_user_messages"), ("limit=5", "limit")] {
            let (status, _, text) = export(&app, query).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
            let body: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(body["error"]["field"], field, "{query}: {body}");
        }
        let (status, headers, _) = export(&app, "format=csv").await;
        assert_eq!(status, StatusCode::OK);
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment; filename=\"conversations-") && disposition.ends_with(".csv\""), "{disposition}");
        let (_, headers, _) = export(&app, "").await;
        assert!(headers["content-disposition"].to_str().unwrap().ends_with(".jsonl\""));
        assert_eq!(headers["content-type"], "application/x-ndjson");

        let mut app = app;
        let viewer = app.user_token("watcher", "viewer").await;
        app.act_as(Some(viewer));
        assert_eq!(export_lines(&app, "").await.len(), 1);
        app.act_as(None);
        let (status, _, _) = export(&app, "").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // An API token in the query string, as a download link carries it.
        app.act_as(Some(app.user_token("admin2", "admin").await));
        let (status, created) = app.post_json("/api/tokens", &json!({"name": "exporter", "role": "viewer"})).await;
        assert_eq!(status, StatusCode::OK, "{created}");
        let token = created["token"].as_str().unwrap().to_owned();
        app.act_as(None);
        let lines = export_lines(&app, &format!("api_token={token}&format=jsonl")).await;
        assert_eq!(lines.len(), 1);
    }
}
