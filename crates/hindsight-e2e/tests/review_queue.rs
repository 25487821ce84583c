//! A review session in a real browser, done with the keyboard alone: an admin makes a queue
//! of three conversations with a four-question rubric through the API; a reviewer opens it
//! in the web app, answers one conversation, skips the next, is stopped from submitting the
//! third with required answers missing, answers it, and is told the queue is empty. The API
//! then holds both reviews (progress and the `score.` inbox filters) and the skipped
//! conversation is still open for another reviewer.

mod support;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::{json, Value};
use support::browser::Browser;
use support::eventually;
use support::server::Server;

const REVIEWER: (&str, &str) = ("e2e-reviewer", "e2e-reviewer-password");
const ENTER: char = '\u{E007}';
const ESCAPE: char = '\u{E00C}';
const CONTROL: char = '\u{E009}';

fn step(what: &str) {
    eprintln!("review queue test: {what}");
}

/// Types `text` into whatever has the focus, key by key.
async fn keys(b: &Browser, text: &str) {
    for c in text.chars() {
        b.press(c).await;
    }
}

/// Ctrl+Enter on whatever has the focus.
async fn ctrl_enter(b: &Browser) {
    let chord = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: CONTROL })
        .then(KeyAction::Down { value: ENTER })
        .then(KeyAction::Up { value: ENTER })
        .then(KeyAction::Up { value: CONTROL });
    b.c.perform_actions(chord).await.expect("press Ctrl+Enter");
}

