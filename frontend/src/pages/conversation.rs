//! One conversation: header with triage and tags, the transcript, and the side panel of
//! the selected message (`/conversations/{id}/messages/{event_id}`). Events stored while it
//! is open (announced by the live stream) are appended as they come.

use std::collections::HashSet;

use hindsight_types::{ConversationDetail, EventWindow, ReviewStatus, Role, WindowAnchor};
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::components::comments::{load_comments, ConversationComments};
use crate::components::common::{load_error, ErrorBox, Spinner};
use crate::components::conversation_header::ConversationHeader;
use crate::components::event_panel::EventPanel;
use crate::components::event_store::{EventStore, Step, CHUNK};
use crate::components::transcript::{flaggable, shown, ScrollRequest, Transcript, DRAW_WHOLE};
use crate::live::live;
use crate::load::fetch;
use crate::state::{conversation_href, parse_route, workspace, Command, OpenConversation};

/// Events in the first window: more than a screen holds, and all of a conversation short
/// enough to be drawn whole.
const FIRST_WINDOW: u32 = DRAW_WHOLE as u32;

/// `/conversations/{id}` and `/conversations/{id}/messages/{event_id}`.
#[component]
pub fn ConversationPage() -> impl IntoView {
    let location = use_location();
    let route = Memo::new(move |_| parse_route(&location.pathname.get()));
    let id = Memo::new(move |_| route.get().0.unwrap_or_default());
    let selected = Memo::new(move |_| route.get().1);
    // The previous conversation stays on screen until the next one has arrived. The first
    // window holds the linked message (a shared link), else the start; later selections
    // in the same conversation load their own windows.
    let detail = fetch(move || {
        let id = id.get();
        let linked = selected.get_untracked();
        async move {
            let window = |anchor| EventWindow {
                anchor,
                limit: FIRST_WINDOW,
            };
            match linked {
                Some(e) => {
                    match api::conversations::window(&id, window(WindowAnchor::Around(e))).await {
                        // A link to an event that is not the conversation's: show the start.
                        Err(f) if f.status == 404 => {
                            api::conversations::window(&id, window(WindowAnchor::Start)).await
                        }
                        answer => answer,
                    }
                }
                None => api::conversations::window(&id, window(WindowAnchor::Start)).await,
            }
        }
    });
    move || match detail.get() {
        None => view! { <Spinner label="Loading the conversation…"/> }.into_any(),
        Some(Ok(d)) => view! { <ConversationBody detail=d selected=selected/> }.into_any(),
        Some(Err(e)) => view! { <div class="empty-state">{load_error(&e)}</div> }.into_any(),
    }
}

