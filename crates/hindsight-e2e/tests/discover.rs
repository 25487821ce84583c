//! Discover in a real browser (issue 15): a reviewer starts a run from the page, reads the
//! groups it found, moves between them with the keyboard, opens one in the inbox (the
//! `discover_group` filter in the URL), dismisses another, and saves the one left as NLU
//! examples of an intent, one message left out.

mod support;

use serde_json::{json, Value};
use support::browser::Driver;
use support::eventually;
use support::server::{Server, ADMIN};

fn step(what: &str) {
    eprintln!("discover test: {what}");
}

/// One conversation whose only user message is `text`, predicted `nlu_fallback`.
fn unhandled(sender: &str, text: &str, ts: f64) -> Value {
    json!({"sender_id": sender, "events": [
        {"event": "action", "timestamp": ts, "name": "action_listen", "policy": "RulePolicy", "confidence": 1.0},
        {"event": "user", "timestamp": ts + 1.0, "text": text, "input_channel": "e2e-discover",
         "parse_data": {"intent": {"name": "nlu_fallback", "confidence": 0.9}, "entities": [], "text": text}, "metadata": {}},
        {"event": "action", "timestamp": ts + 2.0, "name": "utter_ask_rephrase", "policy": "RulePolicy", "confidence": 1.0}
    ]})
}

/// What does not fit the window on the Discover page, as a list of sentences (empty when all
/// fits): the page scrolling sideways, anything in a group past the group's card, a group's
/// action past the window's edge or over another action, a label that cannot wrap.
const NARROW_PROBLEMS: &str = r#"
const out = [];
const vw = document.documentElement.clientWidth;
const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '') +
    ' "' + (e.textContent || '').trim().slice(0, 40) + '"';
