//! The inbox list: status tabs with counts, the day chart, rows loaded page by page as the
//! reviewer scrolls, and j/k between conversations. Live changes refresh the counts (at most
//! every [`COUNTS_EVERY`]) and offer new conversations in a banner, never moving the rows.
//!
//! Only the rows in view (and [`OVERSCAN`] either side) are in the DOM: every row has the
//! same height ([`ROW_HEIGHT`], fixed in the stylesheet), and two spacers stand for the rest,
//! so a list scrolled through 10,000 conversations keeps about a hundred row elements.

use hindsight_types::{
    BulkAction, BulkRequest, BulkSelection, ConversationFilter, ConversationSummary, ReviewStatus,
    Role, TabCounts,
};
use leptos::html::Div;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::components::add_to_queue::AddToQueue;
use crate::components::charts::DayChart;
use crate::components::common::{
    load_error, ConfidenceBadge, ErrorBox, Spinner, StatusBadge, TagChip,
};
use crate::components::live_news::LiveNews;
use crate::format::{ago, now_ms};
use crate::live::{live, refresh_on_changes};
use crate::state::{
    conversation_href, filter_from_query, parse_route, with_query, workspace, Command,
};

/// The tabs: a review status, or all of them.
const TABS: [(Option<ReviewStatus>, &str); 4] = [
    (Some(ReviewStatus::Unread), "Unread"),
    (Some(ReviewStatus::SavedForLater), "Saved"),
    (Some(ReviewStatus::Reviewed), "Reviewed"),
    (None, "All"),
];

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

/// A tab's count as shown: exact, or an estimate from a sample (`≈`, two significant digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// The number.
    pub n: i64,
    /// Counted exactly, not estimated.
    pub exact: bool,
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.exact {
            return write!(f, "{}", self.n);
        }
        // Two significant digits: the sample does not support more.
        let n = self.n;
        let digits = n.max(1).ilog10();
        let unit = 10i64.pow(digits.saturating_sub(1));
        let rounded = (n + unit / 2) / unit * unit;
        match rounded {
            r if r >= 1_000_000 => write!(f, "≈{:.1}M", r as f64 / 1e6),
            r if r >= 10_000 => write!(f, "≈{}k", r / 1000),
            r if r >= 1_000 => write!(f, "≈{:.1}k", r as f64 / 1e3),
            r => write!(f, "≈{r}"),
        }
    }
}

