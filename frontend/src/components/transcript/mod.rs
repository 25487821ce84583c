//! The chat transcript: the events of the conversation in and near the viewport, drawn by
//! type. Texts are text nodes, never HTML.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use hindsight_types::EventView;
use leptos::prelude::*;
use leptos::reactive::computed::Selector;
use leptos::wasm_bindgen::JsCast;
use serde_json::Value;

mod event_item;

use crate::components::event_store::EventStore;
use crate::state::OpenConversation;
use event_item::EventItem;

/// A field of the raw event, `None` when absent or null.
pub fn field<'a>(event: &'a EventView, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(&event.event, |v, k| v.get(k))
        .filter(|v| !v.is_null())
}

/// Whether the reviewer can flag this event: messages and actions.
pub fn flaggable(e: &EventView) -> bool {
    matches!(e.type_name.as_str(), "user" | "bot" | "action")
}

fn is_listen(e: &EventView) -> bool {
    e.type_name == "action" && e.name.as_deref() == Some("action_listen")
}

/// Whether the toggles show this event.
pub fn shown(e: &EventView, slots: bool, listen: bool) -> bool {
    (slots || e.type_name != "slot") && (listen || !is_listen(e))
}

/// Conversations of at most this many events are drawn whole (they come in one window):
/// their rows are few, and the page's find-in-page sees all of them.
pub const DRAW_WHOLE: i64 = 150;
/// Pixels drawn beyond each edge of the viewport.
const OVERSCAN: f64 = 600.0;
/// Height assumed for an event not loaded yet.
const UNLOADED: f64 = 40.0;

/// Height assumed for a loaded event until it has been drawn and measured.
fn estimate(e: &EventView) -> f64 {
    match e.type_name.as_str() {
        "user" => 64.0,
        "bot" => 48.0,
        _ => 30.0,
    }
}

/// The drawn part of the transcript: positions `[from, to)` and the space above and below.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Layout {
    from: i64,
    to: i64,
    above: f64,
    below: f64,
}

/// Which positions cover the viewport `[top, top + height)` (plus [`OVERSCAN`]), from the
/// measured heights of drawn events and estimates for the others.
fn layout(
    events: &BTreeMap<i64, Arc<EventView>>,
    heights: &HashMap<i64, f64>,
    total: i64,
    (top, height): (f64, f64),
    show: impl Fn(&EventView) -> bool,
) -> Layout {
    let h = |p: i64| match events.get(&p) {
        Some(e) if show(e) => heights.get(&e.id).copied().unwrap_or_else(|| estimate(e)),
        Some(_) => 0.0,
        None => UNLOADED,
    };
    if total <= DRAW_WHOLE {
        return Layout {
            from: 0,
            to: total,
            above: 0.0,
            below: 0.0,
        };
    }
    let (lo, hi) = (top - OVERSCAN, top + height + OVERSCAN);
    let (mut p, mut y) = (0, 0.0);
    while p < total && y + h(p) <= lo {
        y += h(p);
        p += 1;
    }
    let (from, above) = (p, y);
    while p < total && y < hi {
        y += h(p);
        p += 1;
    }
    let below = (p..total).map(h).sum();
    Layout {
        from,
        to: p,
        above,
        below,
    }
}

/// Where the event at `pos` starts, in pixels from the top of the list.
fn offset_of(
    events: &BTreeMap<i64, Arc<EventView>>,
    heights: &HashMap<i64, f64>,
    pos: i64,
    show: impl Fn(&EventView) -> bool,
) -> f64 {
    (0..pos)
        .map(|p| match events.get(&p) {
            Some(e) if show(e) => heights.get(&e.id).copied().unwrap_or_else(|| estimate(e)),
            Some(_) => 0.0,
            None => UNLOADED,
        })
        .sum()
}

/// A drawn line of the transcript: an event, or a gap where events are still loading.
#[derive(Clone)]
enum Item {
    Event(Arc<EventView>),
    Gap(i64),
}

impl Item {
    fn key(&self) -> i64 {
        match self {
            Item::Event(e) => e.id,
            // Event ids are positive.
            Item::Gap(p) => -(p + 1),
        }
    }
}

/// Asks the transcript to bring an event into view: centred, or with the least movement.
pub type ScrollRequest = RwSignal<Option<(i64, bool)>>;

