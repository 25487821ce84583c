//! The inbox's filters: logging in, single filters, a saved template, sequence patterns and
//! the path explorer.

use super::{step, tab_count};
use crate::support::browser::Browser;
use crate::support::server::{Server, ADMIN};

/// Logs in (after a wrong password), filters by an intent and by low confidence, and saves
/// and applies the latter as a template.
pub async fn log_in_and_filter(b: &Browser, server: &Server, all: usize) {
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
    assert_eq!(tab_count(b, "all").await as usize, all);
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
}

/// A sequence pattern typed wrong, then built; a bounded repetition; a node of the path
/// explorer opening its conversations.
pub async fn sequences_and_paths(b: &Browser, server: &Server, all: usize) {
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
}