/// The id of the element with the focus, or of the question (fieldset) holding it.
async fn focused_question(b: &Browser) -> String {
    b.js(
        "const q = document.activeElement && document.activeElement.closest('fieldset[data-question]');
         return q ? q.dataset.question : (document.activeElement ? document.activeElement.id : '');",
        vec![],
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// Waits until the reserved conversation is a new one (not in `seen`), focused on the first
/// question; answers its id.
async fn next_reserved(b: &Browser, seen: &[String]) -> String {
    let id = eventually("a newly reserved conversation", || async {
        let t = b.find("#conversation-title").await.text().await.ok()?;
        (!t.is_empty() && !seen.contains(&t)).then_some(t)
    })
    .await;
    eventually("focus on the first question", || async {
        (focused_question(b).await == "outcome").then_some(())
    })
    .await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_works_a_queue_with_the_keyboard() {
    let server = Server::start().await;
    let mut driver = support::browser::Driver::start().await;
    let b = driver.session(&server.base).await;

    step("an admin makes a reviewer and a queue of three conversations");
    server
        .post(
            "/api/users",
            &json!({"username": REVIEWER.0, "password": REVIEWER.1, "role": "reviewer"}),
        )
        .await;
    let queue = server
        .post(
            "/api/queues",
            &json!({
                "name": "e2e outcomes",
                "source": {"kind": "explicit"},
                "rubric": [
                    {"id": "outcome", "prompt": "How did it end?", "kind": "label",
                     "choices": ["success", "failure", "partial"], "required": true},
                    {"id": "resolved", "prompt": "Was it resolved?", "kind": "pass_fail", "required": true},
                    {"id": "tone", "prompt": "Tone of the bot", "kind": "scale_1_5"},
                    {"id": "notes", "prompt": "Notes", "kind": "text"}
                ]
            }),
        )
        .await;
    let queue_id = queue["id"].as_i64().unwrap();
    // Three sample conversations, whichever the inbox lists first.
    let listed = server.get("/api/conversations?limit=3").await;
    let conversations: Vec<String> = listed["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(conversations.len(), 3, "{listed}");
    let added = server
        .post(
            &format!("/api/queues/{queue_id}/conversations"),
            &json!({"conversation_ids": conversations}),
        )
        .await;
    assert_eq!(added["sampled"], 3, "{added}");

    step("the reviewer logs in and finds the queue under Review queues");
    b.goto("/queues").await;
    b.wait_path("the login page", |p| p.starts_with("/login"))
        .await;
    b.log_in(REVIEWER.0, REVIEWER.1).await;
    b.wait_path("the queues page", |p| p == "/queues").await;
    b.find("#queues-link").await;
    let row = format!(".queue-row[data-queue='{queue_id}']");
    b.wait_text(&row, "0 of 3 reviews done").await;
    support::axe::check(&b, "the review queues page").await;
    b.click(&format!("#review-queue-{queue_id}")).await;
    b.wait_path("the review session", |p| {
        p == format!("/queues/{queue_id}/review")
    })
    .await;
    b.find("#review-next").await;

    step("n reserves the first conversation; answer it with keys, Ctrl+Enter submits");
    b.press('n').await;
    let first = next_reserved(&b, &[]).await;
    b.wait_text("#reserved-until", "Reserved for you until")
        .await;
    b.find(".transcript .event").await;
    keys(&b, "2").await; // outcome: failure
    assert_eq!(focused_question(&b).await, "resolved", "a digit moves on");
    keys(&b, "f").await; // resolved: fail
    keys(&b, "2").await; // tone: 2
    assert_eq!(focused_question(&b).await, "notes");
    keys(&b, "rude reply").await;
    ctrl_enter(&b).await;

    step("the next one loads; a comment on it: Ctrl+Enter sends the comment, not the review");
    let second = next_reserved(&b, std::slice::from_ref(&first)).await;
    b.wait_text("#session-count", "1 reviewed").await;
    b.click("#conversation-comments summary").await;
    b.type_into("#comment-input-conversation", "the bot looped here")
        .await;
    b.find("#comment-input-conversation")
        .await
        .send_keys("\u{E009}\u{E007}\u{E009}")
        .await
        .unwrap();
    b.wait_text("#conversation-comments .comment", "the bot looped here")
        .await;
    b.wait_text("#conversation-comments summary", "1 comment")
        .await;
    assert_eq!(
        b.find("#conversation-title").await.text().await.unwrap(),
        second
    );
    let comments = server
        .get(&format!("/api/conversations/{second}/comments"))
        .await;
    assert_eq!(comments[0]["body"], "the bot looped here", "{comments}");
    assert_eq!(comments[0]["author"], REVIEWER.0, "{comments}");

    step("s skips it");
    b.js("document.activeElement.blur()", vec![]).await;
    b.press('s').await;
    let third = next_reserved(&b, &[first.clone(), second.clone()]).await;

    step("Enter with the required questions unanswered is refused, and said so");
    support::axe::check(&b, "a review session with a reserved conversation").await;
    b.screenshot("review-queue-01-session").await;
    b.press(ENTER).await;
    b.wait_text("#review-error", "Answer the required questions first")
        .await;
    assert_eq!(b.count(".rubric-question.missing").await, 2);
    assert_eq!(focused_question(&b).await, "outcome");

    step("Esc that closes the help overlay leaves the reservation alone");
    // A script's click opens it without moving the focus, as `?` would elsewhere.
    b.js("document.getElementById('open-settings').click()", vec![])
        .await;
    b.find(".overlay").await;
    b.press(ESCAPE).await;
    b.wait_gone(".overlay").await;
    // A release would have answered by now (the server is local).
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(b.count("#reserved-until").await, 1, "still reserved");
    assert_eq!(focused_question(&b).await, "outcome");

    step("answer it, leave the text field with Esc, Enter submits");
    keys(&b, "1p5").await; // success, pass, 5
    assert_eq!(focused_question(&b).await, "notes");
    b.press(ESCAPE).await;
    let focused = b.js("return document.activeElement.id", vec![]).await;
    assert_eq!(focused, "rubric", "Esc leaves the text field");
    b.press(ENTER).await;
    b.wait_text("#queue-empty", "Nothing left to review").await;
    b.wait_text("#session-count", "2 reviewed").await;
    b.screenshot("review-queue-02-empty").await;
    support::axe::check(&b, "an emptied review queue").await;

    step("the API has both reviews; the skipped conversation is still open");
    let progress = server
        .get(&format!("/api/queues/{queue_id}/progress"))
        .await;
    assert_eq!(progress["done"], 2, "{progress}");
    assert_eq!(progress["remaining"], 1, "{progress}");
    assert_eq!(progress["conversations_complete"], 2, "{progress}");
    let mine = progress["reviewers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["reviewer"] == REVIEWER.0)
        .expect("the reviewer's progress");
    assert_eq!(
        (mine["done"].clone(), mine["skipped"].clone()),
        (json!(2), json!(1))
    );
    let matching = |query: &'static str| {
        let server = &server;
        async move {
            let page = server.get(&format!("/api/conversations?{query}")).await;
            page["conversations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        matching("score.outcome=failure&score.resolved=false&score.tone=2").await,
        [first.as_str()]
    );
    assert_eq!(
        matching("score.outcome=success&score.resolved=true&score.tone=5").await,
        [third.as_str()]
    );
    assert_eq!(matching("score.notes=rude%20reply").await, [first.as_str()]);
    // Another reviewer (the admin) is handed the skipped one.
    let handed = server
        .post(&format!("/api/queues/{queue_id}/next"), &Value::Null)
        .await;
    assert_eq!(handed["conversation"]["id"], Value::from(second.clone()));
    assert!(conversations.contains(&second), "{second}");
    b.close().await;
}
