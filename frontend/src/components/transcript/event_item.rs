//! One event of the transcript as the reviewer sees it: a user message with its intent and
//! confidence, a bot message (text, buttons, image), an action, a session divider; with its
//! flag, selection and comments.

use std::sync::Arc;

use hindsight_types::EventView;
use leptos::prelude::*;
use leptos::reactive::computed::Selector;
use serde_json::Value;

use super::{field, flaggable};
use crate::components::comments::InlineComments;
use crate::components::common::ConfidenceBadge;
use crate::format::{json_text, local_time};
use crate::state::OpenConversation;

/// One event's row.
#[component]
pub(super) fn EventItem(
    event: Arc<EventView>,
    open: OpenConversation,
    is_selected: Selector<Option<i64>>,
    is_stop: Selector<Option<i64>>,
    select: Callback<Option<i64>>,
    read_only: bool,
) -> impl IntoView {
    let id = event.id;
    let kind = event.type_name.clone();
    let flaggable = flaggable(&event) && !read_only;
    let selected = move || is_selected.selected(&Some(id));
    let is_flagged = move || open.flags.with(|f| f.contains(&id));
    let when = local_time(event.timestamp * 1000.0);
    let flag_button = flaggable.then(|| {
        view! {
            <button class="flag-btn" aria-label="Flag this message"
                title=move || match open.notes.with(|n| n.get(&id).cloned()) {
                    Some(note) => format!("Flag note: {note}"),
                    None if is_flagged() => "Flagged (f to remove)".to_owned(),
                    None => "Flag this message (f)".to_owned(),
                }
                class:has-note=move || open.notes.with(|n| n.contains_key(&id))
                aria-pressed=move || is_flagged().to_string()
                on:click=move |ev| { ev.stop_propagation(); open.toggle_flag(id) }>"⚑"</button>
        }
    });
    let body = match kind.as_str() {
        "user" => user_view(&event).into_any(),
        "bot" => bot_view(&event).into_any(),
        "action" => action_view(&event).into_any(),
        "slot" => {
            let value = field(&event, &["value"])
                .map(json_text)
                .unwrap_or_else(|| "null".into());
            view! { <div class="line slot-line"><span class="label">"slot"</span><code>{event.name.clone().unwrap_or_default()}</code>" = "<code>{value}</code></div> }.into_any()
        }
        _ => divider_view(&event).into_any(),
    };
    let selected2 = selected.clone();
    view! {
        <div class=format!("event event-{kind}") id=format!("event-{id}") data-event-id=id role="row"
            aria-rowindex=event.seq + 1
            class:selected=selected.clone() class:flagged=is_flagged title=when
            aria-selected=move || selected2().to_string()
            tabindex=move || if is_stop.selected(&Some(id)) { "0" } else { "-1" }
            on:click=move |_| select.run(Some(id))
            on:keydown=move |ev| {
                let target_is_row = ev.target().zip(ev.current_target()).is_some_and(|(t, c)| t == c);
                if target_is_row && (ev.key() == "Enter" || ev.key() == " ") {
                    ev.prevent_default();
                    select.run(Some(id));
                }
            }>
            <div class="event-cell" role="gridcell">
                {body}
                {flag_button}
                <InlineComments open=open event_id=id/>
            </div>
        </div>
    }
}

fn user_view(e: &EventView) -> impl IntoView {
    let text = e.text.clone().unwrap_or_default();
    let entities: Vec<String> = field(e, &["parse_data", "entities"])
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|en| {
                    let name = en.get("entity").map(json_text).unwrap_or_default();
                    let value = en.get("value").map(json_text).unwrap_or_default();
                    format!("{name}={value}")
                })
                .collect()
        })
        .unwrap_or_default();
    let intent = e.intent.clone();
    let confidence = e.confidence;
    view! {
        <div class="bubble user-bubble">{text}</div>
        <div class="event-meta">
            {intent.map(|i| view! { <span class="intent" title="Predicted intent">{i}</span> })}
            {confidence.map(|c| view! { <ConfidenceBadge value=c title="Intent confidence"/> })}
            {entities.into_iter().map(|en| view! { <span class="chip entity">{en}</span> }).collect_view()}
        </div>
    }
}