#[component]
fn ConversationBody(detail: ConversationDetail, selected: Memo<Option<i64>>) -> impl IntoView {
    let ws = workspace();
    let location = use_location();
    let navigate = use_navigate();
    let ConversationDetail {
        summary,
        events,
        total_events,
        latest_event_id,
        flags,
        ..
    } = detail;
    let open = OpenConversation {
        id: StoredValue::new(summary.id.clone()),
        flags: RwSignal::new(flags.iter().map(|f| f.event_id).collect::<HashSet<_>>()),
        notes: RwSignal::new(
            flags
                .iter()
                .filter_map(|f| Some((f.event_id, f.note.clone()?)))
                .collect(),
        ),
        comments: RwSignal::new(Vec::new()),
        seen_event_id: StoredValue::new(latest_event_id),
        summary: RwSignal::new(summary),
        tag_open: RwSignal::new(false),
        ws,
    };
    load_comments(open);
    // A shared link may point at an event the toggles would hide: show its kind.
    let linked = selected
        .get_untracked()
        .and_then(|s| events.iter().find(|e| e.id == s));
    let show_slots = RwSignal::new(true);
    let show_listen =
        RwSignal::new(linked.is_some_and(|e| e.name.as_deref() == Some("action_listen")));
    let store = EventStore::new(open.id.get_value(), total_events, events);
    let read_only =
        api::session().with_untracked(|u| u.as_ref().is_none_or(|u| u.role == Role::Viewer));
    let scroll_to: ScrollRequest = RwSignal::new(None);
    // Events a link named that the conversation does not have.
    let missing = RwSignal::new(None::<i64>);
    let wide = RwSignal::new(false);
    let arrived = follow_live(open, store);

    let nav = navigate.clone();
    let select = Callback::new(move |event_id: Option<i64>| {
        let href = conversation_href(
            &open.id.get_value(),
            event_id,
            &location.search.get_untracked(),
        );
        nav(&href, Default::default());
    });

    // Keyboard commands for the open conversation.
    Effect::watch(
        move || ws.command.get(),
        move |(_, cmd), _, _| {
            let query = location.search.get_untracked();
            match cmd {
                Some(c @ (Command::NextMessage | Command::PrevMessage)) => {
                    let (slots, listen) = (show_slots.get_untracked(), show_listen.get_untracked());
                    let forward = *c == Command::NextMessage;
                    match store.step(selected.get_untracked(), forward, |e| {
                        shown(e, slots, listen)
                    }) {
                        Step::To(t) => select.run(Some(t)),
                        // Load the window holding it, then take the step again.
                        Step::Load(p) => {
                            let c = *c;
                            let id = open.id.get_value();
                            leptos::task::spawn_local(async move {
                                let window = EventWindow {
                                    anchor: WindowAnchor::Offset((p - CHUNK / 2).max(0)),
                                    limit: CHUNK as u32,
                                };
                                match api::conversations::window(&id, window).await {
                                    Ok(d) if !d.events.is_empty() => {
                                        store.insert(d.events);
                                        ws.send(c);
                                    }
                                    Ok(_) => {}
                                    Err(e) => ws.fail(e),
                                }
                            });
                        }
                        Step::End => {}
                    }
                }
                _ if read_only => {}
                Some(Command::Reviewed) => open.set_status(ReviewStatus::Reviewed, query),
                Some(Command::SaveForLater) => open.set_status(ReviewStatus::SavedForLater, query),
                Some(Command::Flag) => {
                    let kind = selected
                        .get_untracked()
                        .and_then(|s| untrack(|| store.by_id(s)).map(|e| (s, flaggable(&e))));
                    match kind {
                        Some((e, true)) => open.toggle_flag(e),
                        Some((_, false)) => ws.notify("Only messages and actions can be flagged."),
                        None => ws.notify("Select a message first (click it, or use ↑/↓)."),
                    }
                }
                Some(Command::Tag) => open.tag_open.set(true),
                _ => {}
            }
        },
        false,
    );

    request_animation_frame(focus_title);

    // Bring the selected message into view: centred when the page opens on it (a shared
    // link) or it was not loaded, the least movement when stepping through messages.
    let first = StoredValue::new(true);
    Effect::new(move |_| {
        let Some(event_id) = selected.get() else {
            return;
        };
        let centre = first.get_value();
        first.set_value(false);
        if store.position(event_id).is_some() {
            scroll_to.set(Some((event_id, centre)));
            return;
        }
        leptos::task::spawn_local(async move {
            match store.load_around(event_id).await {
                Ok(()) => {
                    scroll_to.try_set(Some((event_id, true)));
                }
                Err(f) if f.status == 404 => {
                    missing.try_set(Some(event_id));
                }
                Err(f) => ws.fail(f),
            }
        });
    });

    let selected_event = Memo::new(move |_| selected.get().and_then(|id| store.by_id(id)));
    let panel = move || {
        let event_id = selected.get()?;
        Some(match selected_event.get() {
            Some(event) => {
                view! { <EventPanel open=open event=event select=select wide=wide/> }.into_any()
            }
            None if missing.get() == Some(event_id) => view! {
                <aside class="event-panel">
                    <ErrorBox message="That message is not part of this conversation."/>
                    <button class="btn" on:click=move |_| select.run(None)>"Close"</button>
                </aside>
            }
            .into_any(),
            None => {
                view! { <aside class="event-panel"><Spinner label="Loading the message…"/></aside> }
                    .into_any()
            }
        })
    };

    let threshold_input = move |ev| {
        if let Ok(v) = event_target_value(&ev).parse::<f64>() {
            ws.set_threshold(v);
        }
    };
    on_cleanup(move || open.tag_open.set(false));

    view! {
        <div class="conversation" class:with-panel=move || selected.with(Option::is_some)
            class:panel-wide=move || wide.get() data-conversation=open.id.get_value()>
            <div class="conversation-main">
                <ConversationHeader open=open read_only=read_only>
                    <ConversationComments open=open read_only=read_only/>
                </ConversationHeader>
                <div class="transcript-tools">
                    <label class="inline">"Low confidence below "
                        <input type="number" name="threshold" min="0" max="1" step="0.05"
                            prop:value=move || format!("{:.2}", ws.threshold.get()) on:change=threshold_input/>
                    </label>
                    <label class="check"><input type="checkbox" name="show_slots" prop:checked=show_slots
                        on:change=move |ev| show_slots.set(event_target_checked(&ev))/>"Slot events"</label>
                    <label class="check"><input type="checkbox" name="show_listen" prop:checked=show_listen
                        on:change=move |ev| show_listen.set(event_target_checked(&ev))/>"action_listen"</label>
                    <span class="muted small event-total" role="status" aria-live="polite">
                        {move || format!("{} events", store.total.get())}
                        {move || (arrived.get() > 0).then(|| view! {
                            <span class="badge badge-news live-arrived">{format!("{} new", arrived.get())}</span>
                        })}
                    </span>
                </div>
                <Transcript store=store open=open selected=selected select=select
                    show_slots=show_slots show_listen=show_listen read_only=read_only scroll_to=scroll_to/>
            </div>
            {panel}
        </div>
    }
}

