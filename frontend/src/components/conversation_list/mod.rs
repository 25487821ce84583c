//! The inbox list: status tabs with counts, the day chart, rows loaded page by page as the
//! reviewer scrolls, and j/k between conversations. Live changes refresh the counts (at most
//! every [`COUNTS_EVERY`]) and offer new conversations in a banner, never moving the rows.
//!
//! Only the rows in view (and [`OVERSCAN`] either side) are in the DOM: every row has the
//! same height ([`ROW_HEIGHT`], fixed in the stylesheet), and two spacers stand for the rest,
//! so a list scrolled through 10,000 conversations keeps about a hundred row elements.

mod foot;
mod row;
mod tabs;

use leptos::html::Div;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::components::charts::DayChart;
use crate::components::common::{load_error, ErrorBox, Spinner};
use crate::components::live_news::LiveNews;
use crate::live::live;
use crate::state::{conversation_href, filter_from_query, parse_route, workspace, Command};
use foot::ListFoot;
use row::{empty_state, Row};
pub use tabs::Count;
use tabs::{with_status, StatusTabs};

/// Height of a row in CSS pixels, as the stylesheet fixes it (`.rows .row`); measured again
/// from a drawn row, should fonts make it differ.
pub const ROW_HEIGHT: f64 = 62.0;
/// Rows drawn above and below those in view.
pub const OVERSCAN: usize = 30;
/// Live changes refresh the tab counts and the chart at most this often.
pub const COUNTS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The rows `first..last` to draw of `len`, for a scroll position and view height.
pub fn window_of(len: usize, scroll_top: f64, height: f64, row: f64) -> (usize, usize) {
    let row = row.max(1.0);
    let top = (scroll_top.max(0.0) / row) as usize;
    let first = top.saturating_sub(OVERSCAN).min(len);
    let shown = (height.max(0.0) / row).ceil() as usize + 1;
    (first, (top + shown + OVERSCAN).min(len))
}

