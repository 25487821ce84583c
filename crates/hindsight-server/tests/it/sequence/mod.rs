//! The sequence filter (`seq=`, issue 14): hundreds of random patterns answered by the server
//! (the pattern's regular expression over each conversation's stored path, on either backend)
//! against a brute-force matcher over the same conversations' events, written from the
//! pattern language's definition; and its errors.

mod generate;
mod matcher;

use std::collections::BTreeMap;

use diesel::prelude::*;
use hindsight_server::db::schema::{conversation_paths, conversations, events, settings};
use hindsight_types::SequencePattern;
use rand::rngs::StdRng;
use rand::SeedableRng;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_backends;
use generate::{typed_slot_trackers, Vocabulary};
use matcher::{follows, steps_of, Step};

both_backends! {
    async fn sequence_filter_answers_as_a_brute_force_search(app: TestApp) {
        {
            let mut conn = app.state.pool.get().unwrap();
            let opts = hindsight_server::ingest::IngestOptions { timezone: chrono_tz::UTC, restore_deleted: false };
            hindsight_server::demo::load(&mut conn, 300, 7, &opts, |_| {}).unwrap();
        }
        let mut rng = StdRng::seed_from_u64(14);
        app.import(&Value::Array(typed_slot_trackers(&mut rng, 80))).await;
        let mut conversations: BTreeMap<String, Vec<Step>> = BTreeMap::new();
        {
            let mut conn = app.state.pool.get().unwrap();
            let rows: Vec<(String, String, String)> = events::table
                .inner_join(conversations::table)
                .order((events::conversation_id, events::seq))
                .select((conversations::sender_id, events::type_name, events::data))
                .load(&mut *conn)
                .unwrap();
            let mut by_sender: BTreeMap<String, Vec<(String, Value)>> = BTreeMap::new();
            for (sender, type_name, data) in rows {
                by_sender.entry(sender).or_default().push((type_name, serde_json::from_str(&data).unwrap()));
            }
            for (sender, events) in by_sender {
                conversations.insert(sender, steps_of(&events));
            }
        }
        let vocabulary = Vocabulary::of(&conversations);
        let (mut checked, mut nonempty) = (0, 0);
        // Patterns narrowed before their expression: by a `LIKE` (PostgreSQL) and by the
        // conversation's lowest confidence (both); those must not lose a match either.
        let (mut with_like, mut with_bound) = (0, 0);
        // Patterns with a repetition's upper bound (`S{2,3}`, `S{2}`) that match some but not all.
        let mut bounded_discriminate = 0;
        // The senders of the conversations the brute-force matcher finds, in order.
        let matching = |pattern: &SequencePattern| -> Vec<String> {
            conversations
                .iter()
                .filter(|(_, steps)| follows(steps, pattern))
                .map(|(sender, _)| sender.clone())
                .collect()
        };
        while checked < 400 {
            let text = vocabulary.pattern(&mut rng);
            let Ok(pattern) = text.parse::<SequencePattern>() else { continue };
            let expected = matching(&pattern);
            let query = format!("seq={}", urlencode(&text));
            let got = app.all_ids(&query).await;
            assert_eq!(got, expected, "seq={text}\nregex: {}", hindsight_server::sequence::to_regex(&pattern));
            // A count and the day chart are paths of their own on PostgreSQL (the candidates'
            // paths tested in the server).
            if checked % 4 == 0 {
                assert_eq!(app.count(&query).await, expected.len() as i64, "count of seq={text}");
                let stats = app.get_ok(&format!("/api/conversations/stats?{query}")).await;
                assert_eq!(stats["total"], expected.len(), "day chart of seq={text}");
            }
            checked += 1;
            let discriminates = !expected.is_empty() && expected.len() < conversations.len();
            nonempty += usize::from(discriminates);
            bounded_discriminate += usize::from(discriminates && pattern.elements.iter().any(|e| e.at_most.is_some()));
            with_like += usize::from(hindsight_server::sequence::like_prefilter(&pattern).is_some());
            with_bound += usize::from(hindsight_server::sequence::lowest_confidence_below(&pattern).is_some());
        }
        // And a hundred of one step with negated steps around it (`intent:X > !action:Y >
        // end`, "never"), the shape the random ones rarely take, listed and counted.
        let mut never_discriminates = 0;
        for _ in 0..100 {
            let text = vocabulary.negation_pattern(&mut rng);
            let pattern: SequencePattern = text.parse().unwrap_or_else(|e| panic!("{text}: {e:?}"));
            let expected = matching(&pattern);
            let query = format!("seq={}", urlencode(&text));
            assert_eq!(app.all_ids(&query).await, expected, "seq={text}");
            assert_eq!(app.count(&query).await, expected.len() as i64, "count of seq={text}");
            let stats = app.get_ok(&format!("/api/conversations/stats?{query}")).await;
            assert_eq!(stats["total"], expected.len(), "day chart of seq={text}");
            never_discriminates += usize::from(!expected.is_empty() && expected.len() < conversations.len());
        }
        assert!(never_discriminates >= 50, "{never_discriminates} of 100 negations matched some but not all");

        // The random patterns must discriminate, not all match nothing (or everything).
        assert!(nonempty >= 100, "only {nonempty} of {checked} patterns matched some but not all");
        assert!(bounded_discriminate >= 20, "only {bounded_discriminate} patterns with an upper bound matched some but not all");
        assert!(with_like >= 50 && with_bound >= 20, "{with_like} patterns with a LIKE, {with_bound} with a confidence bound");

        // Combined with another filter, and the canonical pattern in a saved filter's query.
        let both = app.all_ids("seq=intent%3A*%20%3E%20end&channel=rest").await;
        let seq_only = app.all_ids("seq=intent%3A*%20%3E%20end").await;
        assert!(both.iter().all(|id| seq_only.contains(id)));
    }
}

