//! The web app in a real browser: headless Chromium, driven through chromedriver, against
//! the real server and a database loaded with the sample conversations. The test does what
//! a reviewer does, step by step, and keeps screenshots of the main screens in
//! `.ci/artifacts/screenshots/`.

mod support;

use serde_json::Value;
use support::browser::{Browser, Driver};
use support::server::{Server, ADMIN, ODD_ID};
use support::{eventually, path_segment};

/// A conversation of the samples with slots set before its last user message.
const FLIGHT: &str = "web-7184d454";
/// Its id has characters that must be percent-encoded in paths.
const WHATSAPP: &str = "whatsapp:+447700900522";

const ARROW_DOWN: char = '\u{E015}';
const ESCAPE: char = '\u{E00C}';

fn step(what: &str) {
    eprintln!("browser test: {what}");
}

async fn row_ids(b: &Browser) -> Vec<String> {
    let v = b
        .js(
            "return [...document.querySelectorAll('.rows .row')].map(r => r.dataset.id)",
            vec![],
        )
        .await;
    serde_json::from_value(v).unwrap()
}

async fn tab_count(b: &Browser, status: &str) -> i64 {
    let css = format!("a.tab[data-status={status}] .count");
    eventually(&format!("the {status} count"), || async {
        b.find(&css)
            .await
            .text()
            .await
            .ok()
            .and_then(|t| t.trim().parse().ok())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_works_through_the_inbox() {
    let server = Server::start().await;
    let mut driver = Driver::start().await;
    let b = driver.session(&server.base).await;
    let all = server.count("").await as usize;

    step("a visitor without a session is sent to the login page");
    b.goto("/").await;
    b.wait_path("the login page", |p| p.starts_with("/login"))
        .await;
    b.find("form.login-card").await;
    b.screenshot("00-login").await;
    b.type_into("input[name=username]", ADMIN.0).await;
    b.type_into("input[name=password]", "wrong password").await;
    b.click("form.login-card button[type=submit]").await;
    b.wait_text(".login-card .error-box", "Wrong username or password")
        .await;
    b.log_in(ADMIN.0, ADMIN.1).await;
    b.wait_count(".rows .row", all).await;

    step("the inbox shows its first rows after opening the page");
    b.goto("/").await;
    // Reported, not asserted: speed is for benchmarks, not tests.
    let ms = b.time_to_first_rows().await;
    eprintln!("browser test: first inbox rows {ms:.0} ms after navigation start");
    b.wait_count(".rows .row", all).await;
    assert_eq!(tab_count(&b, "all").await as usize, all);
    b.screenshot("01-inbox").await;

    step("filter by intent");
    b.click("#toggle-filters").await;
    b.choose("select[name=intent]", "book_flight").await;
    b.find(".multi-pick .chip").await;
    b.click("#apply-filters").await;
    b.wait_path("the intent in the URL", |p| {
        p.contains("intent=book_flight")
    })
    .await;
    let n = server.count("intent=book_flight").await as usize;
    assert!(
        n > 0 && n < all,
        "{n} of {all} conversations have book_flight"
    );
    b.wait_count(".rows .row", n).await;

    step("filter by low confidence, from a fresh page (the filter is read back from the URL)");
    b.goto("/").await;
    b.click("#toggle-filters").await;
    b.click("#low-confidence").await;
    b.click("#apply-filters").await;
    let low_path = b
        .wait_path("the confidence in the URL", |p| {
            p.contains("max_intent_confidence=0.6")
        })
        .await;
    let low = server.count("max_intent_confidence=0.6").await as usize;
    assert!(low > 0 && low < all);
    b.wait_count(".rows .row", low).await;
    let marked = b
        .count(".rows .row .conf-low, .rows .row .conf-very-low")
        .await;
    assert_eq!(
        marked, low,
        "every low-confidence row shows an amber or red badge"
    );
    b.screenshot("02-filters").await;

    step("save the filter as a template, then apply it from a clean inbox");
    b.click("#toggle-templates").await;
    b.type_into("input[name=template-name]", "Low confidence")
        .await;
    b.click(".template-save button[type=submit]").await;
    b.find("li.template[data-template='Low confidence']").await;
    b.goto("/").await;
    b.wait_count(".rows .row", all).await;
    b.click("#toggle-templates").await;
    b.click("li.template[data-template='Low confidence'] .template-name")
        .await;
    b.wait_path("the template's filter", |p| p == low_path)
        .await;
    b.wait_count(".rows .row", low).await;

    step("filter by a sequence: a wrong pattern says where, the builder adds a step");
    b.goto("/").await;
    b.wait_count(".rows .row", all).await;
    b.click("#toggle-filters").await;
    b.type_into("#seq", "intent:book_flight > acton:x").await;
    b.wait_text("#seq-problem", "at character 22").await;
    b.screenshot("02a-sequence").await;
    b.type_into("#seq", "intent:book_flight").await;
    b.choose("select[name=seq_kind]", "end").await;
    b.click("#seq-add").await;
    b.click("#apply-filters").await;
    b.wait_path("the sequence in the URL", |p| {
        p.contains("seq=intent%3Abook_flight+%3E+end")
    })
    .await;
    let ending = server.count("seq=intent%3Abook_flight+%3E+end").await as usize;
    let flights = server.count("intent=book_flight").await as usize;
    // Every conversation with the intent ends some time after it.
    assert!(ending > 0 && ending == flights, "{ending} of {flights}");
    b.wait_count(".rows .row", ending).await;
    // A bounded repetition from the builder: one or two user messages between the flight
    // and the end (the inputs are for the step being added, and cleared after it).
    b.goto("/").await;
    b.wait_count(".rows .row", all).await;
    b.click("#toggle-filters").await;
    b.type_into("#seq", "intent:book_flight").await;
    b.choose("select[name=seq_kind]", "intent").await;
    b.type_into("input[name=seq_at_least]", "1").await;
    b.type_into("input[name=seq_at_most]", "2").await;
    b.screenshot("02a-sequence-builder").await;
    b.click("#seq-add").await;
    b.choose("select[name=seq_kind]", "end").await;
    b.click("#seq-add").await;
    b.click("#apply-filters").await;
    let bounded_query = "seq=intent%3Abook_flight+%3E+intent%3A*%7B1%2C2%7D+%3E+end";
    b.wait_path("the bounded sequence in the URL", |p| {
        p.contains(bounded_query)
    })
    .await;
    let bounded = server.count(bounded_query).await as usize;
    assert!(bounded > 0 && bounded < flights, "{bounded} of {flights}");
    b.wait_count(".rows .row", bounded).await;

    step("the path explorer: a step of the second level opens exactly its conversations");
    b.goto("/paths").await;
    b.wait_text("#paths-summary", &format!("All {all} conversations"))
        .await;
    assert!(b.count("#paths-graph g.path-node").await >= 2);
    b.screenshot("02b-paths").await;
    b.click("#paths-graph g.path-node.clickable[data-level='1'] rect")
        .await;
    let opened = b
        .wait_path("a node's pattern in the URL", |p| {
            p.starts_with("/?") && p.contains("seq=start")
        })
        .await;
    let through = server.count(opened.trim_start_matches("/?")).await as usize;
    assert!(
        through > 0 && through <= all,
        "{through} conversations through the node"
    );
    b.wait_count(".rows .row", through).await;

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
    let events = detail["events"].as_array().unwrap();
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

    step("a filter in the address that is not valid: the counts say so, not …");
    b.goto("/?review_status=bogus").await;
    b.find(".list-pane .error-box").await;
    b.wait_count("a.tab .count-error", 4).await;

    step("with the server unreachable: one banner with Retry, no stale rows, no raw error");
    b.goto("/?review_status=unread").await;
    b.wait_count(".rows .row", all).await;
    b.js(
        "window.__fetch = window.fetch; window.fetch = () => Promise.reject(new TypeError('Failed to fetch'));",
        vec![],
    )
    .await;
    b.click("a.tab[data-status=reviewed]").await;
    b.wait_path("the reviewed tab", |p| p.contains("review_status=reviewed"))
        .await;
    b.find("#offline-banner").await;
    b.wait_gone(".rows .row").await;
    b.wait_count("a.tab .count-error", 4).await;
    assert_eq!(b.count("#offline-banner").await, 1);
    let page = b.js("return document.body.innerText", vec![]).await;
    let page = page.as_str().unwrap_or_default();
    assert!(
        !page.contains("Failed to fetch") && !page.contains("TypeError"),
        "no raw exception text: {page}"
    );
    b.js("window.fetch = window.__fetch;", vec![]).await;
    b.click("#retry").await;
    b.wait_gone("#offline-banner").await;
    let reviewed = server.count("review_status=reviewed").await;
    assert_eq!(tab_count(&b, "reviewed").await, reviewed);
    b.wait_count(".rows .row", reviewed as usize).await;

    step("mark reviewed: the conversation leaves the unread tab");
    b.goto("/?review_status=unread").await;
    b.wait_count(".rows .row", all).await;
    let unread = tab_count(&b, "unread").await;
    b.click(&format!(".row[data-id='{FLIGHT}']")).await;
    b.click("#mark-reviewed").await;
    b.wait_gone(&format!(".row[data-id='{FLIGHT}']")).await;
    eventually("the unread count to drop", || async {
        (tab_count(&b, "unread").await == unread - 1).then_some(())
    })
    .await;
    b.find(".conv-title .status-reviewed").await;
    b.wait_text(".list-foot", &format!("of {} shown", unread - 1))
        .await;
    b.click("a.tab[data-status=reviewed]").await;
    b.find(&format!(".row[data-id='{FLIGHT}']")).await;

    step("keyboard: j/k, arrows, f, s, r, ? and /");
    b.goto("/?review_status=unread").await;
    b.wait_count(".rows .row", all - 1).await;
    let ids = row_ids(&b).await;
    b.press('j').await;
    b.wait_path("j to open the first conversation", |p| {
        p.starts_with(&format!("/conversations/{}", path_segment(&ids[0])))
    })
    .await;
    b.find(".conversation .event").await;
    b.press('j').await;
    b.wait_path("j to open the second", |p| {
        p.starts_with(&format!("/conversations/{}", path_segment(&ids[1])))
    })
    .await;
    b.press('k').await;
    b.wait_path("k to go back", |p| {
        p.starts_with(&format!("/conversations/{}?", path_segment(&ids[0])))
    })
    .await;
    b.find(&format!(
        ".conversation[data-conversation='{}'] .event",
        ids[0]
    ))
    .await;
    b.press(ARROW_DOWN).await;
    b.wait_path("↓ to select a message", |p| p.contains("/messages/"))
        .await;
    let first = b
        .find(".event.selected")
        .await
        .attr("data-event-id")
        .await
        .unwrap()
        .unwrap();
    b.press(ARROW_DOWN).await;
    eventually("↓ to select the next message", || async {
        let now =
            b.c.find(fantoccini::Locator::Css(".event.selected"))
                .await
                .ok()?
                .attr("data-event-id")
                .await
                .ok()??;
        (now != first).then_some(())
    })
    .await;
    // On to the first user message, then flag it from the keyboard.
    for _ in 0..12 {
        if b.count(".event-user.selected").await == 1 {
            break;
        }
        let before = b.path().await;
        b.press(ARROW_DOWN).await;
        b.wait_path("↓ to move on", |p| p != before).await;
    }
    b.find(".event-user.selected").await;
    b.press('f').await;
    b.find(".event.selected.flagged").await;
    b.press('f').await;
    b.wait_gone(".event.flagged").await;
    b.press('s').await;
    b.find(".conv-title .status-saved_for_later").await;
    b.wait_gone(&format!(".row[data-id='{}']", ids[0])).await;
    b.press('r').await;
    b.find(".conv-title .status-reviewed").await;
    b.press('?').await;
    b.find("#shortcut-help").await;
    b.screenshot("05-shortcuts").await;
    b.press(ESCAPE).await;
    b.wait_gone("#shortcut-help").await;
    b.press('/').await;
    eventually("/ to focus the search box", || async {
        let name = b.c.active_element().await.ok()?.attr("name").await.ok()??;
        (name == "q").then_some(())
    })
    .await;

    step("single-key shortcuts can be turned off, and the dialog gives focus back");
    let here = b.path().await;
    b.click("#open-settings").await;
    b.find("#shortcut-help").await;
    b.click("#shortcuts-on").await;
    b.press(ESCAPE).await;
    b.wait_gone("#shortcut-help").await;
    eventually("focus back on the settings button", || async {
        let id = b.c.active_element().await.ok()?.attr("id").await.ok()??;
        (id == "open-settings").then_some(())
    })
    .await;
    b.reload().await;
    b.find(".conversation .event").await;
    b.press('j').await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        b.path().await,
        here,
        "j does nothing with the shortcuts off (remembered)"
    );
    b.click("#open-settings").await;
    b.click("#shortcuts-on").await;
    b.press(ESCAPE).await;
    b.wait_gone("#shortcut-help").await;

    step("conversations whose ids need encoding (`/` too) open by their links, and reload");
    for id in [WHATSAPP, ODD_ID] {
        let path = format!("/conversations/{}", path_segment(id));
        let css = format!(".conversation[data-conversation='{id}'] .event-user");
        b.goto(&path).await;
        b.find(&css).await;
        b.reload().await;
        b.find(&css).await;
        assert_eq!(b.path().await, path);
    }
    b.goto("/").await;
    b.click(&format!(".row[data-id='{ODD_ID}']")).await;
    b.wait_path("the odd id's row to its encoded path", |p| {
        p == format!("/conversations/{}", path_segment(ODD_ID))
    })
    .await;

    step("axe-core finds no serious or critical violation");
    b.goto(&message_path).await;
    b.wait_text("#story", "stories:").await;
    support::axe::check(&b, "a conversation").await;
    b.goto("/").await;
    b.find(".rows .row").await;
    support::axe::check(&b, "the inbox").await;

    step("any width: three panes, a drawer, one pane at a time");
    for (width, name) in [
        (1440, "06-wide-1440"),
        (1024, "07-medium-1024"),
        (390, "08-narrow-390"),
    ] {
        step(&format!("  at {width} px"));
        b.resize(width, 900).await;
        b.goto(&message_path).await;
        b.wait_text("#story", "stories:").await;
        let layout = b
            .js(
                "const v = s => { const e = document.querySelector(s); return !!e && e.getBoundingClientRect().width > 0; };
                 return [v('.list-pane'), v('.transcript'), v('.event-panel'), getComputedStyle(document.querySelector('.event-panel')).position];",
                vec![],
            )
            .await;
        let expected = match width {
            1440 => serde_json::json!([true, true, true, "static"]),
            1024 => serde_json::json!([true, true, true, "absolute"]),
            _ => serde_json::json!([false, true, true, "absolute"]),
        };
        assert_eq!(layout, expected, "layout at {width} px");
        b.screenshot(name).await;
    }
    // One pane at a time: the message's panel closes back to the transcript, whose back
    // control returns to the list.
    b.click("#close-panel").await;
    b.wait_gone(".event-panel").await;
    b.click("#back-to-list").await;
    b.wait_path("the back control to the list", |p| p == "/")
        .await;
    b.find(".list-pane .rows .row").await;
    b.resize(1440, 900).await;

    step("admin: users and a token shown once");
    b.goto("/admin").await;
    b.find(&format!("#users tr[data-user='{}']", ADMIN.0)).await;
    b.type_into("input[name=token-name]", "rasa-tracker-store")
        .await;
    b.click("#tokens button[type=submit]").await;
    b.find("#new-token .secret-value").await;
    b.screenshot("04-admin").await;
    support::axe::check(&b, "the admin page").await;

    step("log out");
    b.click("#logout").await;
    b.wait_path("the login page", |p| p.starts_with("/login"))
        .await;
    b.close().await;
    drop(driver);
    publish_screenshots();
}

/// Copies the inbox and conversation screenshots next to the README, when asked to
/// (`HINDSIGHT_E2E_UPDATE_DOCS=1`), so ordinary runs leave the work tree alone.
fn publish_screenshots() {
    if std::env::var_os("HINDSIGHT_E2E_UPDATE_DOCS").is_none() {
        return;
    }
    let docs = support::workspace().join("docs/screenshots");
    std::fs::create_dir_all(&docs).unwrap();
    for name in [
        "01-inbox",
        "03-conversation",
        "06-wide-1440",
        "07-medium-1024",
        "08-narrow-390",
    ] {
        let from = support::screenshot_dir().join(format!("{name}.png"));
        std::fs::copy(&from, docs.join(format!("{name}.png"))).unwrap();
    }
}
