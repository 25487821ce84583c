//! Comments in a real browser: a reviewer comments on a message and on the conversation,
//! mentioning a teammate, edits one from the keyboard; the teammate finds the mention under
//! "Mentions", follows it to the message, and may neither edit nor delete it; a comment the
//! admin writes, and one the admin deletes, through the API meanwhile show on ann's open page
//! without a reload (the live stream).

mod support;

use support::browser::Driver;
use support::server::{Server, ADMIN};
use support::{eventually, path_segment};

/// "what's the baggage allowance?".
const FAQ: &str = "web-17234273";
/// The teammate who is mentioned.
const ANN: (&str, &str) = ("ann", "ann-password-1");
const ENTER: char = '\u{E007}';
const TAB: char = '\u{E004}';

fn step(what: &str) {
    eprintln!("comments test: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_mentions_a_teammate_who_follows_the_link() {
    let server = Server::start_with(|conn| {
        let hash = hindsight_server::auth::hash_password(ANN.1).unwrap();
        hindsight_server::db::users::create(conn, ANN.0, &hash, "reviewer").unwrap();
    })
    .await;
    let mut driver = Driver::start().await;
    let b = driver.session(&server.base).await;
    let detail = server
        .get(&format!("/api/conversations/{}", path_segment(FAQ)))
        .await;
    let event_id = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type_name"] == "user")
        .expect("a user message")["id"]
        .as_i64()
        .unwrap();
    let message = format!("/conversations/{}/messages/{event_id}", path_segment(FAQ));

    step("log in and open the message: its panel has a comment form");
    b.goto(&message).await;
    b.wait_path("the login page", |p| p.starts_with("/login"))
        .await;
    b.log_in(ADMIN.0, ADMIN.1).await;
    b.wait_path("the message", |p| p.starts_with(&message))
        .await;
    let input = format!("#comment-input-event-{event_id}");
    b.wait_text(".message-comments", "No comments yet").await;

    step("comment on the message, mentioning ann and nobody; Ctrl+Enter sends it");
    b.type_into(&input, "Wrong intent, @ann please check (cc @nobody)")
        .await;
    b.find(&input)
        .await
        .send_keys("\u{E009}\u{E007}\u{E009}")
        .await
        .unwrap();
    let inline = format!("#event-{event_id} .inline-comments");
    b.wait_text(&inline, "please check").await;
    assert_eq!(
        b.count(&format!("{inline} mark.mention")).await,
        1,
        "only a user's name is a mention"
    );
    b.wait_text(".message-comments .comment mark.mention", "@ann")
        .await;
    let stored = server
        .get(&format!(
            "/api/conversations/{}/comments",
            path_segment(FAQ)
        ))
        .await;
    assert_eq!(stored[0]["mentions"], serde_json::json!(["ann"]));
    assert_eq!(stored[0]["event_id"], event_id);

    step("edit it from the keyboard: Edit, change the text, Enter on Save");
    b.click(".message-comments .edit-comment").await;
    let editor = ".message-comments textarea[name=comment-edit]";
    eventually("the edit box to have the focus", || async {
        let name = b.js("return document.activeElement.name", vec![]).await;
        (name == "comment-edit").then_some(())
    })
    .await;
    b.type_into(editor, "Wrong intent: should be faq/ask_baggage, @ann")
        .await;
    b.press(TAB).await;
    b.press(ENTER).await;
    b.wait_text(".message-comments .comment", "edited").await;
    b.wait_text(&inline, "faq/ask_baggage").await;

    step("comment on the whole conversation, in its header");
    b.click("#conversation-comments summary").await;
    b.type_into(
        "#comment-input-conversation",
        "Whole conversation looks fine",
    )
    .await;
    b.click("#comment-form-conversation button[type=submit]")
        .await;
    b.wait_text("#conversation-comments summary", "1 comment")
        .await;
    b.wait_text("#conversation-comments .comment", "looks fine")
        .await;
    b.screenshot("comments-01-message").await;
    support::axe::check(&b, "a conversation with comments on it and on a message").await;

    step("ann logs in and finds the mention under Mentions");
    b.click("#logout").await;
    b.wait_path("the login page", |p| p.starts_with("/login"))
        .await;
    b.log_in(ANN.0, ANN.1).await;
    b.click("#mentions-link").await;
    b.wait_path("the mentions page", |p| p == "/mentions").await;
    b.wait_count("#mention-list .mention-item", 1).await;
    b.wait_text("#mention-list .mention-item", ADMIN.0).await;
    b.wait_text("#mention-list mark.mention-me", "@ann").await;
    b.screenshot("comments-02-mentions").await;
    support::axe::check(&b, "the Mentions page").await;

    step("the mention links to the message, whose panel shows the comment read-only to ann");
    b.click("#mention-list .mention-link").await;
    b.wait_path("the message", |p| p.starts_with(&message))
        .await;
    b.wait_text(".message-comments .comment", "faq/ask_baggage")
        .await;
    assert_eq!(b.count(".message-comments .edit-comment").await, 0);
    assert_eq!(b.count(".message-comments .delete-comment").await, 0);
    b.find(&input).await;

    step("the admin comments and deletes through the API: ann's open page follows, no reload");
    b.js("window.__stillThisPage = true; return null", vec![])
        .await;
    let live = server
        .post(
            &format!("/api/conversations/{}/comments", path_segment(FAQ)),
            &serde_json::json!({"body": "Fixed in the NLU data, thanks", "event_id": event_id}),
        )
        .await;
    b.wait_text(".message-comments", "Fixed in the NLU data")
        .await;
    b.wait_text(&inline, "Fixed in the NLU data").await;
    let first = stored[0]["id"].as_i64().unwrap();
    let res = reqwest::Client::new()
        .delete(server.url(&format!("/api/comments/{first}")))
        .bearer_auth(&server.token)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    b.wait_gone(&format!("#comment-{first}")).await;
    b.find(&format!("#comment-{}", live["id"])).await;
    assert_eq!(
        b.js("return window.__stillThisPage === true", vec![]).await,
        true,
        "the page was not reloaded"
    );
    b.close().await;
}