fn with_status(filter: &ConversationFilter, status: Option<ReviewStatus>) -> ConversationFilter {
    ConversationFilter {
        review_status: status.into_iter().collect(),
        ..filter.clone()
    }
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
    // Per tab: not known yet, the count, or not available (`Err`).
    let counts = RwSignal::new([None::<Result<Count, ()>>; 4]);
    let counts_generation = StoredValue::new(0u32);
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

    // Conversations imported meanwhile change the counts: fetched again, not per event.
    refresh_on_changes(COUNTS_EVERY, move || ws.counts_version.update(|v| *v += 1));

    // Tab counts: one request for the four tabs (the filter without its review status). An
    // estimate first when counting exactly would keep the list waiting, then the exact
    // numbers. The open tab's count is also the footer's total, so the two agree after rows
    // leave the tab (marked reviewed, deleted).
    Effect::new(move |_| {
        ws.counts_version.track();
        api::retries().track();
        counts_generation.update_value(|g| *g += 1);
        let mine = counts_generation.get_value();
        let Ok(f) = filter.get() else {
            counts.set([Some(Err(())); 4]);
            return;
        };
        let q = with_status(&f, None).to_query();
        // The list's total: the open tab, or the statuses of a typed address summed.
        let statuses = f.review_status.clone();
        let show = move |answer: Result<TabCounts, ()>| {
            if counts_generation.try_get_value() != Some(mine) {
                return;
            }
            let per_tab = TABS.map(|(status, _)| {
                Some(answer.map(|c| Count {
                    n: c.of(status),
                    exact: c.exact,
                }))
            });
            if let Ok(c) = answer {
                let n = if statuses.is_empty() {
                    c.all
                } else {
                    statuses.iter().map(|s| c.of(Some(*s))).sum()
                };
                total.try_set(Some(Count { n, exact: c.exact }));
            }
            counts.try_set(per_tab);
        };
        leptos::task::spawn_local(async move {
            let first = api::conversations::tab_counts(&q, true).await.map_err(drop);
            let exact = first.as_ref().map(|c| c.exact).unwrap_or(true);
            show(first);
            // An exact count that fails (over the server's time budget: a common word at a
            // million conversations on PostgreSQL) leaves the estimate on screen, marked `≈`.
            if !exact {
                if let Ok(counted) = api::conversations::tab_counts(&q, false).await {
                    show(Ok(counted));
                }
            }
        });
    });

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

    // The export of the filter as shown, for a download link.
    let export_href = move |format: &str| {
        let q = filter.with(|f| f.as_ref().map(|f| f.to_query()).unwrap_or_default());
        api::conversations::export_url(&q, format)
    };
    let can_bulk =
        move || api::session().with(|u| u.as_ref().is_some_and(|u| u.role != Role::Viewer));
    let is_admin =
        move || api::session().with(|u| u.as_ref().is_some_and(|u| u.role == Role::Admin));
    let bulk_reviewed = move |n: Option<Count>| {
        let Some(n) = n else {
            return;
        };
        let q = query.get_untracked();
        if !window()
            .confirm_with_message(&format!(
                "Mark all {n} conversations of this list reviewed?"
            ))
            .unwrap_or(false)
        {
            return;
        }
        leptos::task::spawn_local(async move {
            let request = BulkRequest {
                selection: BulkSelection::Filter(q),
                action: BulkAction::SetReviewStatus {
                    review_status: ReviewStatus::Reviewed,
                },
                as_of: snapshot.get_value(),
            };
            match api::conversations::bulk(&request).await {
                Ok(r) => {
                    ws.notify(format!("{} conversations marked reviewed.", r.changed));
                    ws.list_version.update(|v| *v += 1);
                    ws.counts_version.update(|v| *v += 1);
                }
                Err(e) => ws.fail(e),
            }
        });
    };

    let tab = move |(i, (status, label)): (usize, (Option<ReviewStatus>, &'static str))| {
        let active = move || {
            filter.with(|f| {
                f.as_ref()
                    .map(|f| f.review_status == status.into_iter().collect::<Vec<_>>())
                    .unwrap_or(false)
            })
        };
        let href = move || {
            let f = filter.get().unwrap_or_default();
            let path = location.pathname.get();
            with_query(path, &with_status(&f, status).to_query())
        };
        view! {
            <a class="tab" class:active=active href=href data-status=status.map(|s| s.as_str()).unwrap_or("all")>
                {label}" "{move || match counts.get()[i] {
                    None => view! { <span class="count" title="Counting…">"…"</span> }.into_any(),
                    Some(Ok(c)) if c.exact => view! { <span class="count">{c.n}</span> }.into_any(),
                    Some(Ok(c)) => view! {
                        <span class="count count-estimate" title="Estimated from a sample; counting exactly…">{c.to_string()}</span>
                    }.into_any(),
                    Some(Err(())) => view! {
                        <span class="count count-error" title="Could not be counted" aria-label="count unavailable">"!"</span>
                    }.into_any(),
                }}
            </a>
        }
    };

    view! {
        <div class="list-pane">
            <nav class="tabs" aria-label="Review status">{TABS.into_iter().enumerate().map(tab).collect_view()}</nav>
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
            <div class="list-foot muted small">
                <span>{move || total.get().map(|t| format!("{} of {t} shown", ws.rows.with(Vec::len)))}</span>
                <Show when=move || { total.get().is_some_and(|t| t.n > 0) }>
                    <a class="btn btn-small" id="export" download title="Every conversation of this filter, as JSON lines"
                        href=move || export_href("jsonl")>"Export"</a>
                    <a class="btn btn-small" id="export-csv" download title="Every conversation of this filter, as CSV"
                        href=move || export_href("csv")>"CSV"</a>
                </Show>
                <Show when=move || { can_bulk() && total.get().is_some_and(|t| t.n > 0) }>
                    <button class="btn btn-small" id="bulk-reviewed" on:click=move |_| bulk_reviewed(total.get_untracked())>
                        "Mark all reviewed"
                    </button>
                </Show>
                <Show when=move || { is_admin() && total.get().is_some_and(|t| t.n > 0) }>
                    <AddToQueue query count=Signal::derive(move || total.get().map(|t| t.n))/>
                </Show>
            </div>
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

fn empty_state(unfiltered: bool, total: Option<i64>) -> impl IntoView {
    if unfiltered && total == Some(0) {
        view! {
            <div class="empty-state" id="empty-inbox">
                <h3>"Nothing here"</h3>
                <p>"No conversation has this status. Try the other tabs, or import conversations:"</p>
                <pre>"just import path/to/trackers/\nhindsight import tracker_store.db"</pre>
                <p class="muted">"Or point Rasa's tracker store or event broker at Hindsight (see the README)."</p>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div class="empty-state" id="empty-inbox">
                <h3>"No conversation matches"</h3>
                <p>"Loosen the filter, or "<a href="/">"clear it"</a>"."</p>
            </div>
        }
        .into_any()
    }
}

/// One inbox row.
#[component]
fn Row(
    row: ConversationSummary,
    current: Memo<Option<String>>,
    query: Memo<String>,
) -> impl IntoView {
    let id = row.id.clone();
    let href = {
        let id = id.clone();
        move || conversation_href(&id, None, &query.get())
    };
    let active = {
        let id = id.clone();
        move || current.with(|c| c.as_deref() == Some(id.as_str()))
    };
    let first = row
        .first_user_message
        .clone()
        .unwrap_or_else(|| "(no user message)".into());
    let status = row.review_status;
    let low = row
        .min_intent_confidence
        .map(|c| view! { <ConfidenceBadge value=c title="Lowest intent confidence"/> });
    view! {
        <a class="row" class:active=active class:unread=status == ReviewStatus::Unread href=href data-id=id.clone()>
            <div class="row-line">
                {(status == ReviewStatus::Unread).then(|| view! { <span class="unread-dot" title="Unread"></span> })}
                <span class="row-text" title=first.clone()>{first.clone()}</span>
                {row.flagged.then(|| view! { <span class="flag-mark" title="Has a flagged message">"⚑"</span> })}
            </div>
            <div class="row-meta">
                {row.channel.clone().map(|c| view! { <span class="channel">{c}</span> })}
                <span title=crate::format::local(row.latest_event_at)>{ago(row.latest_event_at, now_ms())}</span>
                <span title="User messages">{format!("{} msg", row.user_message_count)}</span>
                {low}
                {row.has_news.then(|| view! { <span class="badge badge-news">"new"</span> })}
                {(status != ReviewStatus::Unread).then(|| view! { <StatusBadge status=status/> })}
                // On the meta line: every row has the same height (see `ROW_HEIGHT`).
                {(!row.tags.is_empty()).then(|| view! {
                    <span class="row-tags">{row.tags.clone().into_iter().map(|t| view! { <TagChip tag=t/> }).collect_view()}</span>
                })}
            </div>
        </a>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_estimate_shows_two_significant_digits_and_an_exact_count_every_digit() {
        let shown = |n, exact| Count { n, exact }.to_string();
        assert_eq!(shown(123_456, true), "123456");
        assert_eq!(shown(0, false), "≈0");
        assert_eq!(shown(87, false), "≈87");
        assert_eq!(shown(1_249, false), "≈1.2k");
        assert_eq!(shown(9_960, false), "≈10k");
        assert_eq!(shown(123_456, false), "≈120k");
        assert_eq!(shown(1_250_000, false), "≈1.3M");
    }

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