/// The transcript, virtualised: only the events in and near the viewport are in the page
/// (a keyed list), spacers stand for the others; missing windows load as it scrolls. Events
/// arriving live extend it; a reader at the end is kept at the end, anyone else stays put.
#[component]
pub fn Transcript(
    store: EventStore,
    open: OpenConversation,
    selected: Memo<Option<i64>>,
    select: Callback<Option<i64>>,
    show_slots: RwSignal<bool>,
    show_listen: RwSignal<bool>,
    read_only: bool,
    scroll_to: ScrollRequest,
) -> impl IntoView {
    let container = NodeRef::<leptos::html::Div>::new();
    let viewport = RwSignal::new((0.0, 900.0));
    let heights = StoredValue::new(HashMap::<i64, f64>::new());
    let measured = RwSignal::new(0u32);
    let total = store.total;
    // Whether the reader was at the end when last scrolled (or nothing scrolls).
    let at_end = StoredValue::new(true);
    let layout = Memo::new(move |_| {
        measured.track();
        let (slots, listen) = (show_slots.get(), show_listen.get());
        let view = viewport.get();
        let total = total.get();
        store.events.with(|evs| {
            heights.with_value(|hs| layout(evs, hs, total, view, |e| shown(e, slots, listen)))
        })
    });
    let items = move || {
        let Layout { from, to, .. } = layout.get();
        let (slots, listen) = (show_slots.get(), show_listen.get());
        store.events.with(|evs| {
            (from..to)
                .filter_map(|p| match evs.get(&p) {
                    Some(e) if shown(e, slots, listen) => Some(Item::Event(e.clone())),
                    Some(_) => None,
                    None => Some(Item::Gap(p)),
                })
                .collect::<Vec<_>>()
        })
    };
    // The one focus stop: the selected row when drawn, else the first drawn row.
    let focus_stop = Memo::new(move |_| {
        let Layout { from, to, .. } = layout.get();
        let sel = selected
            .get()
            .filter(|s| store.position(*s).is_some_and(|p| (from..to).contains(&p)));
        sel.or_else(|| {
            let (slots, listen) = (show_slots.get(), show_listen.get());
            store.events.with(|evs| {
                evs.range(from..to)
                    .find(|(_, e)| shown(e, slots, listen))
                    .map(|(_, e)| e.id)
            })
        })
    });
    let is_selected = Selector::new(move || selected.get());
    let is_stop = Selector::new(move || focus_stop.get());

    let read_viewport = move || {
        if let Some(el) = container.get_untracked() {
            let (top, height) = (f64::from(el.scroll_top()), f64::from(el.client_height()));
            at_end.set_value(top + height >= f64::from(el.scroll_height()) - 32.0);
            viewport.set((top, height));
        }
    };
    // After each drawing: measure what was drawn, honour a scroll request, load what the
    // viewport lacks.
    let settle = move || {
        let Some(el) = container.get_untracked() else {
            return;
        };
        let mut changed = false;
        if let Ok(rows) = el.query_selector_all(".event[data-event-id]") {
            heights.update_value(|hs| {
                for i in 0..rows.length() {
                    let Some(row) = rows
                        .item(i)
                        .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
                    else {
                        continue;
                    };
                    let Some(id) = row
                        .get_attribute("data-event-id")
                        .and_then(|v| v.parse().ok())
                    else {
                        continue;
                    };
                    let h = f64::from(row.offset_height());
                    if h > 0.0 && hs.get(&id).is_none_or(|old| (old - h).abs() > 0.5) {
                        hs.insert(id, h);
                        changed = true;
                    }
                }
            });
        }
        if changed {
            measured.update(|n| *n += 1);
        }
        if let Some((id, centre)) = scroll_to.get_untracked() {
            if let Some(row) = document().get_element_by_id(&format!("event-{id}")) {
                scroll_to.set(None);
                bring_into_view(&row, centre);
            } else if let Some(pos) = store.position(id) {
                let (slots, listen) = (show_slots.get_untracked(), show_listen.get_untracked());
                let y = store.events.with_untracked(|evs| {
                    heights.with_value(|hs| offset_of(evs, hs, pos, |e| shown(e, slots, listen)))
                });
                el.set_scroll_top((y - f64::from(el.client_height()) / 2.0).max(0.0) as i32);
            }
            read_viewport();
            return;
        }
        read_viewport();
        let Layout { from, to, .. } = layout.get_untracked();
        store.load_range(from, to);
    };
    Effect::new(move |_| {
        layout.track();
        scroll_to.track();
        // A message's comments change its height.
        open.comments.track();
        request_animation_frame(settle);
    });
    // Events arrived: follow them if the reader was at the end.
    Effect::watch(
        move || total.get(),
        move |_, _, _| {
            if !at_end.get_value() {
                return;
            }
            request_animation_frame(move || {
                if let Some(el) = container.get_untracked() {
                    el.set_scroll_top(el.scroll_height());
                    read_viewport();
                }
            });
        },
        false,
    );

    view! {
        // A grid of one-cell rows: rows can be `aria-selected` and a cell may hold the flag
        // button (a listbox's options may not contain controls).
        <div class="transcript" role="grid" aria-label="Transcript" aria-readonly="true"
            aria-rowcount=move || total.get() node_ref=container on:scroll=move |_| read_viewport()>
            <div class="transcript-spacer" aria-hidden="true"
                style:height=move || format!("{}px", layout.get().above)></div>
            <For each=items key=Item::key let(item)>
                {match item {
                    Item::Event(e) => view! {
                        <EventItem event=e open=open is_selected=is_selected.clone() is_stop=is_stop.clone()
                            select=select read_only=read_only/>
                    }.into_any(),
                    Item::Gap(p) => view! { <div class="event-gap" aria-hidden="true" data-pos=p></div> }.into_any(),
                }}
            </For>
            <div class="transcript-spacer" aria-hidden="true"
                style:height=move || format!("{}px", layout.get().below)></div>
        </div>
        {move || (total.get() == 0).then(|| view! { <p class="muted">"This conversation has no events."</p> })}
    }
}

/// Scrolls a drawn row into view; keyboard focus follows when it is in the transcript.
fn bring_into_view(row: &web_sys::Element, centre: bool) {
    let in_transcript = document()
        .active_element()
        .and_then(|a| a.closest(".transcript").ok().flatten())
        .is_some();
    if in_transcript {
        if let Some(el) = row.dyn_ref::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
    let opts = web_sys::ScrollIntoViewOptions::new();
    opts.set_block(if centre {
        web_sys::ScrollLogicalPosition::Center
    } else {
        web_sys::ScrollLogicalPosition::Nearest
    });
    row.scroll_into_view_with_scroll_into_view_options(&opts);
}
