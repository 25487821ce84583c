//! The side panel of the selected message: the story up to it (with a copy button) with the
//! message's own step marked and scrolled to, the slots at that point (those its turn
//! changed marked), entities, intent ranking and the raw event. It can be widened.
//!
//! Other panels of the selected message (the annotation) go in [`extra_sections`].

use std::sync::Arc;

use hindsight_types::{EventView, StoryAtEvent};
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use serde_json::Value;

use crate::api;
use crate::components::annotation_panel::AnnotationPanel;
use crate::components::comments::CommentThread;
use crate::components::common::{ConfidenceBadge, ErrorBox, Spinner};
use crate::components::conversation_header::copy_text;
use crate::components::transcript::{field, flaggable};
use crate::format::{json_text, local_time};
use crate::load::fetch;
use crate::state::OpenConversation;

/// The panel.
#[component]
pub fn EventPanel(
    open: OpenConversation,
    event: Arc<EventView>,
    select: Callback<Option<i64>>,
    /// Whether the panel is widened (the reviewer's choice, kept across messages).
    wide: RwSignal<bool>,
) -> impl IntoView {
    let e2e = RwSignal::new(false);
    let event_id = event.id;
    let story = fetch(move || {
        let id = open.id.get_value();
        let e2e = e2e.get();
        async move { api::conversations::story(&id, event_id, e2e).await }
    });
    let title = match (&event.type_name[..], &event.intent, &event.name) {
        ("user", Some(i), _) => format!("User message · {i}"),
        ("user", None, _) => "User message".to_owned(),
        ("bot", ..) => "Bot message".to_owned(),
        (t, _, Some(n)) => format!("{t} · {n}"),
        (t, ..) => t.to_owned(),
    };
    let entities = field(&event, &["parse_data", "entities"])
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ranking = field(&event, &["parse_data", "intent_ranking"])
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let raw = serde_json::to_string_pretty(&event.event).unwrap_or_default();
    let read_only = api::session().with_untracked(|u| {
        u.as_ref()
            .is_none_or(|u| u.role == hindsight_types::Role::Viewer)
    });
    let flagged_by = event.flag.as_ref().map(|f| f.flagged_by.clone());
    let editable = flaggable(&event) && !read_only;
    let flag_note =
        view! { <FlagNote open=open event_id=event_id flagged_by=flagged_by editable=editable/> };

    view! {
        <aside class="event-panel" aria-label="Selected message">
            <div class="panel-head">
                <div>
                    <h3>{title}</h3>
                    <div class="muted small">{format!("event {} · #{} · {}", event.id, event.seq, local_time(event.timestamp * 1000.0))}</div>
                </div>
                <div class="panel-head-buttons">
                    <button class="btn btn-ghost" id="widen-panel" aria-label="Wide panel"
                        title=move || if wide.get() { "Narrow the panel" } else { "Widen the panel" }
                        aria-pressed=move || wide.get().to_string()
                        on:click=move |_| wide.update(|w| *w = !*w)>"⇔"</button>
                    <button class="btn btn-ghost" id="close-panel" aria-label="Close" on:click=move |_| select.run(None)>"×"</button>
                </div>
            </div>
            {flag_note}
            <section class="message-comments" aria-labelledby="message-comments-title">
                <h4 id="message-comments-title">"Comments"</h4>
                <CommentThread open=open event_id=Some(event_id) read_only=read_only/>
            </section>
            <section>
                <div class="section-head">
                    <h4>"Story up to here"</h4>
                    <label class="check small"><input type="checkbox" name="e2e" prop:checked=e2e
                        on:change=move |ev| e2e.set(event_target_checked(&ev))/>"end-to-end"</label>
                    <button class="btn btn-small" id="copy-story" on:click=move |_| {
                        if let Some(Ok(s)) = story.get() { copy_text(s.story, "Story") }
                    }>"Copy"</button>
                </div>
                {move || story.get().map(|r| match r {
                        Ok(s) => view! {
                            {story_view(&s)}
                            <h4>"Slots at this point"</h4>
                            {slots_table(&s)}
                        }.into_any(),
                        Err(e) => view! { <ErrorBox message=e.message/> }.into_any(),
                    }).unwrap_or_else(|| view! { <Spinner label="Writing the story…"/> }.into_any())}
            </section>
            {extra_sections(open, &event)}
            {(!entities.is_empty()).then(|| view! {
                <section>
                    <h4>"Entities"</h4>
                    <table class="kv" id="entities">
                        <tr><th>"entity"</th><th>"value"</th><th>"extractor"</th></tr>
                        {entities.iter().map(|en| {
                            let g = |k: &str| en.get(k).filter(|v| !v.is_null()).map(json_text).unwrap_or_default();
                            view! { <tr><td><code>{g("entity")}</code></td><td>{g("value")}</td><td class="muted">{g("extractor")}</td></tr> }
                        }).collect_view()}
                    </table>
                </section>
            })}
            {(!ranking.is_empty()).then(|| view! {
                <section>
                    <h4>"Intent ranking"</h4>
                    <table class="kv ranking" id="intent-ranking">
                        {ranking.iter().take(10).map(|r| {
                            let name = r.get("name").map(json_text).unwrap_or_default();
                            let c = r.get("confidence").and_then(Value::as_f64).unwrap_or(0.0);
                            let width = format!("width:{:.0}%", c * 100.0);
                            view! {
                                <tr><td><code>{name}</code></td>
                                    <td class="bar-cell"><span class="bar" style=width></span></td>
                                    <td><ConfidenceBadge value=c/></td></tr>
                            }
                        }).collect_view()}
                    </table>
                </section>
            })}
            <section>
                <details>
                    <summary>"Raw event"</summary>
                    <pre class="raw">{raw}</pre>
                </details>
            </section>
        </aside>
    }
}