if (document.documentElement.scrollWidth > innerWidth)
    out.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${innerWidth} px window`);
for (const s of document.querySelectorAll('.training-page, .discover-groups'))
    if (s.scrollWidth > s.clientWidth + 1) out.push(`${name(s)} scrolls sideways: ${s.scrollWidth} > ${s.clientWidth}`);
const groups = document.querySelectorAll('.discover-group');
if (groups.length === 0) out.push('no group shown');
for (const g of groups) {
    const card = g.getBoundingClientRect();
    if (card.left < 0 || card.right > vw) out.push(`${g.id} spans ${card.left}..${card.right} of ${vw}`);
    for (const e of g.querySelectorAll('*')) {
        const r = e.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (r.left < card.left - 0.5 || r.right > card.right + 0.5)
            out.push(`${name(e)} spans ${Math.round(r.left)}..${Math.round(r.right)}, past its card ${Math.round(card.left)}..${Math.round(card.right)}`);
    }
    const actions = [...g.querySelectorAll('.group-actions .btn')]
        .map(e => [e, e.getBoundingClientRect()]).filter(([, r]) => r.width > 0);
    if (actions.length < 4) out.push(`${g.id} shows ${actions.length} actions`);
    for (const [e, r] of actions) {
        if (r.left < 0 || r.right > vw) out.push(`${name(e)} is cut off: ${Math.round(r.left)}..${Math.round(r.right)} of ${vw}`);
        if (e.scrollWidth > e.clientWidth + 1) out.push(`${name(e)} cuts its text: ${e.scrollWidth} > ${e.clientWidth}`);
    }
    for (let i = 0; i < actions.length; i++) for (let j = i + 1; j < actions.length; j++) {
        const [a, p] = actions[i], [c, q] = actions[j];
        if (p.left < q.right - 0.5 && q.left < p.right - 0.5 && p.top < q.bottom - 0.5 && q.top < p.bottom - 0.5)
            out.push(`${name(a)} overlaps ${name(c)}`);
    }
    const label = g.querySelector('.group-label');
    const ls = getComputedStyle(label);
    if (label.scrollWidth > label.clientWidth + 1) out.push(`${name(label)} is cut: ${label.scrollWidth} > ${label.clientWidth}`);
    if (ls.whiteSpace === 'nowrap' || ls.textOverflow === 'ellipsis') out.push(`${name(label)} cannot wrap (${ls.whiteSpace}, ${ls.textOverflow})`);
}
return out;
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_runs_discover_and_opens_a_group_in_the_inbox() {
    let server = Server::start().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let bitcoin = [
        "can I pay with bitcoin",
        "do you take bitcoin",
        "pay in bitcoin please",
        "bitcoin payment possible",
        "can i pay using bitcoin",
        "bitcoin accepted?",
    ];
    let human = [
        "talk to a human",
        "I want to talk to a human",
        "can I talk to a human agent",
        "talk to human",
        "please let me talk to a human",
        "a human please",
    ];
    let mut trackers = Vec::new();
    for (i, t) in bitcoin.iter().enumerate() {
        trackers.push(unhandled(&format!("discover-b{i}"), t, now - 86_400.0));
    }
    for (i, t) in human.iter().enumerate() {
        trackers.push(unhandled(
            &format!("discover-h{i}"),
            t,
            now - 2.0 * 86_400.0,
        ));
    }
    server.post("/api/trackers", &Value::Array(trackers)).await;
    let mut driver = Driver::start().await;
    let b = driver.session(&server.base).await;

    step("log in, follow the top bar's Discover link: no run yet");
    b.goto("/").await;
    b.wait_path("the login page", |p| p.starts_with("/login"))
        .await;
    b.log_in(ADMIN.0, ADMIN.1).await;
    b.click("#discover-link").await;
    b.wait_path("the Discover page", |p| p.starts_with("/discover"))
        .await;
    b.wait_text("#discover-last", "No run yet").await;

    step(
        "run it for the inbox filtered to this test's channel; the groups appear when it finishes",
    );
    b.goto("/discover?channel=e2e-discover").await;
    b.wait_text("#discover-last", "No run yet").await;
    b.click("#discover-start").await;
    b.wait_count(".discover-group", 2).await;
    let text = b.wait_text("#discover-groups", "bitcoin").await;
    assert!(text.contains("human"), "{text}");
    b.wait_text("#discover-last", "Last run").await;
    support::axe::check(&b, "the Discover page").await;

    step("at 390 px (a phone) the groups fit: no sideways scroll, actions whole and apart");
    b.resize(390, 844).await;
    eventually("a 390 px viewport", || async {
        (b.js("return window.innerWidth", vec![]).await.as_u64()? <= 390).then_some(())
    })
    .await;
    let problems = b.js(NARROW_PROBLEMS, vec![]).await;
    assert_eq!(problems, json!([]), "the Discover page at 390 px");
    b.js(
        "document.querySelector('.discover-group .group-actions').scrollIntoView({block: 'center'})",
        vec![],
    )
    .await;
    b.screenshot("discover-narrow-390").await;
    b.resize(1440, 900).await;

    step("j selects the next group, o opens it in the inbox with its filter in the URL");
    b.js("document.getElementById('discover-groups').focus()", vec![])
        .await;
    b.wait_count(".discover-group.selected", 1).await;
    let first = b
        .find(".discover-group.selected")
        .await
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    b.press('j').await;
    eventually("the second group selected", || async {
        let el = b.find(".discover-group.selected").await;
        (el.attr("id").await.ok().flatten()? != first).then_some(())
    })
    .await;
    let second = b
        .find(".discover-group.selected")
        .await
        .attr("id")
        .await
        .unwrap()
        .unwrap();
    let group_id = second.trim_start_matches("discover-group-").to_owned();
    b.press('o').await;
    let path = b
        .wait_path("the inbox of the group", |p| {
            p.starts_with("/?") && p.contains("discover_group=")
        })
        .await;
    assert_eq!(path, format!("/?discover_group={group_id}"));
    eventually("the group's six conversations", || async {
        (b.count(".rows .row").await == 6).then_some(())
    })
    .await;

    step("back on Discover, dismiss the first group as known: it leaves the page");
    b.goto("/discover?channel=e2e-discover").await;
    b.wait_count(".discover-group", 2).await;
    b.click(&format!("#{first} .group-actions button")).await;
    b.wait_count(".discover-group", 1).await;
    let result = server.get("/api/discover").await;
    let dismissed: Vec<&Value> = result["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| !g["dismissed"].is_null())
        .collect();
    assert_eq!(dismissed.len(), 1, "{result}");
    assert_eq!(format!("discover-group-{}", dismissed[0]["id"]), first);
    assert_eq!(dismissed[0]["dismissed"]["reason"], "known");
    b.screenshot("discover").await;

    step("label the group left as an intent, one message unticked");
    let left = &group_id;
    b.click(&format!("#group-{left}-label")).await;
    let messages = format!("#group-{left}-label-form .group-message");
    b.wait_count(&messages, 6).await;
    b.type_into(&format!("#group-{left}-intent"), "ask_crypto")
        .await;
    b.click(&format!("{messages} input[type=checkbox]")).await;
    b.wait_text(
        &format!("#group-{left}-label-form [role=status]"),
        "5 ticked of 6",
    )
    .await;
    support::axe::check(&b, "the Discover page's labelling form").await;
    b.screenshot("discover-label").await;
    b.resize(390, 844).await;
    eventually("a 390 px viewport", || async {
        (b.js("return window.innerWidth", vec![]).await.as_u64()? <= 390).then_some(())
    })
    .await;
    let problems = b.js(NARROW_PROBLEMS, vec![]).await;
    assert_eq!(problems, json!([]), "the labelling form at 390 px");
    b.js(
        "document.querySelector('.label-group-form .form-actions').scrollIntoView({block: 'end'})",
        vec![],
    )
    .await;
    b.screenshot("discover-label-narrow-390").await;
    b.resize(1440, 900).await;
    b.click(&format!("#group-{left}-label-submit")).await;
    b.wait_text(
        ".toast",
        "5 messages saved as examples of “ask_crypto” (1 left out).",
    )
    .await;
    b.wait_gone(&format!("#group-{left}-label-form")).await;
    b.wait_text(
        &format!("#discover-group-{left}"),
        "83% already an NLU example",
    )
    .await;
    let listed = server
        .get(&format!("/api/discover/groups/{left}/messages"))
        .await;
    let intents: Vec<&Value> = listed["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["annotated_intent"])
        .collect();
    assert_eq!(intents.len(), 6, "{listed}");
    assert_eq!(
        intents.iter().filter(|i| **i == "ask_crypto").count(),
        5,
        "{listed}"
    );
    assert!(intents[0].is_null(), "the first, unticked: {listed}");
}
