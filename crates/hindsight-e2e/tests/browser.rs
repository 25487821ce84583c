//! The web app in a real browser: headless Chromium, driven through chromedriver, against
//! the real server and a database loaded with the sample conversations. The test does what
//! a reviewer does, step by step, and keeps screenshots of the main screens in
//! `.ci/artifacts/screenshots/`.

mod support;
mod walkthrough;

use support::browser::Driver;
use support::server::Server;
use walkthrough::{conversation, inbox, pages, review};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_works_through_the_inbox() {
    let server = Server::start().await;
    let mut driver = Driver::start().await;
    let b = driver.session(&server.base).await;
    let all = server.count("").await as usize;

    inbox::log_in_and_filter(&b, &server, all).await;
    inbox::sequences_and_paths(&b, &server, all).await;
    let opened = conversation::open_select_and_share(&b, &mut driver, &server).await;
    conversation::tag_and_flag(&b, &server, &opened).await;
    review::errors_and_offline(&b, &server, all).await;
    review::mark_reviewed_and_keys(&b, all).await;
    pages::links_widths_admin(&b, &opened.message_path).await;

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