/// Other panels of the selected message, below the story and slots: the annotation of a
/// user message (it shows nothing for other events).
fn extra_sections(open: OpenConversation, event: &EventView) -> impl IntoView {
    view! { <AnnotationPanel conversation_id=open.id.get_value() event=event.clone()/> }
}

/// The story with the selected message's own step marked; scrolled so that the step shows.
fn story_view(s: &StoryAtEvent) -> impl IntoView {
    let pieces: Vec<&str> = s.story.split_inclusive('\n').collect();
    let (before, step, after) = match s.step_lines {
        Some([a, b]) if a >= 1 && (b as usize) <= pieces.len() && a <= b => {
            let (a, b) = (a as usize - 1, b as usize);
            (
                pieces[..a].concat(),
                pieces[a..b].concat(),
                pieces[b..].concat(),
            )
        }
        _ => (s.story.clone(), String::new(), String::new()),
    };
    let has_step = !step.is_empty();
    let pre = NodeRef::<leptos::html::Pre>::new();
    request_animation_frame(move || {
        let Some(pre) = pre.get_untracked() else {
            return;
        };
        let mark = pre
            .query_selector(".story-step")
            .ok()
            .flatten()
            .and_then(|m| m.dyn_into::<web_sys::HtmlElement>().ok());
        match mark {
            // `.story` is positioned, so the mark's offset is from the story's top.
            Some(mark) => pre.set_scroll_top((mark.offset_top() - 24).max(0)),
            // A message that writes no step (a bot text, action_listen): the story ends
            // with its turn.
            None => pre.set_scroll_top(pre.scroll_height()),
        }
    });
    view! {
        <pre class="story" id="story" tabindex="0" node_ref=pre>
            {before}
            {has_step.then(|| view! { <mark class="story-step" id="story-step" title="This message's step">{step}</mark> })}
            {after}
        </pre>
    }
}

fn slots_table(s: &StoryAtEvent) -> AnyView {
    if s.slots.is_empty() {
        return view! { <p class="muted small">"No slot set yet."</p> }.into_any();
    }
    view! {
        <table class="kv" id="slots">
            {s.slots.iter().map(|(k, v)| {
                let unset = v.is_null();
                let changed = s.changed_slots.contains(k);
                view! {
                    <tr class:slot-changed=changed>
                        <td><code>{k.clone()}</code>
                            {changed.then(|| view! { <span class="chip changed-chip" title="Changed in this turn">"changed"</span> })}</td>
                        <td class:muted=unset>{json_text(v)}</td>
                    </tr>
                }
            }).collect_view()}
        </table>
    }
    .into_any()
}

/// The flag of the selected message and its note: shown, written and edited here (the
/// transcript shows the note on hovering the flag).
#[component]
fn FlagNote(
    open: OpenConversation,
    event_id: i64,
    flagged_by: Option<String>,
    editable: bool,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(String::new());
    let input = NodeRef::<leptos::html::Textarea>::new();
    let note = move || open.notes.with(|n| n.get(&event_id).cloned());
    let start = move |_| {
        draft.set(note().unwrap_or_default());
        editing.set(true);
        request_animation_frame(move || {
            if let Some(el) = input.get_untracked() {
                let _ = el.focus();
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        open.save_flag_note(event_id, draft.get_untracked());
        editing.set(false);
    };
    move || {
        let flagged = open.flags.with(|f| f.contains(&event_id));
        if editing.get() && editable {
            view! {
                <form class="flag-form" id="flag-form" on:submit=save>
                    <label for="flag-note-input">{if flagged { "Note of the flag" } else { "Flag this message with a note" }}</label>
                    <textarea id="flag-note-input" name="flag-note" rows="3" maxlength="2000" node_ref=input
                        prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
                    <div class="row-buttons">
                        <button class="btn btn-primary btn-small" type="submit" id="save-flag-note">{if flagged { "Save note" } else { "Flag" }}</button>
                        <button class="btn btn-small" type="button" on:click=move |_| editing.set(false)>"Cancel"</button>
                    </div>
                </form>
            }
            .into_any()
        } else if flagged {
            let by = flagged_by
                .clone()
                .map(|b| format!(" by {b}"))
                .unwrap_or_default();
            view! {
                <div class="flag-note" id="flag-note">
                    <p>"⚑ Flagged"{by}{note().map(|n| view! { ": "<span class="flag-note-text">{n}</span> })}</p>
                    {editable.then(|| view! {
                        <button class="btn btn-small" id="edit-flag-note" on:click=start>
                            {if note().is_some() { "Edit note" } else { "Add a note" }}
                        </button>
                    })}
                </div>
            }
            .into_any()
        } else if editable {
            view! { <button class="btn btn-small" id="flag-with-note" on:click=start>"⚑ Flag with a note…"</button> }
                .into_any()
        } else {
            ().into_any()
        }
    }
}