/// Appends the events the live stream says were stored for this conversation, and keeps its
/// row (the "new since reviewed" mark, the counts) current in the header and the list.
/// Answers how many events arrived since it was opened.
fn follow_live(open: OpenConversation, store: EventStore) -> RwSignal<i64> {
    let live = live();
    let arrived = RwSignal::new(0i64);
    // One request at a time; changes heard meanwhile ask for one more.
    let busy = StoredValue::new(false);
    let again = StoredValue::new(false);
    let fetch_new = move || {
        if busy.get_value() {
            again.set_value(true);
            return;
        }
        busy.set_value(true);
        leptos::task::spawn_local(async move {
            loop {
                let before = store.total.try_get_untracked().unwrap_or(0);
                let answer = store.load_new().await;
                if open.id.try_get_value().is_none() {
                    // Closed meanwhile.
                    return;
                }
                match answer {
                    Ok(d) => {
                        let added = d.total_events - before;
                        if added > 0 {
                            arrived.update(|n| *n += added);
                        }
                        // A review covers what is shown; these are shown now.
                        open.seen_event_id.set_value(d.latest_event_id);
                        let summary = d.summary;
                        let id = summary.id.clone();
                        open.summary.set(summary.clone());
                        open.ws.update_row(&id, move |r| *r = summary);
                    }
                    // Deleted, or the server unreachable (its banner says so): the next
                    // change asks again.
                    Err(_) => {
                        again.set_value(false);
                        break;
                    }
                }
                if !again.try_update_value(std::mem::take).unwrap_or(false) {
                    break;
                }
            }
            busy.try_set_value(false);
        });
    };
    Effect::watch(
        move || live.changes.get(),
        move |changes, _, _| {
            if changes.touches(&open.id.get_value()) {
                fetch_new();
            }
        },
        false,
    );
    arrived
}

/// Whether the focused element is inside the first element matching `css`.
fn focus_within(css: &str) -> bool {
    document()
        .active_element()
        .and_then(|a| a.closest(css).ok().flatten())
        .is_some()
}

/// Moves focus to a newly opened conversation's title (a row click, j/k), so keyboard and
/// screen-reader users land on what opened; a field being typed in keeps its focus.
fn focus_title() {
    let typing = document().active_element().is_some_and(|a| {
        matches!(
            a.tag_name().to_ascii_lowercase().as_str(),
            "input" | "textarea" | "select"
        )
    });
    if typing || focus_within(".transcript") {
        return;
    }
    if let Some(h) = document()
        .get_element_by_id("conversation-title")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = h.focus();
    }
}
