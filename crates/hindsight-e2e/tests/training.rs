//! Training data in a real browser: a reviewer corrects a message's intent, marks an entity
//! by selecting text, saves the conversation up to that message as a test story, finds it
//! on the Training data page and downloads the NLU file with the corrected example.

mod support;

use serde_json::{json, Value};
use support::browser::Driver;
use support::server::{Server, ADMIN};
use support::{eventually, path_segment};

/// "what's the baggage allowance?", predicted `faq`.
const FAQ: &str = "web-17234273";
const ENTER: char = '\u{E007}';

fn step(what: &str) {
    eprintln!("training test: {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_turns_a_message_into_training_data() {
    let server = Server::start().await;
    let mut driver = Driver::start().await;
    let b = driver.session(&server.base).await;

    let detail = server
        .get(&format!("/api/conversations/{}", path_segment(FAQ)))
        .await;
    let user = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type_name"] == "user")
        .expect("a user message")
        .clone();
    let event_id = user["id"].as_i64().unwrap();
    assert_eq!(user["text"], "what's the baggage allowance?");
    assert_eq!(user["intent"], "faq");

    step("log in and open the message");
    let message = format!("/conversations/{}/messages/{event_id}", path_segment(FAQ));
    b.goto(&message).await;
    b.wait_path("the login page", |p| p.starts_with("/login"))
        .await;
    b.log_in(ADMIN.0, ADMIN.1).await;
    b.wait_path("the message", |p| p.starts_with(&message))
        .await;
    b.wait_text("#annotation-text", "baggage allowance").await;
    assert_eq!(b.count("#annotation-status").await, 0, "not annotated yet");

    step("select “baggage” in the message and press e");
    let selected = b
        .js(
            "const p = document.getElementById('annotation-text');
             const node = p.firstChild; const at = node.textContent.indexOf('baggage');
             const r = document.createRange(); r.setStart(node, at); r.setEnd(node, at + 7);
             const s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
             document.activeElement && document.activeElement.blur();
             return s.toString();",
            vec![],
        )
        .await;
    assert_eq!(selected, "baggage");
    b.press('e').await;
    b.wait_text("#entity-form", "baggage").await;
    let focused = b.js("return document.activeElement.id", vec![]).await;
    assert_eq!(focused, "entity-name", "e moves focus to the entity's name");
    b.find("#entity-name")
        .await
        .send_keys("topic")
        .await
        .unwrap();
    b.press(ENTER).await;
    b.wait_gone("#entity-form").await;
    b.wait_text("#annotation-entities", "topic").await;
    assert_eq!(b.count("#annotation-text mark").await, 1);

    step("correct the intent to a retrieval intent and confirm with Enter");
    b.type_into("#annotation-intent", "faq/ask_baggage").await;
    b.press(ENTER).await;
    let status = b
        .wait_text("#annotation-status", "corrected: faq → faq/ask_baggage")
        .await;
    assert!(status.contains(ADMIN.0), "who annotated: {status}");
    let saved = server
        .get(&format!(
            "/api/conversations/{}/annotations",
            path_segment(FAQ)
        ))
        .await;
    assert_eq!(
        saved[0]["entities"],
        json!([{"start": 11, "end": 18, "entity": "topic"}]),
        "code-point offsets of “baggage”"
    );
    b.screenshot("training-01-annotated").await;
    support::axe::check(&b, "a conversation with the annotation panel open").await;

    step("save the conversation up to the message as a test story");
    b.click("#save-as-test").await;
    b.find("#save-item-dialog").await;
    b.type_into("#save-item-name", "baggage question").await;
    let kind = b
        .js(
            "return document.getElementById('save-item-kind').value",
            vec![],
        )
        .await;
    assert_eq!(kind, "test_story");
    b.click("#save-item").await;
    b.wait_gone("#save-item-dialog").await;
    let focused = b.js("return document.activeElement.id", vec![]).await;
    assert_eq!(focused, "save-as-test", "focus returns to the button");

    step("the same name again is refused, and said so");
    b.click("#save-as-test").await;
    b.type_into("#save-item-name", "baggage question").await;
    b.click("#save-item").await;
    b.wait_text("#save-item-dialog .error-box", "baggage question")
        .await;
    b.click("#save-item-dialog button[type=button]").await;
    b.wait_gone("#save-item-dialog").await;

    step("the Training data page lists it, linked to the message");
    b.click("#training-link").await;
    b.wait_path("the training page", |p| p == "/training").await;
    let item = "#items-test_story .training-item[data-item='baggage question']";
    b.find(item).await;
    let href = b
        .js(
            "return document.querySelector(arguments[0] + ' a').getAttribute('href')",
            vec![Value::from(item)],
        )
        .await;
    assert_eq!(href, Value::from(message.clone()));
    b.click(&format!("{item} summary")).await;
    b.wait_text(&format!("{item} .item-yaml"), "faq/ask_baggage")
        .await;
    b.screenshot("training-02-page").await;
    support::axe::check(&b, "the Training data page").await;

    step("download nlu.yml: the corrected example in Rasa's format");
    let nlu = eventually("nlu.yml", || async {
        b.c.execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(document.getElementById('download-nlu').href)
               .then(r => r.ok ? r.text() : null).then(done).catch(() => done(null));",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
    })
    .await;
    assert!(
        nlu.contains("- intent: faq/ask_baggage\n  examples: |\n    - what's the [baggage](topic) allowance?\n"),
        "nlu.yml:\n{nlu}"
    );
    b.close().await;
}
