//! A Discover group's "Label as intent…": its messages listed with a box each, an intent
//! chosen (the known ones offered, a new name allowed), and the ticked messages saved as NLU
//! examples of it in one request. Messages already annotated keep their annotation unless
//! "Replace their intent too" is ticked; messages not loaded yet are saved too (the list
//! says so).

use std::collections::HashSet;

use hindsight_types::{GroupLabelled, GroupMessage, LabelGroupInput};
use leptos::prelude::*;

use crate::api;
use crate::components::common::{focus_by_id as focus, ErrorBox};

fn messages(n: i64) -> String {
    format!("{n} message{}", if n == 1 { "" } else { "s" })
}

/// What labelling did, said for people.
pub fn labelled_message(r: &GroupLabelled) -> String {
    let mut parts = Vec::new();
    if r.replaced > 0 {
        parts.push(format!("{} relabelled", r.replaced));
    }
    if r.kept > 0 {
        parts.push(format!("{} already annotated, kept", r.kept));
    }
    if r.excluded > 0 {
        parts.push(format!("{} left out", r.excluded));
    }
    let rest = if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    };
    format!(
        "{} saved as examples of “{}”{rest}.",
        messages(r.annotated),
        r.intent
    )
}

/// Whether a message is saved: ticked, and annotated before only when replacing.
fn saved(m: &GroupMessage, excluded: &HashSet<i64>, replace: bool) -> bool {
    !excluded.contains(&m.message.event_id) && (m.annotated_intent.is_none() || replace)
}

