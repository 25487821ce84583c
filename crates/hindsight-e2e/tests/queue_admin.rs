//! Review queues managed on the admin page in a real browser: an admin fills the new-queue
//! form (a saved filter as source, a 50 % sample, two reviewers, two assignees, a two-question
//! rubric), is told beside the choices that a label needs two of them, creates the queue,
//! sees it listed, renames it, pauses it, edits its rubric and reservation in the edit form,
//! and deletes it after confirming; the API shows each change. Then a stratified queue with
//! a share of its own for one channel (a bad share refused beside that channel's row), whose
//! override an edit of another field keeps. (Adding the inbox's list to a queue and settling
//! disagreements: `queue_actions.rs`.)

mod support;

use serde_json::{json, Value};
use support::eventually;
use support::server::{Server, ADMIN};

const ENTER: char = '\u{E007}';

fn step(what: &str) {
    eprintln!("queue admin test: {what}");
}

/// The queues, per the API.
async fn queues(server: &Server) -> Vec<Value> {
    server.get("/api/queues").await.as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_creates_pauses_and_deletes_a_queue() {
    let server = Server::start().await;
    let mut driver = support::browser::Driver::start().await;
    let b = driver.session(&server.base).await;

    step("a saved filter to fill the queue from");
    let filter = server
        .post(
            "/api/filters",
            &json!({"name": "every conversation", "query": "", "shared": true}),
        )
        .await;
    let filter_id = filter["id"].as_i64().expect("the filter's id");

    step("log in and open the admin page");
    b.goto("/admin").await;
    b.wait_path("the login page", |p| p.starts_with("/login"))
        .await;
    b.log_in(ADMIN.0, ADMIN.1).await;
    b.wait_path("the admin page", |p| p.starts_with("/admin"))
        .await;
    b.find("#no-admin-queues").await;

    step("fill the form");
    b.type_into("#queue-name", "Weekly check").await;
    b.choose("#queue-source", &filter_id.to_string()).await;
    b.choose("#queue-sampling", "share").await;
    b.type_into("#queue-share", "0.5").await;
    b.type_into("#queue-seed", "7").await;
    b.choose("#queue-reviewers", "2").await;
    b.type_into("#queue-minutes", "10").await;
    // Two reviewers per conversation need two assignees: the sample data's `admin` too.
    for user in [ADMIN.0, "admin"] {
        b.click(&format!("input[name=assignee][value='{user}']"))
            .await;
    }
    let first = ".queue-rubric > fieldset:nth-of-type(1)";
    let second = ".queue-rubric > fieldset:nth-of-type(2)";
    b.type_into(&format!("{first} input[name=question-id]"), "resolved")
        .await;
    b.type_into(
        &format!("{first} input[name=question-prompt]"),
        "Was it resolved?",
    )
    .await;
    b.click("#add-question").await;
    b.type_into(&format!("{second} input[name=question-id]"), "topic")
        .await;
    b.type_into(&format!("{second} input[name=question-prompt]"), "Topic")
        .await;
    b.choose(&format!("{second} select[name=question-kind]"), "label")
        .await;
    b.type_into(&format!("{second} input[name=question-choices]"), "billing")
        .await;
    b.click(&format!("{second} input[name=question-required]"))
        .await;

    step("one choice is refused, said beside the choices");
    b.click("#create-queue").await;
    let said = b.wait_text(&format!("{second} .field-error"), "").await;
    assert!(!said.is_empty(), "an error beside the second question");
    assert_eq!(
        b.count(&format!("{first} .field-error")).await,
        0,
        "nothing beside the first"
    );
    assert!(queues(&server).await.is_empty(), "nothing created");
    support::axe::check(&b, "the queue form with an error").await;

    step("two choices: created and listed");
    b.type_into(
        &format!("{second} input[name=question-choices]"),
        "billing, login",
    )
    .await;
    b.click("#create-queue").await;
    let row = "tr.admin-queue[data-name='Weekly check']";
    b.wait_text(&format!("{row} .queue-state"), "Active").await;
    b.wait_gone(&format!("{second} .field-error")).await;
    let all = queues(&server).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let q = &all[0];
    assert_eq!(
        q["source"],
        json!({"kind": "filter", "filter_id": filter_id})
    );
    assert_eq!(
        q["sampling"],
        json!({"rule": "share", "share": 0.5, "seed": 7})
    );
    assert_eq!(q["reviewers_per_conversation"], 2);
    assert_eq!(q["reservation_seconds"], 600);
    assert_eq!(q["assignees"], json!([ADMIN.0, "admin"]));
    assert_eq!(q["paused"], false);
    assert_eq!(
        q["rubric"],
        json!([
            {"id": "resolved", "prompt": "Was it resolved?", "kind": "pass_fail", "choices": [], "required": true},
            {"id": "topic", "prompt": "Topic", "kind": "label", "choices": ["billing", "login"], "required": false}
        ])
    );
    let id = q["id"].as_i64().unwrap();
    b.screenshot("queue-admin-01-created").await;
    support::axe::check(&b, "the admin page with a queue").await;

    step("rename it");
    b.click(&format!("{row} button[name=rename-queue]")).await;
    eventually("the focus in the new name", || async {
        let name = b.js("return document.activeElement.name", vec![]).await;
        (name == "rename").then_some(())
    })
    .await;
    b.type_into(&format!("{row} input[name=rename]"), "Weekly outcomes")
        .await;
    b.click(&format!("{row} button[type=submit]")).await;
    let row = "tr.admin-queue[data-name='Weekly outcomes']";
    b.find(row).await;
    assert_eq!(
        server.get(&format!("/api/queues/{id}")).await["name"],
        "Weekly outcomes"
    );

    step("pause it");
    b.click(&format!("{row} button[name=pause-queue]")).await;
    b.wait_text(&format!("{row} .queue-state"), "Paused").await;
    assert_eq!(
        server.get(&format!("/api/queues/{id}")).await["paused"],
        true
    );

    step("edit it: its rubric grows and is reworded, its reservation changes");
    b.click(&format!("{row} button[name=edit-queue]")).await;
    let form = format!("#edit-queue-{id}-form");
    // The form starts from the queue as it is.
    let second = format!("{form} .queue-rubric > fieldset:nth-of-type(2)");
    let third = format!("{form} .queue-rubric > fieldset:nth-of-type(3)");
    b.wait_text(&format!("{form} .queue-fixed"), "50%").await;
    let shown = b
        .js(
            "return document.querySelector(arguments[0]).value",
            vec![json!(format!("{second} input[name=question-choices]"))],
        )
        .await;
    assert_eq!(shown, "billing, login");
    b.type_into(
        &format!("{second} input[name=question-prompt]"),
        "Main topic",
    )
    .await;
    b.type_into(
        &format!("{second} input[name=question-choices]"),
        "billing, login, refund",
    )
    .await;
    b.click(&format!("#edit-queue-{id}-add-question")).await;
    b.type_into(&format!("{third} input[name=question-id]"), "notes")
        .await;
    b.type_into(&format!("{third} input[name=question-prompt]"), "Notes")
        .await;
    b.choose(&format!("{third} select[name=question-kind]"), "text")
        .await;
    b.click(&format!("{third} input[name=question-required]"))
        .await;
    b.type_into(&format!("#edit-queue-{id}-minutes"), "20")
        .await;
    support::axe::check(&b, "the queue edit form").await;
    b.click(&format!("#save-edit-queue-{id}")).await;
    let edited = eventually("the edit in the API", || async {
        let q = server.get(&format!("/api/queues/{id}")).await;
        (q["rubric"].as_array().map(Vec::len) == Some(3)).then_some(q)
    })
    .await;
    assert_eq!(
        edited["rubric"],
        json!([
            {"id": "resolved", "prompt": "Was it resolved?", "kind": "pass_fail", "choices": [], "required": true},
            {"id": "topic", "prompt": "Main topic", "kind": "label", "choices": ["billing", "login", "refund"], "required": false},
            {"id": "notes", "prompt": "Notes", "kind": "text", "choices": [], "required": false}
        ])
    );
    assert_eq!(edited["reservation_seconds"], 1200);
    // What the form left alone stays as it was.
    assert_eq!(edited["name"], "Weekly outcomes");
    assert_eq!(edited["reviewers_per_conversation"], 2);
    assert_eq!(edited["assignees"], json!([ADMIN.0, "admin"]));
    assert_eq!(edited["paused"], true);
    b.wait_gone(&form).await;
    b.wait_text(&format!("{row} td.small"), "3 questions").await;

    step("delete it, after confirming");
    b.click(&format!("{row} button[name=delete-queue]")).await;
    b.wait_text(&format!("{row} .confirm"), "Weekly outcomes")
        .await;
    assert_eq!(
        queues(&server).await.len(),
        1,
        "not deleted before confirming"
    );
    eventually("the focus on the confirmation", || async {
        let name = b.js("return document.activeElement.name", vec![]).await;
        (name == "confirm-delete").then_some(())
    })
    .await;
    b.press(ENTER).await;
    b.wait_gone(row).await;
    b.find("#no-admin-queues").await;
    eventually("the queue gone from the API", || async {
        queues(&server).await.is_empty().then_some(())
    })
    .await;

    stratified_with_an_override(&server, &b).await;
    b.close().await;
}

/// A stratified queue, two of each channel but half of slack, made in the form (the new
/// queue form left as the first queue's creation left it); editing its reservation keeps
/// the override.
async fn stratified_with_an_override(server: &Server, b: &support::browser::Browser) {
    step("a stratified queue: a count of each channel, slack its own share");
    b.type_into("#queue-name", "By channel").await;
    b.choose("#queue-source", "").await;
    b.choose("#queue-sampling", "stratified").await;
    b.choose("#queue-by", "channel").await;
    b.choose("#queue-per", "count").await;
    b.type_into("#queue-count", "2").await;
    b.type_into("#queue-seed", "7").await;
    b.choose("#queue-reviewers", "1").await;
    let first = ".queue-rubric > fieldset:nth-of-type(1)";
    b.type_into(&format!("{first} input[name=question-id]"), "resolved")
        .await;
    b.type_into(&format!("{first} input[name=question-prompt]"), "Resolved?")
        .await;
    // Enabled once the channels are in.
    b.find("#add-stratum:not([disabled])").await;
    b.click("#add-stratum").await;
    let override_row = ".queue-strata .stratum-override";
    b.wait_count(override_row, 1).await;
    eventually("the focus on the new override's stratum", || async {
        let name = b.js("return document.activeElement.name", vec![]).await;
        (name == "stratum-value").then_some(())
    })
    .await;
    b.choose(
        &format!("{override_row} select[name=stratum-value]"),
        "slack",
    )
    .await;
    b.choose(&format!("{override_row} select[name=stratum-per]"), "share")
        .await;

    step("a share above 1 is refused, said beside slack's row");
    b.type_into(&format!("{override_row} input[name=stratum-amount]"), "1.5")
        .await;
    b.click("#create-queue").await;
    let said = b
        .wait_text(&format!("{override_row} .field-error"), "strata.slack")
        .await;
    assert!(said.contains("share"), "{said}");
    assert!(queues(server).await.is_empty(), "nothing created");
    support::axe::check(b, "the queue form with a stratum override").await;

    // The form's second submit after a refusal: once, the first creation's blank question
    // died with this refusal and the submit panicked in the app (a disposed signal).
    step("half of slack: created, the rule holds the override");
    b.type_into(&format!("{override_row} input[name=stratum-amount]"), "0.5")
        .await;
    b.click("#create-queue").await;
    let row = "tr.admin-queue[data-name='By channel']";
    b.wait_text(row, "slack: 50%").await;
    let all = queues(server).await;
    assert_eq!(all.len(), 1, "{all:?}");
    let id = all[0]["id"].as_i64().unwrap();
    let rule = json!({"rule": "stratified", "by": "channel", "seed": 7, "count": 2,
        "strata": {"slack": {"share": 0.5}}});
    assert_eq!(all[0]["sampling"], rule);
    b.screenshot("queue-admin-02-stratified").await;

    step("edit its reservation: the override stays");
    b.click(&format!("{row} button[name=edit-queue]")).await;
    let form = format!("#edit-queue-{id}-form");
    b.wait_text(&format!("{form} .queue-fixed"), "slack: 50%")
        .await;
    b.type_into(&format!("#edit-queue-{id}-minutes"), "45")
        .await;
    b.click(&format!("#save-edit-queue-{id}")).await;
    let edited = eventually("the edit in the API", || async {
        let q = server.get(&format!("/api/queues/{id}")).await;
        (q["reservation_seconds"] == 2700).then_some(q)
    })
    .await;
    assert_eq!(edited["sampling"], rule);
    b.wait_gone(&form).await;
}
