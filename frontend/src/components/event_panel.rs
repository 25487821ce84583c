//! The side panel of the selected message: the story up to it (with a copy button), the
//! slots at that point, entities, intent ranking and the raw event.

use hindsight_types::EventView;
use leptos::prelude::*;
use serde_json::Value;

use crate::api;
use crate::components::common::{ConfidenceBadge, ErrorBox, Spinner};
use crate::components::conversation_header::copy_text;
use crate::components::transcript::field;
use crate::format::{json_text, local_time};
use crate::load::fetch;
use crate::state::OpenConversation;

/// The panel.
#[component]
pub fn EventPanel(
    open: OpenConversation,
    event: EventView,
    select: Callback<Option<i64>>,
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
    let flag_note = event.flag.as_ref().map(|f| {
        format!(
            "Flagged by {}{}",
            f.flagged_by,
            f.note
                .as_ref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        )
    });

    view! {
        <aside class="event-panel" aria-label="Selected message">
            <div class="panel-head">
                <div>
                    <h3>{title}</h3>
                    <div class="muted small">{format!("event {} · #{} · {}", event.id, event.seq, local_time(event.timestamp * 1000.0))}</div>
                </div>
                <button class="btn btn-ghost" id="close-panel" aria-label="Close" on:click=move |_| select.run(None)>"×"</button>
            </div>
            {move || open.flags.with(|f| f.contains(&event_id)).then(|| view! {
                <p class="flag-note">"⚑ "{flag_note.clone().unwrap_or_else(|| "Flagged".into())}</p>
            })}
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
                            <pre class="story" id="story">{s.story.clone()}</pre>
                            <h4>"Slots at this point"</h4>
                            {slots_table(&s.slots)}
                        }.into_any(),
                        Err(e) => view! { <ErrorBox message=e.message/> }.into_any(),
                    }).unwrap_or_else(|| view! { <Spinner label="Writing the story…"/> }.into_any())}
            </section>
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

fn slots_table(slots: &serde_json::Map<String, Value>) -> AnyView {
    if slots.is_empty() {
        return view! { <p class="muted small">"No slot set yet."</p> }.into_any();
    }
    view! {
        <table class="kv" id="slots">
            {slots.iter().map(|(k, v)| {
                let unset = v.is_null();
                view! { <tr><td><code>{k.clone()}</code></td><td class:muted=unset>{json_text(v)}</td></tr> }
            }).collect_view()}
        </table>
    }
    .into_any()
}
