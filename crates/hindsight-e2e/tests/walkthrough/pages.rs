//! The app as a whole: links of ids that need encoding, accessibility, widths, the admin
//! page and logging out.

use super::step;
use crate::support::browser::Browser;
use crate::support::path_segment;
use crate::support::server::{ADMIN, ODD_ID};

/// Its id has characters that must be percent-encoded in paths.
const WHATSAPP: &str = "whatsapp:+447700900522";

/// Links with encoded ids, axe-core on the main screens, three widths, the admin page and
/// logging out; `message_path` is a message to open at each width.
pub async fn links_widths_admin(b: &Browser, message_path: &str) {
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
    b.goto(message_path).await;
    b.wait_text("#story", "stories:").await;
    crate::support::axe::check(b, "a conversation").await;
    b.goto("/").await;
    b.find(".rows .row").await;
    crate::support::axe::check(b, "the inbox").await;

    step("any width: three panes, a drawer, one pane at a time");
    for (width, name) in [
        (1440, "06-wide-1440"),
        (1024, "07-medium-1024"),
        (390, "08-narrow-390"),
    ] {
        step(&format!("  at {width} px"));
        b.resize(width, 900).await;
        b.goto(message_path).await;
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
    crate::support::axe::check(b, "the admin page").await;

    step("log out");
    b.click("#logout").await;
    b.wait_path("the login page", |p| p.starts_with("/login"))
        .await;
}
