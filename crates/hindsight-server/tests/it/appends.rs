//! A conversation whose events arrive in pieces (as Rasa's event broker and a growing tracker
//! deliver them) is stored as if it had arrived whole: the same feature rows with the same
//! occurrence counts, the same intents and actions listed on its inbox row, and the same path
//! (what the sequence filter reads). The pieces update the rows the first piece wrote, which
//! PostgreSQL does for a whole batch in one statement.

use std::collections::BTreeMap;

use diesel::prelude::*;
use hindsight_server::db::row_names::RowNames;
use hindsight_server::db::schema::{
    conversation_features as cf, conversation_paths, conversation_row_names, conversations,
};
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;

/// Per conversation (by the part of its sender id after `prefix`): its feature rows with
/// their occurrences, its path, and its inbox row's names.
type Stored = BTreeMap<String, (Vec<(String, String, String, i64)>, String, RowNames)>;

fn stored(app: &TestApp, prefix: &str) -> Stored {
    let mut conn = app.state.pool.get().unwrap();
    let mut out = Stored::new();
    let features: Vec<(String, String, String, String, i64)> = cf::table
        .inner_join(conversations::table)
        .filter(conversations::sender_id.like(format!("{prefix}%")))
        .order((conversations::sender_id, cf::kind, cf::name, cf::value))
        .select((
            conversations::sender_id,
            cf::kind,
            cf::name,
            cf::value,
            cf::occurrences,
        ))
        .load(&mut *conn)
        .unwrap();
    for (sender, kind, name, value, n) in features {
        let key = sender[prefix.len()..].to_owned();
        out.entry(key).or_default().0.push((kind, name, value, n));
    }
    let paths: Vec<(String, String)> = conversation_paths::table
        .inner_join(conversations::table)
        .filter(conversations::sender_id.like(format!("{prefix}%")))
        .select((conversations::sender_id, conversation_paths::steps))
        .load(&mut *conn)
        .unwrap();
    for (sender, steps) in paths {
        out.entry(sender[prefix.len()..].to_owned()).or_default().1 = steps;
    }
    let names: Vec<(String, String)> = conversation_row_names::table
        .inner_join(conversations::table)
        .filter(conversations::sender_id.like(format!("{prefix}%")))
        .select((conversations::sender_id, conversation_row_names::names))
        .load(&mut *conn)
        .unwrap();
    for (sender, names) in names {
        out.entry(sender[prefix.len()..].to_owned()).or_default().2 =
            serde_json::from_str(&names).unwrap();
    }
    out
}

both_backends! {
    async fn a_conversation_stored_in_pieces_is_stored_as_if_whole(app: TestApp) {
        let conversations: Vec<Vec<Value>> = (0..60).map(|i| hindsight_server::demo::conversation_events(3, i).1).collect();
        let trackers = |prefix: &str, share: (usize, usize)| -> Value {
            let list = conversations.iter().enumerate().map(|(i, events)| {
                let upto = (events.len() * share.0).div_ceil(share.1);
                json!({"sender_id": format!("{prefix}{i}"), "events": &events[..upto]})
            });
            Value::Array(list.collect())
        };
        app.import(&trackers("whole-", (1, 1))).await;
        // Three imports of growing prefixes, all in one batch each: every conversation gets
        // new events for features it holds already and features it has not seen yet.
        for share in [(1, 3), (2, 3), (1, 1)] {
            app.import(&trackers("pieces-", share)).await;
        }
        let whole = stored(&app, "whole-");
        assert_eq!(whole.len(), 60);
        assert!(whole.values().any(|(f, _, _)| f.iter().any(|r| r.3 > 1)), "some feature occurs more than once");
        // The row names are those of the features (most frequent first, then by name).
        for (features, _, names) in whole.values() {
            let of = RowNames::of(features.iter().map(|(k, n, _, o)| (k.as_str(), n.as_str(), *o)));
            assert_eq!(names, &of);
            assert!(!names.intents.is_empty() && !names.actions.is_empty(), "{names:?}");
        }
        assert_eq!(stored(&app, "pieces-"), whole);
    }
}
