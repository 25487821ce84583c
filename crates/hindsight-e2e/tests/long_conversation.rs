//! A 6,000-event conversation in a real browser: it opens at its start and at a link to its
//! last message, scrolls both ways, selects, steps with ↓ and toggles its display options
//! while the page holds a bounded number of transcript rows. The times the page saw are
//! printed (for `bench/RESULTS.md`); the test asserts counts and behaviour, not speed.

mod support;

use serde_json::{json, Value};
use support::browser::Browser;
use support::browser::Driver;
use support::server::{Server, ADMIN};
use support::{eventually, path_segment};

/// The long conversation's id.
const LONG: &str = "long-6000";
/// Turns of five events: action_listen, user, slot, action, bot.
const TURNS: usize = 1_200;
const TOTAL: usize = TURNS * 5;
/// Most transcript rows the page may hold at once.
const MAX_ROWS: usize = 300;

const ARROW_DOWN: char = '\u{E015}';

fn step(what: &str) {
    eprintln!("long conversation test: {what}");
}

fn report(what: &str, ms: f64) {
    eprintln!("long conversation test: TIMING {what}: {ms:.0} ms");
}

fn turn_events(t: usize, ts: f64) -> Vec<Value> {
    vec![
        json!({"event": "action", "timestamp": ts, "name": "action_listen", "policy": "RulePolicy", "confidence": 1.0}),
        json!({"event": "user", "timestamp": ts + 1.0, "text": format!("question number {t}"), "input_channel": "rest",
               "parse_data": {"intent": {"name": "ask", "confidence": 0.93},
                              "entities": [{"entity": "n", "value": t.to_string(), "start": 0, "end": 1, "extractor": "RegexEntityExtractor"}],
                              "intent_ranking": [{"name": "ask", "confidence": 0.93}, {"name": "chitchat", "confidence": 0.05}],
                              "text": format!("question number {t}")}, "metadata": {}}),
        json!({"event": "slot", "timestamp": ts + 2.0, "name": "turn", "value": t}),
        json!({"event": "action", "timestamp": ts + 3.0, "name": "utter_answer", "policy": "TEDPolicy", "confidence": 0.88}),
        json!({"event": "bot", "timestamp": ts + 4.0, "text": format!("answer number {t}"), "data": {}, "metadata": {}}),
    ]
}

/// Creates the long conversation through the API, a thousand events per request.
async fn create_long_conversation(server: &Server) -> Vec<i64> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let start = now - (TURNS as f64) * 10.0;
    let events: Vec<Value> = (0..TURNS)
        .flat_map(|t| turn_events(t, start + t as f64 * 10.0))
        .collect();
    let path = format!("/api/conversations/{}/events", path_segment(LONG));
    for batch in events.chunks(1_000) {
        let summary = server.post(&path, &Value::Array(batch.to_vec())).await;
        assert_eq!(summary["events_added"], batch.len(), "{summary}");
    }
    // Every id, in order, through the cursors.
    let mut ids = Vec::new();
    let mut query = "limit=2000".to_owned();
    loop {
        let page = server
            .get(&format!(
                "/api/conversations/{}?{query}",
                path_segment(LONG)
            ))
            .await;
        assert_eq!(page["total_events"], TOTAL);
        ids.extend(
            page["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap()),
        );
        match page["after"].as_i64() {
            Some(after) => query = format!("after={after}&limit=2000"),
            None => break,
        }
    }
    assert_eq!(ids.len(), TOTAL);
    ids
}

/// Runs `action` (a script statement) and waits, frame by frame, until `until` (a script
/// expression) holds, then for one more frame; answers the milliseconds the page saw.
async fn timed(b: &Browser, action: &str, until: &str) -> f64 {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         const check = () => {{ try {{ return !!({until}); }} catch (e) {{ return false; }} }};
         const t0 = performance.now();
         {action};
         const poll = () => {{
             if (check()) requestAnimationFrame(() => done(performance.now() - t0));
             else if (performance.now() - t0 > 20000) done(-1);
             else requestAnimationFrame(poll);
         }};
         poll();"
    );
    let ms =
        b.c.execute_async(&script, vec![])
            .await
            .expect("run a timed script");
    let ms = ms.as_f64().unwrap_or(-1.0);
    assert!(ms >= 0.0, "timed out: `{action}` until `{until}`");
    ms
}

/// A script statement that follows a link of the app, as a click on it would.
fn follow(href: &str) -> String {
    format!(
        "const a = document.createElement('a'); a.href = {href:?}; a.textContent = 'link';
         document.body.appendChild(a); a.click(); a.remove()"
    )
}

