//! The inbox's charts and its list at scale, in a real browser: the day chart and the
//! confidence histogram show what the API counts, dragging over days filters by them through
//! the URL, the list scrolled through 10,000 conversations keeps a bounded number of row
//! elements while j/k and the URL stay right, and the tag picker and the filter drawer keep
//! and give back the keyboard focus.

mod support;

use std::collections::HashSet;

use fantoccini::actions::{InputSource, KeyAction, KeyActions, MouseActions, PointerAction};
use fantoccini::Locator;
use serde_json::{json, Value};
use support::browser::Browser;
use support::browser::Driver;
use support::eventually;
use support::server::{with_demo, Server, ADMIN};

/// Demo conversations added to the samples.
const DEMO: u64 = 10_000;
/// Most row elements the list may hold at any time.
const MAX_ROWS: usize = 300;
/// The chart's most bars (`charts::MAX_BARS` of the web app).
const MAX_BARS: usize = 90;

const ESCAPE: char = '\u{E00C}';
const TAB: char = '\u{E004}';
const SHIFT: char = '\u{E008}';

fn step(what: &str) {
    eprintln!("inbox charts test: {what}");
}

/// Every conversation id of the unfiltered listing, in its order, through the API.
async fn listing_ids(server: &Server) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/conversations?limit=500&total=false&cursor={c}"),
            None => "/api/conversations?limit=500&total=false".to_owned(),
        };
        let page = server.get(&path).await;
        for c in page["conversations"].as_array().unwrap() {
            ids.push(c["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return ids,
        }
    }
}

/// Scrolls the list to `top` (pixels), waits two frames for the app to draw, and returns
/// the row elements' ids in DOM order and the list's scroll height.
async fn scroll_to(b: &Browser, top: f64) -> (Vec<String>, f64) {
    let v =
        b.c.execute_async(
            "const [top, done] = arguments; const el = document.querySelector('.rows');
             el.scrollTop = top;
             requestAnimationFrame(() => requestAnimationFrame(() => done([
                 [...el.querySelectorAll('.row')].map(r => r.dataset.id), el.scrollHeight])));",
            vec![json!(top)],
        )
        .await
        .expect("scroll the list");
    (
        serde_json::from_value(v[0].clone()).unwrap(),
        v[1].as_f64().unwrap(),
    )
}

