//! One conversation: header with triage and tags, the transcript, and the side panel of
//! the selected message (`/conversations/{id}/messages/{event_id}`).

use std::collections::HashSet;

use hindsight_types::{ConversationDetail, ReviewStatus, Role};
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::components::common::{load_error, ErrorBox, Spinner};
use crate::components::conversation_header::ConversationHeader;
use crate::components::event_panel::EventPanel;
use crate::components::transcript::{flaggable, visible_events, Transcript};
use crate::load::fetch;
use crate::state::{conversation_href, parse_route, workspace, Command, OpenConversation};

/// `/conversations/{id}` and `/conversations/{id}/messages/{event_id}`.
#[component]
pub fn ConversationPage() -> impl IntoView {
    let location = use_location();
    let route = Memo::new(move |_| parse_route(&location.pathname.get()));
    let id = Memo::new(move |_| route.get().0.unwrap_or_default());
    let selected = Memo::new(move |_| route.get().1);
    // The previous conversation stays on screen until the next one has arrived.
    let detail = fetch(move || {
        let id = id.get();
        async move { api::conversations::detail(&id).await }
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
    let ConversationDetail { summary, events } = detail;
    let open = OpenConversation {
        id: StoredValue::new(summary.id.clone()),
        flags: RwSignal::new(
            events
                .iter()
                .filter(|e| e.flag.is_some())
                .map(|e| e.id)
                .collect::<HashSet<_>>(),
        ),
        notes: RwSignal::new(
            events
                .iter()
                .filter_map(|e| Some((e.id, e.flag.as_ref()?.note.clone()?)))
                .collect(),
        ),
        seen_event_id: StoredValue::new(events.iter().map(|e| e.id).max()),
        summary: RwSignal::new(summary),
        tag_open: RwSignal::new(false),
        ws,
    };
    // A shared link may point at an event the toggles would hide: show its kind.
    let linked = selected
        .get_untracked()
        .and_then(|s| events.iter().find(|e| e.id == s));
    let show_slots = RwSignal::new(true);
    let show_listen =
        RwSignal::new(linked.is_some_and(|e| e.name.as_deref() == Some("action_listen")));
    let events = StoredValue::new(events);
    let read_only =
        api::session().with_untracked(|u| u.as_ref().is_none_or(|u| u.role == Role::Viewer));

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
                Some(Command::NextMessage | Command::PrevMessage) => {
                    let ids: Vec<i64> = events.with_value(|evs| {
                        visible_events(evs, show_slots.get_untracked(), show_listen.get_untracked())
                            .map(|e| e.id)
                            .collect()
                    });
                    let here = selected
                        .get_untracked()
                        .and_then(|s| ids.iter().position(|i| *i == s));
                    let target = match (here, *cmd == Some(Command::NextMessage)) {
                        (Some(i), true) => ids.get(i + 1),
                        (Some(i), false) => i.checked_sub(1).and_then(|i| ids.get(i)),
                        (None, true) => ids.first(),
                        (None, false) => ids.last(),
                    };
                    if let Some(t) = target {
                        select.run(Some(*t));
                    }
                }
                _ if read_only => {}
                Some(Command::Reviewed) => open.set_status(ReviewStatus::Reviewed, query),
                Some(Command::SaveForLater) => open.set_status(ReviewStatus::SavedForLater, query),
                Some(Command::Flag) => {
                    let kind = selected.get_untracked().and_then(|s| {
                        events.with_value(|evs| {
                            evs.iter().find(|e| e.id == s).map(|e| (s, flaggable(e)))
                        })
                    });
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
    // link), the least movement when stepping through messages.
    let first = StoredValue::new(true);
    Effect::new(move |_| {
        let Some(event_id) = selected.get() else {
            return;
        };
        let centre = first.get_value();
        first.set_value(false);
        request_animation_frame(move || scroll_to_event(event_id, centre));
    });

    let panel = move || {
        selected.get().map(|event_id| {
            match events.with_value(|evs| evs.iter().find(|e| e.id == event_id).cloned()) {
                Some(event) => {
                    view! { <EventPanel open=open event=event select=select/> }.into_any()
                }
                None => view! {
                    <aside class="event-panel">
                        <ErrorBox message="That message is not part of this conversation."/>
                        <button class="btn" on:click=move |_| select.run(None)>"Close"</button>
                    </aside>
                }
                .into_any(),
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
        <div class="conversation" class:with-panel=move || selected.with(Option::is_some) data-conversation=open.id.get_value()>
            <div class="conversation-main">
                <ConversationHeader open=open read_only=read_only/>
                <div class="transcript-tools">
                    <label class="inline">"Low confidence below "
                        <input type="number" name="threshold" min="0" max="1" step="0.05"
                            prop:value=move || format!("{:.2}", ws.threshold.get()) on:change=threshold_input/>
                    </label>
                    <label class="check"><input type="checkbox" name="show_slots" prop:checked=show_slots
                        on:change=move |ev| show_slots.set(event_target_checked(&ev))/>"Slot events"</label>
                    <label class="check"><input type="checkbox" name="show_listen" prop:checked=show_listen
                        on:change=move |ev| show_listen.set(event_target_checked(&ev))/>"action_listen"</label>
                </div>
                <Transcript events=events open=open selected=selected select=select
                    show_slots=show_slots show_listen=show_listen read_only=read_only/>
            </div>
            {panel}
        </div>
    }
}

fn scroll_to_event(event_id: i64, centre: bool) {
    let Some(el) = document().get_element_by_id(&format!("event-{event_id}")) else {
        return;
    };
    // Keyboard focus follows the selection when it is in the transcript (↑/↓, Enter).
    if focus_within(".transcript") {
        if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
            let _ = el.focus();
        }
    }
    let opts = web_sys::ScrollIntoViewOptions::new();
    opts.set_block(if centre {
        web_sys::ScrollLogicalPosition::Center
    } else {
        web_sys::ScrollLogicalPosition::Nearest
    });
    el.scroll_into_view_with_scroll_into_view_options(&opts);
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
