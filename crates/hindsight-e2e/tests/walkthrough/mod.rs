//! The stages of the reviewer's walk-through (`browser.rs`), a file per part of the web app.
//! They run in order on one browser session and one data set, each starting where the one
//! before left them: the conversation it reviewed, the tag it made, the shortcuts it turned
//! back on.

pub mod conversation;
pub mod inbox;
pub mod pages;
pub mod review;

use crate::support::browser::Browser;
use crate::support::eventually;

/// A conversation of the samples with slots set before its last user message.
pub const FLIGHT: &str = "web-7184d454";

/// Says which step of the walk-through runs (the log of a failed run ends at it).
pub fn step(what: &str) {
    eprintln!("browser test: {what}");
}

/// The conversation ids of the inbox's rows, in their order on screen.
pub async fn row_ids(b: &Browser) -> Vec<String> {
    let v = b
        .js(
            "return [...document.querySelectorAll('.rows .row')].map(r => r.dataset.id)",
            vec![],
        )
        .await;
    serde_json::from_value(v).unwrap()
}

/// The count a review-status tab shows, once it shows one.
pub async fn tab_count(b: &Browser, status: &str) -> i64 {
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