both_backends! {
    async fn slot_values_compare_by_kind(app: TestApp) {
        use crate::rasa::{slot, tracker, user, T0};
        let said = |t: f64| user("x", "inform", 0.9, t, "rest");
        app.import(&json!([
            tracker("four", vec![said(T0), slot("guests", json!(4), T0 + 1.0)]),
            tracker("four-point-o", vec![said(T0 + 10.0), slot("guests", json!(4.0), T0 + 11.0)]),
            tracker("text-four", vec![said(T0 + 20.0), slot("guests", json!("4"), T0 + 21.0)]),
            tracker("thai", vec![slot("cuisine", json!("Thai food"), T0 + 30.0), said(T0 + 31.0)]),
            tracker("reset", vec![slot("cuisine", json!("thai"), T0 + 40.0), slot("cuisine", Value::Null, T0 + 41.0), said(T0 + 42.0)]),
        ]))
        .await;
        for (pattern, expected) in [
            ("slot:guests=4", vec!["four", "four-point-o"]),
            ("slot:guests=4.0", vec!["four", "four-point-o"]),
            ("slot:guests=\"4\"", vec!["text-four"]),
            ("slot:cuisine=\"Thai food\" >> intent:inform", vec!["thai"]),
            ("slot:cuisine=\"thai food\"", vec![]),
            ("slot:cuisine=\"thai\" >> slot:cuisine=null >> intent:*", vec!["reset"]),
            ("slot:cuisine > intent:inform", vec!["reset", "thai"]),
            ("slot:cuisine=null", vec!["reset"]),
            ("!slot:cuisine=null", vec!["four", "four-point-o", "text-four", "thai"]),
        ] {
            assert_eq!(app.all_ids(&format!("seq={}", urlencode(pattern))).await, expected, "{pattern}");
        }
        let (status, body) = app.get(&format!("/api/conversations?seq={}", urlencode("slot:cuisine=thai"))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["field"], "seq");
        assert!(body["error"]["message"].as_str().unwrap().contains("at character 14"), "{body}");

        // Paths written before slot lines held values are rewritten when the database opens.
        {
            let mut conn = app.state.pool.get().unwrap();
            diesel::update(conversation_paths::table).set(conversation_paths::steps.eq("\nsguests\n")).execute(&mut *conn).unwrap();
            diesel::delete(settings::table.filter(settings::key.eq("sequence_paths_format"))).execute(&mut *conn).unwrap();
            assert_eq!(hindsight_server::db::paths::backfill(&mut conn).unwrap(), 5);
            assert_eq!(hindsight_server::db::paths::backfill(&mut conn).unwrap(), 0);
        }
        assert_eq!(app.all_ids(&format!("seq={}", urlencode("slot:guests=4"))).await, ["four", "four-point-o"]);
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

both_backends! {
    async fn a_wrong_pattern_is_a_400_pointing_at_the_character(app: TestApp) {
        for (pattern, at) in [("intent:greet%20%3E%20acton:x", "at character 16"), ("intent:greet%20%3E", "at character 15"), ("confidence%3C2", "at character 12")] {
            let (status, body) = app.get(&format!("/api/conversations?seq={pattern}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{pattern}: {body}");
            assert_eq!(body["error"]["code"], "invalid_parameter");
            assert_eq!(body["error"]["field"], "seq");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.contains(at), "{pattern}: {message}");
        }
        // The server still serves, and an empty pattern is no filter.
        let (status, _) = app.get("/api/conversations?seq=").await;
        assert_eq!(status, StatusCode::OK);
    }
}
