//! The maintained facet counts follow every way a conversation stops or starts being live:
//! trash, restore, outright deletion, a changed channel and appended events.

use diesel::connection::SimpleConnection;
use serde_json::{json, Value};

use crate::both_backends;
use crate::harness::TestApp;
use crate::rasa::*;

fn count(facets: &Value, list: &str, value: &str) -> i64 {
    facets[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["value"] == value)
        .map_or(0, |f| f["count"].as_i64().unwrap())
}

fn sql(app: &TestApp, statement: &str) {
    app.state
        .pool
        .get()
        .unwrap()
        .batch_execute(statement)
        .unwrap();
}

both_backends! {
    async fn facet_counts_follow_trash_restore_delete_and_appends(app: TestApp) {
        app.import(&json!([
            greeting("a", T0, "rest", 0.95, 0.9),
            greeting("b", T0 + 10.0, "slack", 0.9, 0.9),
            greeting("c", T0 + 20.0, "rest", 0.9, 0.9),
        ]))
        .await;
        let f = app.get_ok("/api/facets").await;
        assert_eq!((count(&f, "intents", "greet"), count(&f, "channels", "rest"), count(&f, "channels", "slack")), (3, 2, 1));

        sql(&app, "UPDATE conversations SET deleted_at = updated_at WHERE sender_id = 'a'");
        let f = app.get_ok("/api/facets").await;
        assert_eq!((count(&f, "intents", "greet"), count(&f, "channels", "rest")), (2, 1), "trash: {f}");

        sql(&app, "UPDATE conversations SET deleted_at = NULL WHERE sender_id = 'a'");
        let f = app.get_ok("/api/facets").await;
        assert_eq!((count(&f, "intents", "greet"), count(&f, "channels", "rest")), (3, 2), "restore: {f}");

        sql(&app, "DELETE FROM conversations WHERE sender_id = 'b'");
        let f = app.get_ok("/api/facets").await;
        assert_eq!((count(&f, "intents", "greet"), count(&f, "channels", "slack")), (2, 0), "delete: {f}");

        // Appended events: a new intent, and the conversation's latest channel changes.
        let (status, body) = app
            .post_json("/api/conversations/c/events", &json!([user("bye", "goodbye", 0.9, T0 + 30.0, "telegram")]))
            .await;
        assert_eq!(status, 200, "{body}");
        let f = app.get_ok("/api/facets").await;
        assert_eq!(count(&f, "intents", "goodbye"), 1, "{f}");
        assert_eq!(count(&f, "intents", "greet"), 2, "{f}");
        assert_eq!((count(&f, "channels", "rest"), count(&f, "channels", "telegram")), (1, 1), "{f}");
    }
}