fn bot_view(e: &EventView) -> impl IntoView {
    let text = e.text.clone();
    let buttons: Vec<(String, String)> = field(e, &["data", "buttons"])
        .and_then(Value::as_array)
        .map(|b| {
            b.iter()
                .map(|b| {
                    (
                        b.get("title").map(json_text).unwrap_or_default(),
                        b.get("payload").map(json_text).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let image = field(e, &["data", "image"])
        .and_then(Value::as_str)
        .map(str::to_owned);
    // Only web addresses become an image and a link (never `javascript:` and the like).
    let image = image.filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    let custom =
        field(e, &["data", "custom"]).map(|c| serde_json::to_string_pretty(c).unwrap_or_default());
    view! {
        <div class="bubble bot-bubble">
            {text.map(|t| view! { <div class="bot-text">{t}</div> })}
            {(!buttons.is_empty()).then(|| view! {
                <div class="bot-buttons">{buttons.into_iter().map(|(title, payload)| view! {
                    <span class="bot-button" title=payload>{title}</span>
                }).collect_view()}</div>
            })}
            {image.map(|src| view! { <BotImage src=src/> })}
            {custom.map(|c| view! { <pre class="bot-custom" title="Custom payload" tabindex="0">{c}</pre> })}
        </div>
    }
}

/// A bot's image: fetched only when the reviewer asks (a click on a button naming its host),
/// so opening a conversation tells no other site that someone is reading it.
#[component]
fn BotImage(src: String) -> impl IntoView {
    let shown = RwSignal::new(false);
    let host = crate::format::web_host(&src)
        .unwrap_or("another site")
        .to_owned();
    let link = src.clone();
    view! {
        <figure class="bot-image">
            {move || if shown.get() {
                view! {
                    <img src=src.clone() alt="" referrerpolicy="no-referrer"
                        on:error=|ev| {
                            let img: web_sys::HtmlElement = event_target(&ev);
                            let _ = img.style().set_property("display", "none");
                        }/>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="btn bot-image-load" title=src.clone()
                        on:click=move |_| shown.set(true)>
                        {format!("Show image from {host}")}
                    </button>
                }.into_any()
            }}
            <figcaption>"image: "<a href=link.clone() target="_blank" rel="noopener noreferrer">{link.clone()}</a></figcaption>
        </figure>
    }
}

fn action_view(e: &EventView) -> impl IntoView {
    let name = e.name.clone().unwrap_or_default();
    let policy = e.policy.clone();
    let confidence = e.confidence;
    view! {
        <div class="line action-line">
            <span class="label">"action"</span>
            <code class="action-name">{name}</code>
            {policy.map(|p| view! { <span class="muted policy">{p}</span> })}
            {confidence.map(|c| view! { <ConfidenceBadge value=c title="Action confidence"/> })}
        </div>
    }
}

fn divider_view(e: &EventView) -> impl IntoView {
    let s = |k: &str| field(e, &[k]).map(json_text);
    let (class, text) = match e.type_name.as_str() {
        "session_started" => ("divider session", "Session started".to_owned()),
        "restart" => ("divider restart", "Conversation restarted".to_owned()),
        "active_loop" => match s("name") {
            Some(n) => ("line", format!("Form {n} active")),
            None => ("line", "Form ended".to_owned()),
        },
        "action_execution_rejected" => (
            "line warn",
            format!("Action {} rejected", s("name").unwrap_or_default()),
        ),
        "flow_started" => (
            "line",
            format!("Flow started: {}", s("flow_id").unwrap_or_default()),
        ),
        "flow_completed" => (
            "line",
            format!("Flow completed: {}", s("flow_id").unwrap_or_default()),
        ),
        "flow_cancelled" => (
            "line warn",
            format!("Flow cancelled: {}", s("flow_id").unwrap_or_default()),
        ),
        "pause" => ("divider", "Conversation paused (handed over)".to_owned()),
        "resume" => ("divider", "Conversation resumed".to_owned()),
        "rewind" => ("line warn", "Rewound the last user message".to_owned()),
        "reminder" => (
            "line",
            format!("Reminder set: {}", s("name").unwrap_or_default()),
        ),
        "user_featurization" => ("line", "User featurization".to_owned()),
        "stack" => ("line dim", "Dialogue stack updated".to_owned()),
        other => (
            "line",
            match s("name") {
                Some(n) => format!("{other}: {n}"),
                None => other.to_owned(),
            },
        ),
    };
    view! { <div class=format!("{class} other-line")><span>{text}</span></div> }
}
