//! `GET /api/conversations/{id}` answers one window of a conversation's events: exact
//! counts, ids, order and ends for every anchor; cursors that walk the whole conversation
//! both ways; clear errors for bad parameters; the trash as before.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::{self, T0};

/// Events of the long conversation: 4 per turn.
const TURNS: usize = 60;
const TOTAL: i64 = (TURNS * 4) as i64;

/// A conversation of `TURNS` turns (user, slot, action, bot), imported in one tracker.
async fn long_conversation(app: &TestApp, id: &str) {
    let mut events = Vec::new();
    for t in 0..TURNS {
        let ts = T0 + t as f64 * 10.0;
        events.push(rasa::user(
            &format!("message {t}"),
            "greet",
            0.9,
            ts,
            "rest",
        ));
        events.push(rasa::slot("turn", json!(t), ts + 1.0));
        events.push(rasa::action("utter_greet", "RulePolicy", 1.0, ts + 2.0));
        events.push(rasa::bot(&format!("answer {t}"), ts + 3.0));
    }
    app.import(&json!([rasa::tracker(id, events)])).await;
}

fn ids(body: &Value) -> Vec<i64> {
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

fn seqs(body: &Value) -> Vec<i64> {
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect()
}

/// Every event id in recorded order, from the tracker export (which has them all).
async fn all_ids(app: &TestApp, id: &str) -> Vec<i64> {
    let body = app
        .get_ok(&format!("/api/conversations/{id}?limit=2000"))
        .await;
    assert_eq!(body["events"].as_array().unwrap().len() as i64, TOTAL);
    ids(&body)
}

both_backends! {
    async fn windows_are_exact_and_cursors_walk_the_conversation(app: TestApp) {
        long_conversation(&app, "long").await;
        let all = all_ids(&app, "long").await;
        let tracker = app.get_ok("/api/conversations/long/tracker").await;
        assert_eq!(tracker["events"].as_array().unwrap().len() as i64, TOTAL, "the export still has every event");

        // No parameters: the first DEFAULT_WINDOW (500) events, i.e. all of these 240.
        let body = app.get_ok("/api/conversations/long").await;
        assert_eq!(ids(&body), all);
        assert_eq!(body["total_events"], TOTAL);
        assert_eq!(body["offset"], 0);
        assert_eq!(body["before"], Value::Null);
        assert_eq!(body["after"], Value::Null);
        assert_eq!(body["latest_event_id"], json!(all.iter().max()));
        assert_eq!(body["summary"]["event_count"], TOTAL);
        assert_eq!(body["events"][0]["event"]["event"], "user", "the raw event rides along");

        // From the start.
        let body = app.get_ok("/api/conversations/long?limit=50").await;
        assert_eq!(ids(&body), all[..50]);
        assert_eq!(seqs(&body), (0..50).collect::<Vec<_>>());
        assert_eq!((body["before"].clone(), body["after"].clone()), (Value::Null, json!(all[49])));

        // At a position, and past the end.
        let body = app.get_ok("/api/conversations/long?offset=100&limit=30").await;
        assert_eq!(ids(&body), all[100..130]);
        assert_eq!(body["offset"], 100);
        assert_eq!((body["before"].clone(), body["after"].clone()), (json!(all[100]), json!(all[129])));
        let body = app.get_ok("/api/conversations/long?offset=230&limit=30").await;
        assert_eq!(ids(&body), all[230..]);
        assert_eq!(body["after"], Value::Null);
        let body = app.get_ok("/api/conversations/long?offset=999").await;
        assert_eq!(ids(&body), Vec::<i64>::new());
        assert_eq!(body["offset"], TOTAL);

        // Around an event: it is in the window, centred where the ends allow.
        let body = app.get_ok(&format!("/api/conversations/long?around={}&limit=21", all[120])).await;
        assert_eq!(ids(&body), all[110..131]);
        let body = app.get_ok(&format!("/api/conversations/long?around={}&limit=21", all[3])).await;
        assert_eq!(ids(&body), all[..21]);
        let last = *all.last().unwrap();
        let body = app.get_ok(&format!("/api/conversations/long?around={last}&limit=21")).await;
        assert_eq!(ids(&body), all[all.len() - 21..]);
        assert_eq!((body["offset"].as_i64(), body["after"].clone()), (Some(TOTAL - 21), Value::Null));

        // After and before exclude the cursor's event.
        let body = app.get_ok(&format!("/api/conversations/long?after={}&limit=10", all[9])).await;
        assert_eq!(ids(&body), all[10..20]);
        let body = app.get_ok(&format!("/api/conversations/long?before={}&limit=10", all[9])).await;
        assert_eq!(ids(&body), all[..9]);
        assert_eq!(body["before"], Value::Null);
        let body = app.get_ok(&format!("/api/conversations/long?before={}&limit=10", all[0])).await;
        assert_eq!(ids(&body), Vec::<i64>::new());

        // Cursors round-trip: forwards from the start and backwards from the end, each
        // event exactly once, in order.
        let mut walked = Vec::new();
        let mut page = app.get_ok("/api/conversations/long?limit=37").await;
        loop {
            walked.extend(ids(&page));
            let Some(after) = page["after"].as_i64() else { break };
            page = app.get_ok(&format!("/api/conversations/long?after={after}&limit=37")).await;
        }
        assert_eq!(walked, all);
        let mut walked = Vec::new();
        let mut page = app.get_ok(&format!("/api/conversations/long?around={last}&limit=37")).await;
        loop {
            let mut here = ids(&page);
            here.extend(walked);
            walked = here;
            let Some(before) = page["before"].as_i64() else { break };
            page = app.get_ok(&format!("/api/conversations/long?before={before}&limit=37")).await;
        }
        assert_eq!(walked, all);
    }

    async fn flags_of_the_whole_conversation_come_with_any_window(app: TestApp) {
        long_conversation(&app, "long").await;
        let all = all_ids(&app, "long").await;
        let (status, body) = app
            .send(app.request(Method::PUT, &format!("/api/conversations/long/events/{}/flag", all[200])).json(&json!({"note": "late"})))
            .await;
        assert!(status.is_success(), "{body}");
        let body = app.get_ok("/api/conversations/long?limit=10").await;
        assert_eq!(body["flags"].as_array().unwrap().len(), 1);
        assert_eq!(body["flags"][0]["event_id"], all[200]);
        assert_eq!(body["flags"][0]["note"], "late");
        assert!(body["events"].as_array().unwrap().iter().all(|e| e["flag"].is_null()));
        let body = app.get_ok(&format!("/api/conversations/long?around={}&limit=3", all[200])).await;
        assert_eq!(body["events"][1]["flag"]["note"], "late");
    }

    async fn bad_window_parameters_are_named(app: TestApp) {
        long_conversation(&app, "long").await;
        for (query, field) in [
            ("limit=0", "limit"),
            ("limit=2001", "limit"),
            ("limit=ten", "limit"),
            ("around=abc", "around"),
            ("after=-3", "after"),
            ("offset=-1", "offset"),
            ("around=1&before=2", "before"),
            ("limit=5&limit=6", "limit"),
            ("page=2", "page"),
        ] {
            let (status, body) = app.get(&format!("/api/conversations/long?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
            assert_eq!(body["error"]["field"], field, "{query}: {body}");
        }
        // An event of another conversation (or none) is not found, and says which.
        rasa_other(&app).await;
        let other = app.get_ok("/api/conversations/other").await["events"][0]["id"].as_i64().unwrap();
        for anchor in ["around", "after", "before"] {
            let (status, body) = app.get(&format!("/api/conversations/long?{anchor}={other}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{anchor}: {body}");
            assert!(body["error"]["message"].as_str().unwrap().contains(&other.to_string()), "{body}");
        }
    }

    async fn a_conversation_in_the_trash_is_not_found_in_any_window(app: TestApp) {
        long_conversation(&app, "long").await;
        let all = all_ids(&app, "long").await;
        let (status, _) = app.send(app.request(Method::DELETE, "/api/conversations/long")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        for query in ["", "?limit=5", &format!("?around={}", all[7])] {
            let (status, body) = app.get(&format!("/api/conversations/long{query}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{query}: {body}");
        }
        let (status, _) = app.post_json("/api/conversations/long/restore", &json!(null)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(ids(&app.get_ok(&format!("/api/conversations/long?around={}&limit=3", all[7])).await), all[6..9]);
    }

    async fn the_story_marks_the_step_and_the_slots_it_changed(app: TestApp) {
        long_conversation(&app, "long").await;
        let all = all_ids(&app, "long").await;
        // The action of turn 5 (seq 22): its step is its own `- action:` line.
        let story = app.get_ok(&format!("/api/conversations/long/events/{}/story", all[22])).await;
        let text = story["story"].as_str().unwrap();
        let [first, last] = [story["step_lines"][0].as_u64().unwrap(), story["step_lines"][1].as_u64().unwrap()];
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(last as usize, lines.len(), "{text}");
        assert!(lines[first as usize - 1..last as usize].iter().any(|l| l.contains("utter_greet")), "{text}");
        assert_eq!(story["changed_slots"], json!(["turn"]));
        // The user message opening turn 6: nothing changed yet in its turn.
        let story = app.get_ok(&format!("/api/conversations/long/events/{}/story", all[24])).await;
        assert_eq!(story["changed_slots"], json!([]));
        let [first, last] = [story["step_lines"][0].as_u64().unwrap(), story["step_lines"][1].as_u64().unwrap()];
        let lines: Vec<&str> = story["story"].as_str().unwrap().lines().collect();
        assert!(lines[first as usize - 1..last as usize].iter().any(|l| l.contains("greet")));
    }
}

async fn rasa_other(app: &TestApp) {
    app.import(&json!([rasa::greeting("other", T0, "rest", 0.9, 0.9)]))
        .await;
}
