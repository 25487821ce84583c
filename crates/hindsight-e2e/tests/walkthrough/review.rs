//! Reviewing: errors and an unreachable server, marking reviewed, the keyboard.

use super::{row_ids, step, tab_count, FLIGHT};
use crate::support::browser::Browser;
use crate::support::server::Server;
use crate::support::{eventually, path_segment};

const ARROW_DOWN: char = '\u{E015}';
const ESCAPE: char = '\u{E00C}';

/// An invalid filter in the address, then the server unreachable and back.
pub async fn errors_and_offline(b: &Browser, server: &Server, all: usize) {
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
    assert_eq!(tab_count(b, "reviewed").await, reviewed);
    b.wait_count(".rows .row", reviewed as usize).await;
}

/// Marks [`FLIGHT`] reviewed, walks the inbox with the keyboard, and turns the single-key
/// shortcuts off and on again.
pub async fn mark_reviewed_and_keys(b: &Browser, all: usize) {
    step("mark reviewed: the conversation leaves the unread tab");
    b.goto("/?review_status=unread").await;
    b.wait_count(".rows .row", all).await;
    let unread = tab_count(b, "unread").await;
    b.click(&format!(".row[data-id='{FLIGHT}']")).await;
    b.click("#mark-reviewed").await;
    b.wait_gone(&format!(".row[data-id='{FLIGHT}']")).await;
    eventually("the unread count to drop", || async {
        (tab_count(b, "unread").await == unread - 1).then_some(())
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
    let ids = row_ids(b).await;
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
}