/// A script expression: the row of `id` is selected and inside the transcript's viewport.
fn selected_in_view(id: i64) -> String {
    format!(
        "(() => {{ const r = document.getElementById('event-{id}'), t = document.querySelector('.transcript');
            if (!r || !t || !r.classList.contains('selected')) return false;
            const a = r.getBoundingClientRect(), v = t.getBoundingClientRect();
            return a.top >= v.top - 1 && a.bottom <= v.bottom + 1; }})()"
    )
}

async fn rows(b: &Browser) -> usize {
    b.count(".transcript .event").await
}

async fn elements(b: &Browser) -> i64 {
    b.js(
        "return document.querySelectorAll('.transcript *').length",
        vec![],
    )
    .await
    .as_i64()
    .unwrap()
}

/// Positions (from 0) of the rows inside the transcript's viewport, top to bottom.
async fn positions_in_view(b: &Browser) -> Vec<i64> {
    let v = b
        .js(
            "const t = document.querySelector('.transcript').getBoundingClientRect();
             return [...document.querySelectorAll('.transcript .event')]
                .filter(r => { const a = r.getBoundingClientRect(); return a.bottom > t.top && a.top < t.bottom; })
                .map(r => Number(r.getAttribute('aria-rowindex')) - 1);",
            vec![],
        )
        .await;
    serde_json::from_value(v).unwrap()
}

/// Waits until the viewport shows rows and no gap (events still loading).
async fn settled(b: &Browser) -> Vec<i64> {
    eventually("the transcript's viewport to be filled with loaded rows", || async {
        let gaps = b
            .js(
                "const t = document.querySelector('.transcript').getBoundingClientRect();
                 return [...document.querySelectorAll('.transcript .event-gap')]
                    .filter(r => { const a = r.getBoundingClientRect(); return a.bottom > t.top && a.top < t.bottom; }).length",
                vec![],
            )
            .await;
        let here = positions_in_view(b).await;
        (gaps == 0 && !here.is_empty()).then_some(here)
    })
    .await
}

async fn panel_width(b: &Browser) -> f64 {
    b.js(
        "return document.querySelector('.event-panel').getBoundingClientRect().width",
        vec![],
    )
    .await
    .as_f64()
    .unwrap()
}

