//! One conversation: a message selected with its story and slots, the history and the
//! shared link, tags and flags.

use serde_json::Value;

use super::{step, FLIGHT};
use crate::support::browser::{Browser, Driver};
use crate::support::eventually;
use crate::support::server::{Server, ADMIN};

/// The conversation [`open_select_and_share`] opened and the message it selected.
pub struct Opened {
    /// The conversation's events, as the API returns them.
    pub events: Vec<Value>,
    /// The path of the selected message (its last user message).
    pub message_path: String,
}

/// Opens [`FLIGHT`], selects its last user message, goes back, forward and reloads, and opens
/// the copied link in a fresh session.
pub async fn open_select_and_share(b: &Browser, driver: &mut Driver, server: &Server) -> Opened {
    step("open a conversation and select a message: story and slots");
    b.goto("/").await;
    b.click(&format!(".row[data-id='{FLIGHT}']")).await;
    b.find(&format!(
        ".conversation[data-conversation='{FLIGHT}'] .event-user"
    ))
    .await;
    let conversation_path = format!("/conversations/{FLIGHT}");
    b.wait_path("the row's conversation in the address bar", |p| {
        p == conversation_path
    })
    .await;
    let detail = server.get(&format!("/api/conversations/{FLIGHT}")).await;
    let events = detail["events"].as_array().unwrap().clone();
    let last_user = events
        .iter()
        .rev()
        .find(|e| e["type_name"] == "user")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    b.click(&format!(".event[data-event-id='{last_user}']"))
        .await;
    let message_path = b
        .wait_path("the message in the route", |p| {
            p.starts_with(&format!("/conversations/{FLIGHT}/messages/{last_user}"))
        })
        .await;
    b.wait_text("#story", "stories:").await;
    let story = server
        .get(&format!(
            "/api/conversations/{FLIGHT}/events/{last_user}/story"
        ))
        .await;
    let slots = story["slots"].as_object().unwrap();
    assert!(!slots.is_empty(), "the sample sets slots");
    let shown = b.find("#slots").await.text().await.unwrap();
    for name in slots.keys() {
        assert!(
            shown.contains(name.as_str()),
            "slot {name} in the panel: {shown}"
        );
    }
    assert!(b.count(".event.selected").await == 1);
    b.find("#intent-ranking").await;
    b.screenshot("03-conversation").await;
    b.capture_clipboard().await;
    b.click("#copy-link").await;
    b.wait_text(".toast", "ink").await;
    assert_eq!(
        b.copied().await,
        server.url(&message_path),
        "Copy link copies this message's URL"
    );

    step("Back, Forward and reload restore exactly what was on screen");
    b.back().await;
    b.wait_path("Back to the conversation", |p| p == conversation_path)
        .await;
    b.wait_gone(".event.selected").await;
    b.back().await;
    b.wait_path("Back to the inbox", |p| p == "/").await;
    b.wait_gone(".conversation").await;
    b.find(".conversation-pane .placeholder").await;
    b.forward().await;
    b.wait_path("Forward to the conversation", |p| p == conversation_path)
        .await;
    b.find(&format!(".conversation[data-conversation='{FLIGHT}']"))
        .await;
    b.forward().await;
    b.wait_path("Forward to the message", |p| p == message_path)
        .await;
    let selected_css = format!(".event.selected[data-event-id='{last_user}']");
    b.find(&selected_css).await;
    b.reload().await;
    b.find(&selected_css).await;
    b.wait_text("#story", "stories:").await;
    assert_eq!(b.path().await, message_path, "a reload keeps the address");
    assert_eq!(
        b.find(&selected_css)
            .await
            .attr("aria-selected")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );

    step("the logo and Admin change the address; Back returns to the message");
    b.click("a.brand").await;
    b.wait_path("the logo to the inbox", |p| p == "/").await;
    b.wait_gone(".conversation").await;
    b.back().await;
    b.wait_path("Back to the message", |p| p == message_path)
        .await;
    b.find(&selected_css).await;
    b.click("#admin-link").await;
    b.wait_path("Admin in the address", |p| p == "/admin").await;
    b.find("#users").await;
    b.back().await;
    b.wait_path("Back from Admin", |p| p == message_path).await;
    b.find(&selected_css).await;

    step("the copied URL opens the same message in a fresh session, after logging in");
    let fresh = driver.session(&server.base).await;
    fresh.goto(&message_path).await;
    fresh
        .wait_path("the login page, remembering the message", |p| {
            p.starts_with("/login?next=")
        })
        .await;
    fresh.log_in(ADMIN.0, ADMIN.1).await;
    fresh
        .wait_path("the shared message", |p| p == message_path)
        .await;
    fresh
        .find(&format!(".event.selected[data-event-id='{last_user}']"))
        .await;
    fresh.wait_text("#story", "stories:").await;
    eventually("the shared message scrolled into view", || async {
        let js = "const e = document.querySelector('.event.selected'), t = document.querySelector('.transcript');
                  if (!e || !t) return false;
                  const r = e.getBoundingClientRect(), v = t.getBoundingClientRect();
                  return r.top >= v.top - 1 && r.bottom <= v.bottom + 1;";
        (fresh.js(js, vec![]).await == Value::Bool(true)).then_some(())
    })
    .await;
    fresh.close().await;
    Opened {
        events,
        message_path,
    }
}

