//! One conversation: the stories and slots at each event match Rasa's own story writer.

use std::path::PathBuf;

use serde_json::Value;

use crate::both_backends;

fn fixture_dir(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind)
}

/// Percent-encodes a conversation id for a URL path.
fn path_segment(id: &str) -> String {
    let mut url = reqwest::Url::parse("http://x/").unwrap();
    url.path_segments_mut().unwrap().push(id);
    url.path()[1..].to_owned()
}

both_backends! {
    async fn stories_and_slots_match_rasa_for_every_golden(app: TestApp) {
        let mut checked = 0;
        for entry in std::fs::read_dir(fixture_dir("stories")).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let goldens: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let tracker_text = std::fs::read_to_string(fixture_dir("trackers").join(format!("{name}.json"))).unwrap();
            let tracker: Value = serde_json::from_str(&tracker_text).unwrap();
            let sender = tracker["sender_id"].as_str().unwrap();
            let id = path_segment(sender);
            let (status, body) = app.post_raw("/api/trackers", tracker_text.clone()).await;
            assert!(status.is_success(), "{name}: {body}");
            let detail = app.get_ok(&format!("/api/conversations/{id}")).await;
            let events = detail["events"].as_array().unwrap();
            assert_eq!(events.len(), tracker["events"].as_array().unwrap().len(), "{name}");
            for golden in &goldens {
                let until = golden["until"].as_u64().unwrap() as usize;
                let event_id = events[until]["id"].as_i64().unwrap();
                let plain = app.get_ok(&format!("/api/conversations/{id}/events/{event_id}/story")).await;
                assert_eq!(plain["story"].as_str().unwrap(), golden["story"].as_str().unwrap(), "{name} story until {until}");
                assert_eq!(plain["slots"], golden["slots"], "{name} slots until {until}");
                let e2e = app.get_ok(&format!("/api/conversations/{id}/events/{event_id}/story?e2e=true")).await;
                assert_eq!(e2e["story"].as_str().unwrap(), golden["story_e2e"].as_str().unwrap(), "{name} e2e story until {until}");
                checked += 1;
            }
        }
        assert!(checked >= 20, "only {checked} golden cut points");
    }
}