/// How many rows the list has loaded, from its footer ("N of M shown").
async fn loaded(b: &Browser) -> usize {
    let text = b.find(".list-foot").await.text().await.unwrap_or_default();
    text.split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

async fn active_in(b: &Browser, css: &str) -> bool {
    b.js(
        "return !!document.activeElement && !!document.activeElement.closest(arguments[0])",
        vec![json!(css)],
    )
    .await
        == Value::Bool(true)
}

async fn active_id(b: &Browser) -> String {
    b.js(
        "return document.activeElement && document.activeElement.id",
        vec![],
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// The bars the chart draws for `days` days: equal runs of `per` days.
fn per_bar(days: usize) -> usize {
    days.div_ceil(MAX_BARS).max(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charts_and_ten_thousand_rows() {
    let server = Server::start_with(with_demo(DEMO)).await;
    let all = server.count("").await as usize;
    assert!(all >= DEMO as usize, "{all} conversations");
    let mut driver = Driver::start().await;
    let b = driver.session(&server.base).await;
    b.goto("/").await;
    b.wait_path("the login page", |p| p.starts_with("/login"))
        .await;
    b.log_in(ADMIN.0, ADMIN.1).await;
    b.find(".rows .row").await;

    step("the day chart: one bar per day (or run of days), the counts of the API as text");
    let stats = server.get("/api/conversations/stats").await;
    assert_eq!(stats["total"], all as i64);
    let days = stats["days"].as_array().unwrap().clone();
    let per = per_bar(days.len());
    let bars = days.len().div_ceil(per);
    b.wait_count("#day-chart g.bar", bars).await;
    let desc = b
        .js(
            "return document.querySelector('#day-chart desc').textContent",
            vec![],
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    assert!(desc.starts_with(&format!("{all} conversations")), "{desc}");
    let titled: i64 = b
        .js(
            "return [...document.querySelectorAll('#day-chart g.bar title')]
                .map(t => parseInt(t.textContent.split(': ')[1])).reduce((a, b) => a + b, 0)",
            vec![],
        )
        .await
        .as_i64()
        .unwrap();
    assert_eq!(
        titled, all as i64,
        "the bars' titles add up to every conversation"
    );
    b.screenshot("10-inbox-day-chart").await;

    step("scrolled to the end: every page loaded, never more than a few hundred row elements");
    let started = std::time::Instant::now();
    let mut most = 0;
    loop {
        let have = loaded(&b).await;
        if have >= all {
            break;
        }
        let (ids, _) = scroll_to(&b, 1e9).await;
        most = most.max(ids.len());
        assert!(ids.len() < MAX_ROWS, "{} row elements", ids.len());
        eventually("the next page", || async {
            (loaded(&b).await > have).then_some(())
        })
        .await;
    }
    eprintln!(
        "inbox charts test: {all} rows loaded in {:.1} s, at most {most} row elements",
        started.elapsed().as_secs_f64()
    );

    step("swept from top to bottom, the rows drawn are the listing's, in order");
    let expected = listing_ids(&server).await;
    assert_eq!(expected.len(), all);
    let row_px: f64 = b
        .js(
            "return document.querySelector('.rows .row').offsetHeight",
            vec![],
        )
        .await
        .as_f64()
        .unwrap();
    let mut seen: Vec<String> = Vec::with_capacity(all);
    let mut top = 0.0;
    loop {
        let (ids, height) = scroll_to(&b, top).await;
        assert!(
            !ids.is_empty() && ids.len() < MAX_ROWS,
            "{} rows at {top}",
            ids.len()
        );
        // Each window starts inside what was seen (they overlap) and continues it.
        let start = expected.iter().position(|id| *id == ids[0]).unwrap();
        assert!(start <= seen.len(), "a gap before row {start}");
        assert_eq!(
            &expected[start..start + ids.len()],
            &ids[..],
            "rows from {start}"
        );
        seen.truncate(start);
        seen.extend(ids);
        if top >= height {
            break;
        }
        top += 40.0 * row_px;
    }
    assert_eq!(
        seen, expected,
        "every conversation was drawn once, in order"
    );
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), all);

    step("j and k deep in the list: the URL and the drawn, active row follow");
    let middle = all / 2;
    scroll_to(&b, middle as f64 * row_px).await;
    b.click(&format!(".row[data-id='{}']", expected[middle]))
        .await;
    b.wait_path("the clicked row's conversation", |p| {
        p == format!(
            "/conversations/{}",
            support::path_segment(&expected[middle])
        )
    })
    .await;
    b.find(".conversation .event").await;
    for (key, index) in [
        ('j', middle + 1),
        ('j', middle + 2),
        ('k', middle + 1),
        ('k', middle),
    ] {
        // The keys go to the page, not a field.
        b.js(
            "document.activeElement && document.activeElement.blur()",
            vec![],
        )
        .await;
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        b.c.perform_actions(keys).await.unwrap();
        let want = format!("/conversations/{}", support::path_segment(&expected[index]));
        b.wait_path(&format!("{key} to row {index}"), |p| p == want)
            .await;
        b.find(&format!(".row.active[data-id='{}']", expected[index]))
            .await;
        assert!(b.count(".rows .row").await < MAX_ROWS);
    }

    step("dragging over days on the chart sets the date range in the URL");
    b.goto("/").await;
    b.wait_count("#day-chart g.bar", bars).await;
    let (from_bar, to_bar) = (2usize.min(bars - 1), 5usize.min(bars - 1));
    let bar = |i: usize| format!("#day-chart g.bar[data-bar='{i}'] rect.hit");
    let from_el = b.find(&bar(from_bar)).await;
    let to_el = b.find(&bar(to_bar)).await;
    let drag = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement {
            element: from_el,
            duration: None,
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: fantoccini::actions::MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::MoveToElement {
            element: to_el,
            duration: None,
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::Up {
            button: fantoccini::actions::MOUSE_BUTTON_LEFT,
        });
    b.c.perform_actions(drag).await.unwrap();
    let path = b
        .wait_path("the dates in the URL", |p| {
            p.contains("start=") && p.contains("until=")
        })
        .await;
    let query = path.split_once('?').unwrap().1.to_owned();
    let first_day = &days[from_bar * per];
    let last_day = &days[(to_bar * per + per - 1).min(days.len() - 1)];
    let filter = hindsight_types::ConversationFilter::from_query(&query).unwrap();
    assert_eq!(
        filter.start.unwrap().timestamp_micros(),
        micros(&first_day["start"]),
        "{query}: from the first dragged day's start"
    );
    assert_eq!(
        filter.until.unwrap().timestamp_micros(),
        micros(&last_day["end"]) - 1,
        "{query}: to the last dragged day's end"
    );
    let matching = server.count(&query).await;
    assert!(matching > 0, "{query}");
    b.wait_text(".list-foot", &format!("of {matching} shown"))
        .await;
    let ranged = server
        .get(&format!("/api/conversations/stats?{query}"))
        .await;
    assert_eq!(ranged["total"], matching);
    b.find("#all-dates").await;
    b.click("#all-dates").await;
    b.wait_path("the dates cleared", |p| !p.contains("start="))
        .await;

    step("the confidence histogram beside the bounds marks the bins inside them");
    b.click("#toggle-filters").await;
    b.wait_count("#confidence-chart g.bar", 10).await;
    b.type_into("input[name=min_intent_confidence]", "0.5")
        .await;
    // The change event: leave the field.
    b.press(TAB).await;
    b.wait_count("#confidence-chart g.bar.inside", 5).await;
    let inside: Vec<i64> = serde_json::from_value(
        b.js(
            "return [...document.querySelectorAll('#confidence-chart g.bar.inside')].map(g => +g.dataset.bin)",
            vec![],
        )
        .await,
    )
    .unwrap();
    assert_eq!(inside, [5, 6, 7, 8, 9]);
    let histogram: i64 = stats["confidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_i64().unwrap())
        .sum();
    assert_eq!(
        histogram + stats["no_confidence"].as_i64().unwrap(),
        all as i64
    );
    b.screenshot("11-filters-histogram").await;

    step("axe-core: the charts have names, no serious or critical violation");
    support::axe::check(&b, "the inbox with its charts and the filter drawer").await;

    step("Escape closes the filter drawer and gives the focus back to its button");
    b.click("input[name=max_intent_confidence]").await;
    b.press(ESCAPE).await;
    b.wait_gone(".filter-panel").await;
    eventually("focus on the Filters button", || async {
        (active_id(&b).await == "toggle-filters").then_some(())
    })
    .await;

    step("the tag picker keeps the focus inside while open and gives it back when closed");
    b.click(&format!(".row[data-id='{}']", expected[0])).await;
    b.find(".conversation .event").await;
    b.click("#tag-gear").await;
    b.find(".tag-picker").await;
    eventually("the focus in the picker", || async {
        active_in(&b, ".tag-picker").await.then_some(())
    })
    .await;
    b.type_into("input[name=tag-name]", "new-tag").await;
    for _ in 0..6 {
        b.press(TAB).await;
        assert!(
            active_in(&b, ".tag-picker").await,
            "Tab stays in the picker"
        );
    }
    for _ in 0..6 {
        let back = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: SHIFT })
            .then(KeyAction::Down { value: TAB })
            .then(KeyAction::Up { value: TAB })
            .then(KeyAction::Up { value: SHIFT });
        b.c.perform_actions(back).await.unwrap();
        assert!(
            active_in(&b, ".tag-picker").await,
            "Shift+Tab stays in the picker"
        );
    }
    b.press(ESCAPE).await;
    b.wait_gone(".tag-picker").await;
    eventually("focus back on the gear", || async {
        (active_id(&b).await == "tag-gear").then_some(())
    })
    .await;
    assert!(b.c.find(Locator::Css(".tag-picker")).await.is_err());

    b.close().await;
    drop(driver);
}

/// Microseconds of an RFC 3339 time from the API, read by the filter's own parser.
fn micros(v: &Value) -> i64 {
    let q = format!("start={}", v.as_str().unwrap().replace('+', "%2B"));
    hindsight_types::ConversationFilter::from_query(&q)
        .unwrap()
        .start
        .unwrap()
        .timestamp_micros()
}