/// Tags the conversation, flags a bot message with a note and finds it by the flagged filter.
pub async fn tag_and_flag(b: &Browser, server: &Server, opened: &Opened) {
    let events = &opened.events;
    step("tag the conversation with a new tag");
    b.click("#tag-gear").await;
    b.type_into("input[name=tag-name]", "needs-work").await;
    b.click("#create-tag").await;
    b.find(".conv-tags .tag-chip[data-tag='needs-work']").await;
    b.find(&format!(
        ".row[data-id='{FLIGHT}'] .tag-chip[data-tag='needs-work']"
    ))
    .await;

    step("flag a message: it turns red and the conversation is found with the flagged filter");
    let bot = events.iter().find(|e| e["type_name"] == "bot").unwrap()["id"]
        .as_i64()
        .unwrap();
    let bot_css = format!(".event[data-event-id='{bot}']");
    let flag = b.find(&format!("{bot_css} .flag-btn")).await;
    assert_eq!(
        flag.css_value("opacity").await.unwrap(),
        "0",
        "the flag shows only on hover"
    );
    b.hover(&bot_css).await;
    eventually("the flag on hover", || async {
        (flag.css_value("opacity").await.ok()? == "1").then_some(())
    })
    .await;
    b.click(&format!("{bot_css} .flag-btn")).await;
    b.find(&format!(".event.flagged[data-event-id='{bot}']"))
        .await;
    b.find(&format!(".row[data-id='{FLIGHT}'] .flag-mark"))
        .await;

    step("a flag carries a note: written in the panel, shown on hovering the flag, kept");
    let note = "Offers a flight before asking the date";
    b.click(&format!("{bot_css} .bubble")).await;
    b.wait_path("the flagged message selected", |p| {
        p.contains(&format!("/messages/{bot}"))
    })
    .await;
    b.click("#edit-flag-note").await;
    b.type_into("textarea[name=flag-note]", note).await;
    b.click("#save-flag-note").await;
    b.wait_text("#flag-note", note).await;
    let title = b
        .find(&format!("{bot_css} .flag-btn"))
        .await
        .attr("title")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(title, format!("Flag note: {note}"));
    let stored = server.get(&format!("/api/conversations/{FLIGHT}")).await;
    let flagged = stored["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == bot)
        .unwrap();
    assert_eq!(flagged["flag"]["note"], note, "the note reached the server");
    b.reload().await;
    b.wait_text("#flag-note", note).await;
    b.goto("/").await;
    b.click("#toggle-filters").await;
    b.choose("select[name=flagged]", "true").await;
    b.click("#apply-filters").await;
    b.wait_path("the flagged filter", |p| p.contains("flagged=true"))
        .await;
    b.wait_count(".rows .row", 1).await;
    b.find(&format!(".row[data-id='{FLIGHT}']")).await;
}