fn bounded(what: &str, rows: usize, elements: i64) {
    eprintln!("long conversation test: {what}: {rows} rows, {elements} elements in the transcript");
    assert!(
        rows > 0 && rows < MAX_ROWS,
        "{what}: {rows} transcript rows in the page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_reads_a_six_thousand_event_conversation() {
    let server = Server::start().await;
    step("create a conversation of 6,000 events through the API");
    let ids = create_long_conversation(&server).await;
    let last = *ids.last().unwrap();
    let conv = format!("/conversations/{}", path_segment(LONG));

    let mut driver = Driver::start().await;
    let b = driver.session(&server.base).await;
    b.resize(1400, 900).await;
    b.goto("/").await;
    b.log_in(ADMIN.0, ADMIN.1).await;
    b.find(".rows .row").await;

    step("open it from a link: its first screen");
    let ms = timed(
        &b,
        &follow(&conv),
        "document.querySelector('.transcript .event')",
    )
    .await;
    report("open a 6,000-event conversation, first screen", ms);
    let here = settled(&b).await;
    assert_eq!(
        here[0], 1,
        "it opens at its start (its first event, an action_listen, hidden)"
    );
    bounded("at the top", rows(&b).await, elements(&b).await);
    b.wait_text(".event-total", "6000 events").await;
    b.screenshot("long-01-top").await;

    step("a click on a message highlights it");
    let second_user = ids[6];
    let ms = timed(
        &b,
        &format!("document.getElementById('event-{second_user}').click()"),
        &format!("document.getElementById('event-{second_user}').classList.contains('selected')"),
    )
    .await;
    report("click on a message until highlighted", ms);
    b.wait_path("the message's route", |p| {
        p.ends_with(&format!("/messages/{second_user}"))
    })
    .await;
    assert_eq!(b.count(".transcript .event.selected").await, 1);

    step("the story panel marks the message's step and the slots its turn changed");
    let action = ids[8];
    b.click(&format!("#event-{action}")).await;
    let step_text = b.wait_text("#story-step", "utter_answer").await;
    assert!(
        !step_text.contains("intent: ask"),
        "only the action's step is marked: {step_text:?}"
    );
    b.wait_text("#slots tr.slot-changed", "turn").await;
    assert_eq!(b.count("#slots tr.slot-changed").await, 1);

    step("the panel can be widened");
    let narrow = panel_width(&b).await;
    b.click("#widen-panel").await;
    let wide = eventually("a wider panel", || async {
        let w = panel_width(&b).await;
        (w > narrow + 100.0).then_some(w)
    })
    .await;
    eprintln!("long conversation test: panel {narrow:.0} px, widened {wide:.0} px");
    b.click("#widen-panel").await;

    step("toggling action_listen shows and hides its rows at once");
    let listen_rows = "[...document.querySelectorAll('.transcript .action-name')].filter(n => n.textContent === 'action_listen').length";
    assert_eq!(b.js(&format!("return {listen_rows}"), vec![]).await, 0);
    let ms = timed(
        &b,
        "document.querySelector('input[name=show_listen]').click()",
        &format!("{listen_rows} > 0"),
    )
    .await;
    report("toggle action_listen on", ms);
    let ms = timed(
        &b,
        "document.querySelector('input[name=show_listen]').click()",
        &format!("{listen_rows} === 0"),
    )
    .await;
    report("toggle action_listen off", ms);
    bounded("after the toggles", rows(&b).await, elements(&b).await);

    step("↓ selects the next shown message");
    b.click(&format!("#event-{action}")).await;
    b.wait_path("the action selected", |p| {
        p.ends_with(&format!("/messages/{action}"))
    })
    .await;
    b.press(ARROW_DOWN).await;
    let bot = ids[9];
    b.wait_path("↓ to the bot message", |p| {
        p.ends_with(&format!("/messages/{bot}"))
    })
    .await;
    // The next is a hidden action_listen, then the next turn's user message.
    b.press(ARROW_DOWN).await;
    b.wait_path("↓ over action_listen", |p| {
        p.ends_with(&format!("/messages/{}", ids[11]))
    })
    .await;

    step("follow a link to its last message");
    let ms = timed(
        &b,
        &follow(&format!("{conv}/messages/{last}")),
        &selected_in_view(last),
    )
    .await;
    report("select the last message via its link", ms);
    b.wait_text(".event-panel h3", "Bot message").await;
    let here = settled(&b).await;
    assert!(
        here.contains(&(TOTAL as i64 - 1)),
        "the last event is in view: {here:?}"
    );
    bounded(
        "after jumping to the end",
        rows(&b).await,
        elements(&b).await,
    );
    b.screenshot("long-02-last-message").await;

    step("scroll up to the middle and back down: windows load both ways");
    for fraction in [0.5, 0.25, 0.75] {
        b.js(
            "const t = document.querySelector('.transcript'); t.scrollTop = t.scrollHeight * arguments[0];",
            vec![json!(fraction)],
        )
        .await;
        let here = settled(&b).await;
        let expected = (TOTAL as f64 * fraction) as i64;
        assert!(
            here.iter().all(|p| (p - expected).abs() < 1_500),
            "at {fraction}: rows {here:?} near position {expected}"
        );
        // Consecutive positions on screen (action_listen hidden): no event missing.
        for pair in here.windows(2) {
            assert!(
                pair[1] > pair[0] && pair[1] - pair[0] <= 2,
                "rows in order without holes: {here:?}"
            );
        }
        bounded(
            &format!("scrolled to {fraction}"),
            rows(&b).await,
            elements(&b).await,
        );
    }
    b.js(
        "document.querySelector('.transcript').scrollTop -= 3000",
        vec![],
    )
    .await;
    settled(&b).await;

    step("a link opened afresh (a reload) shows the last message");
    b.goto(&format!("{conv}/messages/{last}")).await;
    eventually("the last message in view after a reload", || async {
        (b.js(&format!("return {}", selected_in_view(last)), vec![])
            .await
            == json!(true))
        .then_some(())
    })
    .await;
    b.find("#story").await;

    step("axe-core finds nothing serious");
    support::axe::check(&b, "a long conversation with a message selected").await;

    step("at 390 px the message's drawer leaves the header and ← Inbox uncovered");
    b.resize(390, 844).await;
    let uncovered = eventually("← Inbox uncovered", || async {
        let v = b
            .js(
                "const a = document.getElementById('back-to-list'); if (!a) return null;
                 const r = a.getBoundingClientRect(); if (r.width === 0) return null;
                 const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                 return !!hit && a.contains(hit);",
                vec![],
            )
            .await;
        v.as_bool().filter(|b| *b)
    })
    .await;
    assert!(uncovered);
    b.find(".event-panel").await;
    b.screenshot("long-03-narrow-drawer").await;
    b.click("#back-to-list").await;
    b.wait_path("back to the inbox", |p| p == "/" || p.starts_with("/?"))
        .await;

    b.close().await;
}
