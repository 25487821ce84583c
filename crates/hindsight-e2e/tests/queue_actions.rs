//! Review queues' other admin actions in a real browser: from the inbox, an admin adds the
//! list's conversations to a queue of explicit selection with the keyboard alone and is told
//! how many were added and how many it held already; on the admin page, an admin settles two
//! reviewers' disagreement from the queue's row, the findings then counting the settlement.

mod support;

use serde_json::{json, Value};
use support::eventually;
use support::server::{Server, ADMIN};

const ENTER: char = '\u{E007}';

fn step(what: &str) {
    eprintln!("queue actions test: {what}");
}

const TAB: char = '\u{E004}';

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_adds_the_inbox_list_to_an_explicit_queue_from_the_keyboard() {
    let server = Server::start().await;
    let mut driver = support::browser::Driver::start().await;
    let b = driver.session(&server.base).await;

    step("an explicit queue that holds one of the conversations already");
    let queue = server
        .post(
            "/api/queues",
            &json!({"name": "Picked", "source": {"kind": "explicit"},
                    "rubric": [{"id": "ok", "prompt": "Fine?", "kind": "pass_fail"}]}),
        )
        .await;
    let id = queue["id"].as_i64().expect("the queue's id");
    let first = server.get("/api/conversations?limit=1").await["conversations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    server
        .post(
            &format!("/api/queues/{id}/conversations"),
            &json!({"conversation_ids": [first]}),
        )
        .await;
    let all = server.count("").await;
    assert!(all > 2, "{all} sample conversations");

    step("the inbox, every conversation");
    b.goto("/").await;
    b.wait_path("the login page", |p| p.starts_with("/login"))
        .await;
    b.log_in(ADMIN.0, ADMIN.1).await;
    b.wait_path("the inbox", |p| p == "/").await;
    b.find(".rows .row").await;

    step("Add to queue…, from the keyboard");
    b.find("#add-to-queue").await;
    b.js("document.getElementById('add-to-queue').focus()", vec![])
        .await;
    b.press(ENTER).await;
    eventually("the focus on the queue choice", || async {
        let id = b.js("return document.activeElement.id", vec![]).await;
        (id == "add-to-queue-choice").then_some(())
    })
    .await;
    let options = b
        .js(
            "return [...document.querySelectorAll('#add-to-queue-choice option')].map(o => o.textContent)",
            vec![],
        )
        .await;
    assert_eq!(options, json!(["Picked"]), "explicit queues only");
    support::axe::check(&b, "the add-to-queue form").await;
    b.press(TAB).await;
    b.press(ENTER).await;
    let said = b.wait_text("#add-to-queue-message", "already there").await;
    assert_eq!(
        said,
        format!(
            "{} conversations added to “Picked”; 1 already there.",
            all - 1
        )
    );
    eventually("the queue filled, per the API", || async {
        let q = server.get(&format!("/api/queues/{id}")).await;
        (q["population"].as_i64() == Some(all)).then_some(())
    })
    .await;
    eventually("the focus back on the button", || async {
        let id = b.js("return document.activeElement.id", vec![]).await;
        (id == "add-to-queue").then_some(())
    })
    .await;
    b.close().await;
}

/// A sample conversation: "what's the baggage allowance?".
const FAQ: &str = "web-17234273";
const ANN: (&str, &str) = ("ann", "ann-password-1");
const BOB: (&str, &str) = ("bob", "bob-password-1");

/// `POST` as a user (logging in first); must succeed.
async fn post_as(server: &Server, user: (&str, &str), path: &str, body: Option<Value>) -> Value {
    let http = reqwest::Client::new();
    let login: Value = http
        .post(server.url("/api/auth"))
        .json(&json!({"username": user.0, "password": user.1}))
        .send()
        .await
        .expect("POST /api/auth")
        .json()
        .await
        .expect("a token");
    let mut req = http
        .post(server.url(path))
        .bearer_auth(login["access_token"].as_str().expect("a token"));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("POST");
    let status = res.status();
    let answer: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "POST {path}: {status} {answer}");
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_settles_a_disagreement_on_the_admin_page() {
    let server = Server::start_with(|conn| {
        for (name, password) in [ANN, BOB] {
            let hash = hindsight_server::auth::hash_password(password).unwrap();
            hindsight_server::db::users::create(conn, name, &hash, "reviewer").unwrap();
        }
    })
    .await;
    let mut driver = support::browser::Driver::start().await;
    let b = driver.session(&server.base).await;

    step("two reviewers disagree on a conversation's outcome");
    let queue = server
        .post(
            "/api/queues",
            &json!({"name": "Pairs", "source": {"kind": "explicit"}, "reviewers_per_conversation": 2,
                    "rubric": [
                        {"id": "outcome", "prompt": "How did it end?", "kind": "label", "choices": ["success", "failure"], "required": true},
                        {"id": "resolved", "prompt": "Resolved?", "kind": "pass_fail"}
                    ]}),
        )
        .await;
    let id = queue["id"].as_i64().expect("the queue's id");
    server
        .post(
            &format!("/api/queues/{id}/conversations"),
            &json!({"conversation_ids": [FAQ]}),
        )
        .await;
    for (user, outcome) in [(ANN, "success"), (BOB, "failure")] {
        let next = post_as(&server, user, &format!("/api/queues/{id}/next"), None).await;
        assert_eq!(next["conversation"]["id"], FAQ);
        let answers = json!({"answers": {"outcome": outcome, "resolved": true}});
        let path = format!("/api/queues/{id}/conversations/{FAQ}/review");
        post_as(&server, user, &path, Some(answers)).await;
    }

    step("the admin page lists it with the answers side by side");
    b.goto("/admin").await;
    b.wait_path("the login page", |p| p.starts_with("/login"))
        .await;
    b.log_in(ADMIN.0, ADMIN.1).await;
    b.wait_path("the admin page", |p| p.starts_with("/admin"))
        .await;
    let row = "tr.admin-queue[data-name='Pairs']";
    b.click(&format!("{row} button[name=queue-disagreements]"))
        .await;
    let item = format!(".disagreement[data-conversation='{FAQ}']");
    let table = b
        .wait_text(&format!("{item} .disagreement-table"), "failure")
        .await;
    assert!(
        table.contains("ann") && table.contains("bob") && table.contains("success"),
        "{table}"
    );
    assert!(
        !table.contains("Resolved?"),
        "only the disputed question: {table}"
    );

    step("settle it from the keyboard: 2 picks failure, resolved is filled in");
    b.click(&format!("{item} button[name=settle-open]")).await;
    eventually("the focus in the first question", || async {
        let name = b.js("return document.activeElement.type", vec![]).await;
        (name == "radio").then_some(())
    })
    .await;
    support::axe::check(&b, "the settle form").await;
    b.press('2').await;
    b.click(&format!("{item} button[name=settle]")).await;
    b.find(".no-disagreements").await;
    let page = server.get(&format!("/api/queues/{id}/disagreements")).await;
    assert_eq!(
        (page["total"].as_i64(), page["settled"].as_i64()),
        (Some(0), Some(1))
    );
    let progress = server.get(&format!("/api/queues/{id}/progress")).await;
    let outcome = &progress["questions"][0];
    let failure = outcome["estimates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["value"] == "failure")
        .unwrap();
    // The settled answer counts, not the earlier review's success.
    assert_eq!(failure["count"], 1, "{outcome}");
    let audit = server.get("/api/audit").await;
    let settled = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "queue_disagreement_settled")
        .expect("the settlement audited");
    assert_eq!(
        settled["after"],
        json!({"answers": {"outcome": "failure", "resolved": true}})
    );
    b.close().await;
}