/// The list pane.
#[component]
pub fn ConversationList() -> impl IntoView {
    let ws = workspace();
    let live = live();
    let location = use_location();
    let navigate = use_navigate();
    let query = location.search;
    let filter = Memo::new(move |_| filter_from_query(&query.get()));
    let current = Memo::new(move |_| parse_route(&location.pathname.get()).0);
    let cursor = StoredValue::new(None::<String>);
    // The banner was used: the keyboard goes to the first row once the list is back.
    let focus_first = StoredValue::new(false);
    let generation = StoredValue::new(0u32);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<api::ApiFailure>);
    // The open tab's count: the list's total, an estimate until counted exactly.
    let total = RwSignal::new(None::<Count>);
    // The first page's snapshot: "mark all reviewed" changes what was counted then, not
    // what arrived since.
    let snapshot = StoredValue::new(None::<i64>);
    // The scroll position, the view's height and a row's height: which rows to draw.
    let scroll_top = RwSignal::new(0.0f64);
    let view_height = RwSignal::new(900.0f64);
    let row_height = RwSignal::new(ROW_HEIGHT);
    let shown = Memo::new(move |_| {
        window_of(
            ws.rows.with(Vec::len),
            scroll_top.get(),
            view_height.get(),
            row_height.get(),
        )
    });

    // Loads a page; `first` starts over. Answers of an outdated filter are dropped.
    let load = move |first: bool| {
        let q = query.get_untracked();
        if filter.with_untracked(Result::is_err)
            || (!first && (loading.get_untracked() || cursor.get_value().is_none()))
        {
            return;
        }
        if first {
            generation.update_value(|g| *g += 1);
            cursor.set_value(None);
            live.list_loaded();
        }
        let mine = generation.get_value();
        loading.set(true);
        let after = cursor.get_value();
        leptos::task::spawn_local(async move {
            let page = api::conversations::list(&q, after.as_deref()).await;
            // The list may be gone (another screen) or asked again meanwhile.
            if generation.try_get_value() != Some(mine) {
                return;
            }
            loading.set(false);
            match page {
                Ok(page) => {
                    error.set(None);
                    if first {
                        snapshot.set_value(Some(page.snapshot));
                    }
                    ws.has_more.set(page.next_cursor.is_some());
                    cursor.try_set_value(page.next_cursor);
                    if first {
                        ws.rows.set(page.conversations);
                        if focus_first.get_value() {
                            focus_first.set_value(false);
                            request_animation_frame(focus_first_row);
                        }
                    } else {
                        ws.rows.update(|rows| rows.extend(page.conversations));
                    }
                }
                Err(e) => {
                    // Rows of another tab or filter must not stay under this heading.
                    if first {
                        ws.rows.set(Vec::new());
                        ws.has_more.set(false);
                        total.set(None);
                    }
                    error.set(Some(e));
                }
            }
        });
    };
    Effect::new(move |_| {
        query.track();
        ws.list_version.track();
        api::retries().track();
        load(true);
    });
    Effect::watch(
        move || ws.load_more.get(),
        move |_, _, _| load(false),
        false,
    );

    let scroller = NodeRef::<Div>::new();
    // Where the open conversation sits, so "next" still works after it left the list; and
    // its row in view (a shared link, j/k past the edge), by position: it may not be drawn.
    // Once per conversation opened, so that scrolling on (and loading more) stays put.
    let placed = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        let id = current.get();
        let at = ws.rows.with(|rows| {
            id.as_ref()
                .and_then(|id| rows.iter().position(|r| r.id == *id))
        });
        if let Some(i) = at {
            ws.last_index.set(Some(i));
            if placed.get_value() == id {
                return;
            }
            placed.set_value(id);
            request_animation_frame(move || {
                let Some(el) = scroller.get_untracked() else {
                    return;
                };
                let h = row_height.get_untracked();
                let (top, bottom) = (i as f64 * h, (i + 1) as f64 * h);
                let (from, seen) = (el.scroll_top() as f64, el.client_height() as f64);
                if top < from {
                    el.set_scroll_top(top as i32);
                } else if bottom > from + seen {
                    el.set_scroll_top((bottom - seen).ceil() as i32);
                }
            });
        }
    });

    let nav = navigate.clone();
    Effect::watch(
        move || ws.command.get(),
        move |(_, cmd), _, _| {
            let forward = match cmd {
                Some(Command::NextConversation) => true,
                Some(Command::PrevConversation) => false,
                _ => return,
            };
            // Looked up without copying the rows: there may be thousands.
            let id = current.get_untracked();
            let here = ws
                .rows
                .with_untracked(|rows| id.and_then(|id| rows.iter().position(|r| r.id == id)));
            let target = match (here, ws.last_index.get_untracked(), forward) {
                (Some(i), _, true) => Some(i + 1),
                (Some(i), _, false) => i.checked_sub(1),
                (None, Some(i), true) => Some(i),
                (None, Some(i), false) => i.checked_sub(1),
                (None, None, _) => Some(0),
            };
            let target = target.and_then(|i| {
                ws.rows
                    .with_untracked(|rows| rows.get(i).map(|r| r.id.clone()))
            });
            match target {
                Some(id) => nav(
                    &conversation_href(&id, None, &query.get_untracked()),
                    Default::default(),
                ),
                None if forward && ws.has_more.get_untracked() => {
                    ws.notify("Loading more conversations…");
                    load(false);
                }
                None => ws.notify(if forward {
                    "That was the last conversation."
                } else {
                    "This is the first conversation."
                }),
            }
        },
        false,
    );

    let on_scroll = move |_| {
        if let Some(el) = scroller.get_untracked() {
            scroll_top.set(el.scroll_top() as f64);
            view_height.set(el.client_height() as f64);
            if let Some(h) = el
                .query_selector(".row")
                .ok()
                .flatten()
                .and_then(|r| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(r).ok())
                .map(|r| r.offset_height() as f64)
                .filter(|h| *h > 0.0)
            {
                row_height.set(h);
            }
            if el.scroll_top() + el.client_height() + 400 >= el.scroll_height() {
                load(false);
            }
        }
    };
    // A page that arrived with the end of the list still in view (a scroll to the bottom
    // while it loaded, or a tall window) asks for the next: no scroll event would.
    Effect::watch(
        move || loading.get(),
        move |busy, _, _| {
            if !*busy {
                request_animation_frame(move || {
                    if let Some(el) = scroller.get_untracked() {
                        if el.scroll_top() + el.client_height() + 400 >= el.scroll_height() {
                            load(false);
                        }
                    }
                });
            }
        },
        false,
    );
    // The view's height once drawn, and after the window is resized.
    Effect::new(move |_| {
        if let Some(el) = scroller.get() {
            view_height.set(el.client_height() as f64);
        }
    });
    let resize = window_event_listener(leptos::ev::resize, move |_| {
        if let Some(el) = scroller.get_untracked() {
            view_height.set(el.client_height() as f64);
        }
    });
    on_cleanup(move || resize.remove());
    // A new list starts at its top.
    Effect::watch(
        move || query.get(),
        move |_, _, _| {
            placed.set_value(None);
            scroll_top.set(0.0);
            if let Some(el) = scroller.get_untracked() {
                el.set_scroll_top(0);
            }
        },
        false,
    );
    let spacer = move |rows: usize| format!("height: {}px", rows as f64 * row_height.get());
    // The banner's click: the list again from its top, new conversations first.
    let show_new = Callback::new(move |()| {
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(0);
        }
        scroll_top.set(0.0);
        focus_first.set_value(true);
        ws.list_version.update(|v| *v += 1);
    });

    view! {
        <div class="list-pane">
            <StatusTabs filter total/>
            {move || filter.get().err().map(|e| view! {
                <ErrorBox message=format!("The filter in the address is not valid: {}", e.message)/>
                <a class="btn" href="/">"Clear the filter"</a>
            })}
            {move || error.get().map(|e| load_error(&e))}
            <DayChart/>
            <div class="rows" node_ref=scroller on:scroll=on_scroll>
                <LiveNews show=show_new/>
                <div class="rows-before" aria-hidden="true" style=move || spacer(shown.get().0)></div>
                <For each=move || { let (a, b) = shown.get(); ws.rows.with(|r| r[a..b].to_vec()) } key=|r| (r.id.clone(), r.review_status, r.flagged, r.has_news, r.event_count, r.tags.iter().map(|t| t.id).collect::<Vec<_>>()) let:row>
                    <Row row=row current=current query=query/>
                </For>
                <div class="rows-after" aria-hidden="true" style=move || spacer(ws.rows.with(Vec::len) - shown.get().1)></div>
                {move || (loading.get()).then(|| view! { <Spinner label="Loading conversations…"/> })}
                {move || (!loading.get() && ws.has_more.get()).then(|| view! {
                    <button class="btn load-more" on:click=move |_| load(false)>"Load more"</button>
                })}
                {move || (!loading.get() && error.get().is_none() && ws.rows.with(Vec::is_empty)).then(|| {
                    let unfiltered = filter.with(|f| f.as_ref().map(|f| with_status(f, None).is_empty()).unwrap_or(false));
                    empty_state(unfiltered, total.get().filter(|t| t.exact).map(|t| t.n))
                })}
            </div>
            <ListFoot filter query total snapshot/>
        </div>
    }
}

/// Moves the keyboard focus to the list's first row.
fn focus_first_row() {
    if let Some(row) = document()
        .query_selector(".rows .row")
        .ok()
        .flatten()
        .and_then(|r| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(r).ok())
    {
        let _ = row.focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_the_rows_in_view_and_the_overscan() {
        // At the top: the rows in view (10 of 62 px in 600 px, plus one) and 30 more.
        assert_eq!(window_of(10_000, 0.0, 600.0, 62.0), (0, 11 + OVERSCAN));
        // Deep down: as many before as after, whatever the length.
        let (a, b) = window_of(10_000, 5_000.0 * 62.0, 600.0, 62.0);
        assert_eq!((a, b), (5_000 - OVERSCAN, 5_000 + 11 + OVERSCAN));
        assert!(b - a < 300);
        // Past the end, and a list shorter than the view.
        assert_eq!(window_of(100, 1e9, 600.0, 62.0), (100, 100));
        assert_eq!(window_of(21, 0.0, 900.0, 62.0), (0, 21));
        assert_eq!(window_of(0, 0.0, 900.0, 0.0), (0, 0));
    }
}