/// The button and its panel for group `group_id` of `size` messages; `on_labelled` gets
/// the answer.
#[component]
pub fn GroupLabeller(
    group_id: i64,
    size: i64,
    on_labelled: Callback<GroupLabelled>,
) -> impl IntoView {
    let button_id = format!("group-{group_id}-label");
    let intent_id = format!("group-{group_id}-intent");
    let list_id = format!("group-{group_id}-intents");
    let open = RwSignal::new(false);
    let loaded = RwSignal::new(Vec::<GroupMessage>::new());
    let next = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let excluded = RwSignal::new(HashSet::<i64>::new());
    let replace = RwSignal::new(false);
    let intent = RwSignal::new(String::new());
    let intents = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<api::ApiFailure>);
    let load_more = move |cursor: Option<String>| {
        loading.set(true);
        leptos::task::spawn_local(async move {
            match api::discover::group_messages(group_id, cursor.as_deref()).await {
                Ok(page) => {
                    loaded.update(|l| l.extend(page.messages));
                    next.set(page.next_cursor);
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
            loading.try_set(false);
        });
    };
    let intent_focus = intent_id.clone();
    let show = move |_| {
        open.set(true);
        error.set(None);
        if loaded.with_untracked(Vec::is_empty) {
            load_more(None);
            leptos::task::spawn_local(async move {
                if let Ok(list) = api::training::intents().await {
                    intents.try_set(list);
                }
            });
        }
        let id = intent_focus.clone();
        request_animation_frame(move || focus(&id));
    };
    let button_focus = button_id.clone();
    let close = move || {
        open.set(false);
        let id = button_focus.clone();
        request_animation_frame(move || focus(&id));
    };
    let close_on_escape = close.clone();
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            close_on_escape();
        }
    };
    let close_after = close.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let input = LabelGroupInput {
            intent: intent.get_untracked().trim().to_owned(),
            exclude: excluded.get_untracked().into_iter().collect(),
            replace_annotated: replace.get_untracked(),
        };
        busy.set(true);
        error.set(None);
        let close_after = close_after.clone();
        leptos::task::spawn_local(async move {
            match api::discover::label(group_id, &input).await {
                Ok(r) => {
                    on_labelled.run(r);
                    loaded.try_set(Vec::new());
                    excluded.try_set(HashSet::new());
                    close_after();
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
            busy.try_set(false);
        });
    };
    let chosen = move || {
        loaded.with(|l| excluded.with(|x| l.iter().filter(|m| saved(m, x, replace.get())).count()))
    };
    let field_error = move |field: &str| {
        error.with(|e| {
            e.as_ref()
                .is_some_and(|e| e.field.as_deref() == Some(field))
        })
    };
    let row = move |m: GroupMessage| {
        let event = m.message.event_id;
        let annotated = m.annotated_intent.clone();
        let is_annotated = annotated.is_some();
        let box_id = format!("group-{group_id}-message-{event}");
        view! {
            <li class="group-message">
                <input type="checkbox" id=box_id.clone()
                    prop:checked=move || !excluded.with(|x| x.contains(&event)) && (!is_annotated || replace.get())
                    disabled=move || is_annotated && !replace.get()
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        excluded.update(|x| { if on { x.remove(&event); } else { x.insert(event); } });
                    }/>
                <label for=box_id>"“"{m.message.text.clone()}"”"</label>
                <span class="muted small">{format!(" {}", m.message.intent.clone().unwrap_or_else(|| "no intent".into()))}</span>
                {annotated.map(|a| view! { <span class="badge small">{format!("annotated: {a}")}</span> })}
            </li>
        }
    };
    view! {
        <span class="group-labeller">
            <Show when=move || open.get() fallback={
                let button_id = button_id.clone();
                move || view! {
                    <button class="btn btn-ghost" id=button_id.clone() aria-haspopup="true" on:click=show.clone()
                        title="Save this group's messages as NLU examples of an intent">"Label as intent…"</button>
                }
            }>
                <form class="label-group-form" id=format!("group-{group_id}-label-form") on:submit=submit.clone()
                    on:keydown=on_keydown.clone() aria-label="Save the group's messages as examples of an intent">
                    <p class="field">
                        <label for=intent_id.clone()>"Intent "</label>
                        <input id=intent_id.clone() name="intent" list=list_id.clone() autocomplete="off" required
                            placeholder="intent, or faq/ask_price" aria-invalid=move || field_error("intent").to_string()
                            prop:value=intent on:input=move |ev| intent.set(event_target_value(&ev))/>
                        <datalist id=list_id.clone()>
                            {move || intents.get().into_iter().map(|i| view! { <option value=i></option> }).collect_view()}
                        </datalist>
                    </p>
                    <label class="small">
                        <input type="checkbox" id=format!("group-{group_id}-replace") prop:checked=replace
                            on:change=move |ev| replace.set(event_target_checked(&ev))/>
                        " Replace the intent of messages annotated before"
                    </label>
                    <ul class="group-messages" aria-label="The group's messages: untick those that do not belong">
                        <For each=move || loaded.get() key=|m| m.message.event_id children=row/>
                    </ul>
                    <p class="small muted" role="status">
                        {move || {
                            let shown = loaded.with(Vec::len) as i64;
                            if next.with(Option::is_some) {
                                format!("{} ticked of {shown} shown; the group's other {} are saved too.", chosen(), (size - shown).max(0))
                            } else {
                                format!("{} ticked of {shown}.", chosen())
                            }
                        }}
                        <Show when=move || next.with(Option::is_some)>
                            <button class="btn btn-small btn-ghost" type="button" disabled=move || loading.get()
                                on:click=move |_| load_more(next.get_untracked())>"Show more"</button>
                        </Show>
                    </p>
                    <div class="form-actions">
                        <button class="btn btn-primary" type="submit" id=format!("group-{group_id}-label-submit") disabled=move || busy.get()>
                            {move || intent.with(|i| match i.trim() {
                                "" => "Save as examples".to_owned(),
                                i => format!("Save as examples of “{i}”"),
                            })}</button>
                        <button class="btn btn-ghost" type="button" on:click={ let close = close.clone(); move |_| close() }>"Cancel"</button>
                    </div>
                    {move || error.get().map(|e| view! { <ErrorBox message=e.message/> })}
                </form>
            </Show>
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labelled(annotated: i64, replaced: i64, kept: i64, excluded: i64) -> GroupLabelled {
        GroupLabelled {
            intent: "ask_refund".into(),
            annotated,
            replaced,
            kept,
            excluded,
            group: serde_json::from_value(serde_json::json!({
                "id": 1, "label": "refund", "terms": ["refund"], "size": 3, "senders": 3,
                "daily": vec![0; 14], "last_7_days": 0, "previous_7_days": 0, "score": 3.0,
                "covered": 3, "covered_share": 1.0, "intents": [], "representatives": [],
                "inbox_query": "discover_group=1", "dismissed": null
            }))
            .unwrap(),
        }
    }

    #[test]
    fn the_message_says_what_was_saved_and_what_was_not() {
        assert_eq!(
            labelled_message(&labelled(1, 0, 0, 0)),
            "1 message saved as examples of “ask_refund”."
        );
        assert_eq!(
            labelled_message(&labelled(12, 2, 3, 4)),
            "12 messages saved as examples of “ask_refund” (2 relabelled; 3 already annotated, kept; 4 left out)."
        );
    }
}
