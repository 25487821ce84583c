//! Live conversations in a real browser (issue 16): events posted through the HTTP ingest API
//! while the inbox is open bring a "new conversations" banner that moves nothing (the URL, the
//! scroll position and the rows stay) and, clicked, the list with the new conversation; an
//! open conversation gets new messages appended without a reload, and its "new since
//! reviewed" mark comes live; a message on the event broker that can never be imported is
//! listed on the admin page with its raw body. Needs RabbitMQ (`scripts/with-rabbitmq.sh`,
//! as `just test` runs it).

mod support;

use serde_json::{json, Value};
use support::amqp::{self, Publisher};
use support::browser::{Browser, Driver};
use support::server::{Server, ADMIN};
use support::{eventually, path_segment};

/// The conversation that arrives while the inbox is open.
const NEW_ID: &str = "live-arrival 1";

fn step(what: &str) {
    eprintln!("live test: {what}");
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn user(text: &str, ts: f64) -> Value {
    json!({"event": "user", "timestamp": ts, "text": text, "input_channel": "rest",
           "parse_data": {"intent": {"name": "greet", "confidence": 0.91}, "entities": [], "text": text},
           "metadata": {}})
}

fn bot(text: &str, ts: f64) -> Value {
    json!({"event": "bot", "timestamp": ts, "text": text, "data": {}, "metadata": {}})
}

async fn post_events(server: &Server, id: &str, events: Value) {
    let summary = server
        .post(
            &format!("/api/conversations/{}/events", path_segment(id)),
            &events,
        )
        .await;
    assert!(summary["events_added"].as_i64().unwrap() > 0, "{summary}");
}

async fn tab_count(b: &Browser, status: &str) -> Option<i64> {
    let el =
        b.c.find(fantoccini::Locator::Css(&format!(
            "a.tab[data-status={status}] .count"
        )))
        .await
        .ok()?;
    el.text().await.ok()?.trim().parse().ok()
}

/// What the reviewer is looking at: the address, the list's scroll position, the first row
/// in view with its place on screen, and a mark that only a page reload would clear.
async fn reading_position(b: &Browser) -> Value {
    b.js(
        "const el = document.querySelector('.rows');
         const top = el.getBoundingClientRect().top;
         const row = [...el.querySelectorAll('.row')].find(r => r.getBoundingClientRect().bottom > top + 1);
         return { href: location.href, scroll: el.scrollTop, row: row && row.dataset.id,
                  row_top: row && Math.round(row.getBoundingClientRect().top), mark: window.__liveMark || null };",
        vec![],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_and_a_conversation_follow_new_events() {
    let broker = amqp::settings();
    let publisher = Publisher::new(&broker).await;
    let server = Server::start_with_broker(broker).await;
    let mut driver = Driver::start().await;
    let b = driver.session(&server.base).await;
    b.goto("/").await;
    b.wait_path("the login page", |p| p.starts_with("/login"))
        .await;
    b.log_in(ADMIN.0, ADMIN.1).await;
    b.find(".rows .row").await;
    b.find(".live-news[data-connected=true]").await;
    let all = eventually("the All count", || tab_count(&b, "all")).await;

    step("the reviewer has scrolled the list a little");
    b.js(
        "document.querySelector('.rows').scrollTop = 100; window.__liveMark = 'not reloaded';",
        vec![],
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let before = reading_position(&b).await;
    assert_eq!(before["scroll"], 100, "the list scrolls: {before}");
    assert_eq!(
        b.count(&format!(".rows .row[data-id=\"{NEW_ID}\"]")).await,
        0
    );

    step("a new conversation is posted: the banner says so, nothing moves");
    let t = now();
    post_events(
        &server,
        NEW_ID,
        json!([
            user("hello from the live test", t),
            bot("Hi! How can I help?", t + 1.0)
        ]),
    )
    .await;
    let text = b.wait_text("#live-news", "1 new conversation").await;
    assert!(!text.contains("out of date"), "{text}");
    let after = reading_position(&b).await;
    assert_eq!(after, before, "the banner moved what the reviewer reads");
    assert_eq!(
        b.count(&format!(".rows .row[data-id=\"{NEW_ID}\"]")).await,
        0,
        "the list reshuffled by itself"
    );
    let region = b
        .js(
            "const r = document.querySelector('#live-news').closest('[aria-live]');
             return [r.getAttribute('aria-live'), document.querySelector('#live-news').tagName];",
            vec![],
        )
        .await;
    assert_eq!(region, json!(["polite", "BUTTON"]));
    // The counts follow (debounced), the rows do not.
    eventually("the All count to include it", || async {
        (tab_count(&b, "all").await == Some(all + 1)).then_some(())
    })
    .await;
    assert_eq!(reading_position(&b).await, before);
    b.screenshot("40-live-new-conversations").await;
    support::axe::check(&b, "the inbox with the new-conversations banner").await;

    step("clicked, the banner reloads the list at its top, the new conversation first");
    b.click("#live-news").await;
    b.find(&format!(".rows .row[data-id=\"{NEW_ID}\"]")).await;
    b.wait_gone("#live-news").await;
    let top = b
        .js(
            "return [document.querySelector('.rows').scrollTop, document.querySelector('.rows .row').dataset.id, window.__liveMark]",
            vec![],
        )
        .await;
    assert_eq!(top, json!([0, NEW_ID, "not reloaded"]));

    step("the open conversation gets a new message appended, without a reload");
    b.click(&format!(".rows .row[data-id=\"{NEW_ID}\"]")).await;
    b.wait_path("the new conversation", |p| {
        p.starts_with(&format!("/conversations/{}", path_segment(NEW_ID)))
    })
    .await;
    b.wait_text(".transcript", "hello from the live test").await;
    let events_before = b.count(".transcript .event").await;
    b.click("#mark-reviewed").await;
    b.find("#mark-reviewed[disabled]").await;
    assert_eq!(b.count(".conv-header .badge-news").await, 0);
    let path = b.path().await;
    post_events(
        &server,
        NEW_ID,
        json!([user("a second message, live", t + 60.0)]),
    )
    .await;
    b.wait_text(".transcript", "a second message, live").await;
    assert_eq!(b.count(".transcript .event").await, events_before + 1);
    b.wait_text(".event-total", "1 new").await;
    // Reviewed before it came: the conversation has news again, in its header and its row.
    b.find(".conv-header .badge-news").await;
    b.find(&format!(".rows .row[data-id=\"{NEW_ID}\"] .badge-news"))
        .await;
    assert_eq!(b.path().await, path);
    assert_eq!(
        b.js("return window.__liveMark", vec![]).await,
        "not reloaded"
    );
    b.screenshot("41-live-appended-message").await;
    support::axe::check(&b, "a conversation with a live message").await;

    step("a broker message that can never be imported is listed on the admin page");
    publisher.publish(b"not json {").await;
    eventually("the ingest error recorded", || async {
        (server.get("/api/ingest-errors").await["total"] == 1).then_some(())
    })
    .await;
    b.goto("/admin").await;
    b.wait_text("#broker", "consuming").await;
    b.find("#broker .stream-state").await;
    let item = b
        .wait_text("#ingest-errors .ingest-error", "not JSON")
        .await;
    assert!(item.contains("broker"), "{item}");
    // The raw body is behind a disclosure until opened.
    let disclosure = "const d = document.querySelector('#ingest-errors details');
         return [d.open, d.querySelector('.ingest-body').textContent];";
    assert_eq!(b.js(disclosure, vec![]).await, json!([false, "not json {"]));
    b.click("#ingest-errors details summary").await;
    assert_eq!(b.js(disclosure, vec![]).await, json!([true, "not json {"]));
    b.find("#export-runs").await;
    b.screenshot("42-admin-live-import").await;
    support::axe::check(&b, "the admin page's import sections").await;
    b.close().await;
}
