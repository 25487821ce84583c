//! The annotation of the selected user message: confirm or correct its intent, mark its
//! entities by selecting text, and see (or remove) the annotation saved before.
//!
//! Self-contained: it takes the conversation id and the selected event, loads the
//! conversation's annotations itself and listens to `i` (focus the intent) and `e` (mark the
//! selected text as an entity) while it is shown, unless single-key shortcuts are off.

use hindsight_types::training::{predicted_entities, slice};
use hindsight_types::{Annotation, AnnotationInput, EntityAnnotation, EventView, Role};
use leptos::html::Input;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use serde_json::Value;

use crate::api;
use crate::components::common::{load_error, ErrorBox};
use crate::format::local;
use crate::load::fetch;
use crate::state::workspace;

/// The panel; shows nothing for an event that is not a user message.
#[component]
pub fn AnnotationPanel(
    /// The conversation's (sender) id.
    #[prop(into)]
    conversation_id: String,
    /// The selected event.
    event: EventView,
) -> impl IntoView {
    if event.type_name != "user" {
        return ().into_any();
    }
    let ws = workspace();
    let id = StoredValue::new(conversation_id);
    let event_id = event.id;
    let text = StoredValue::new(event.text.clone().unwrap_or_default());
    let predicted_intent = event.intent.clone().unwrap_or_default();
    let predicted = predicted_entities(
        &text.get_value(),
        event.event.pointer("/parse_data/entities"),
    );
    let read_only =
        api::session().with_untracked(|u| u.as_ref().is_none_or(|u| u.role == Role::Viewer));

    let saved = RwSignal::new(None::<Annotation>);
    let intent = RwSignal::new(predicted_intent.clone());
    let entities = RwSignal::new(predicted.clone());
    let span = RwSignal::new(None::<(usize, usize)>);
    let (ent_name, ent_role, ent_group, ent_value) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let error = RwSignal::new(None::<api::ApiFailure>);
    let busy = RwSignal::new(false);
    let intent_ref = NodeRef::<Input>::new();
    let entity_ref = NodeRef::<Input>::new();
    let text_ref = NodeRef::<leptos::html::P>::new();

    let loaded = fetch(move || {
        let id = id.get_value();
        async move { api::training::annotations(&id).await }
    });
    // The saved annotation, once loaded, is what the form starts from.
    Effect::new(move |_| {
        if let Some(Ok(list)) = loaded.get() {
            if let Some(a) = list.into_iter().find(|a| a.event_id == event_id) {
                intent.set(a.intent.clone());
                entities.set(a.entities.clone());
                saved.set(Some(a));
            }
        }
    });
    let intents = fetch(api::training::intents);

    let focus = |r: NodeRef<Input>| {
        request_animation_frame(move || {
            if let Some(el) = r.get_untracked() {
                let _ = el.focus();
            }
        })
    };
    let mark = move || {
        let Some(container) = text_ref.get_untracked() else {
            return;
        };
        match selection_in(&container).and_then(|(a, b)| span_from_utf16(&text.get_value(), a, b)) {
            Some(s) => {
                span.set(Some(s));
                error.set(None);
                focus(entity_ref);
            }
            None => ws.notify("Select words of the message in the annotation panel first."),
        }
    };
    let add_entity = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((start, end)) = span.get_untracked() else {
            return;
        };
        let opt = |s: RwSignal<String>| {
            Some(s.get_untracked().trim().to_owned()).filter(|s| !s.is_empty())
        };
        let Some(entity) = opt(ent_name) else {
            return;
        };
        let e = EntityAnnotation {
            start,
            end,
            entity,
            role: opt(ent_role),
            group: opt(ent_group),
            value: opt(ent_value).map(|v| scalar(&v)),
        };
        entities.update(|list| {
            list.push(e);
            list.sort_by_key(|e| (e.start, e.end));
        });
        span.set(None);
        for s in [ent_name, ent_role, ent_group, ent_value] {
            s.set(String::new());
        }
        focus(intent_ref);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let input = AnnotationInput {
            intent: intent.get_untracked().trim().to_owned(),
            entities: entities.get_untracked(),
        };
        let id = id.get_value();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = api::training::annotate(&id, event_id, &input).await;
            busy.try_set(false);
            match answer {
                Ok(a) => {
                    error.try_set(None);
                    entities.try_set(a.entities.clone());
                    saved.try_set(Some(a));
                    ws.notify("Annotation saved.");
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    };
    let remove = move |_| {
        let id = id.get_value();
        let (pi, pe) = (predicted_intent.clone(), predicted.clone());
        leptos::task::spawn_local(async move {
            match api::training::remove_annotation(&id, event_id).await {
                Ok(()) => {
                    saved.try_set(None);
                    intent.try_set(pi);
                    entities.try_set(pe);
                    ws.notify("Annotation removed.");
                }
                Err(e) => ws.fail(e),
            }
        });
    };

    // `i` and `e`, as the other single-key shortcuts: not while typing, not when turned off.
    if !read_only {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.ctrl_key()
                || ev.meta_key()
                || ev.alt_key()
                || ev.default_prevented()
                || !ws.shortcuts_on.get_untracked()
                || typing_in_a_field(&ev)
            {
                return;
            }
            match ev.key().as_str() {
                "i" => {
                    ev.prevent_default();
                    focus(intent_ref);
                }
                "e" => {
                    ev.prevent_default();
                    mark();
                }
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    }

    let status = move || {
        saved.get().map(|a| {
            let what = match (&a.predicted_intent, a.differs) {
                (Some(p), true) => format!("corrected: {p} → {}", a.intent),
                (None, _) => format!("annotated: {}", a.intent),
                (Some(_), false) => format!("confirmed: {}", a.intent),
            };
            view! {
                <p class="annot-status" id="annotation-status">
                    <strong>{what}</strong>
                    <span class="muted small">{format!(" · by {} · {}", a.annotated_by, local(a.annotated_at))}</span>
                </p>
            }
        })
    };
    let marked_text = move || {
        let t = text.get_value();
        entities
            .with(|list| segments(&t, list))
            .into_iter()
            .map(|(s, m)| {
                if m {
                    view! { <mark>{s}</mark> }.into_any()
                } else {
                    s.into_any()
                }
            })
            .collect_view()
    };
    let entity_rows = move || {
        let t = text.get_value();
        entities.get().into_iter().enumerate().map(|(i, e)| {
            let label = format!("Remove entity {} ({})", e.entity, slice(&t, e.start, e.end));
            let mut extra = vec![];
            if let Some(r) = &e.role { extra.push(format!("role {r}")); }
            if let Some(g) = &e.group { extra.push(format!("group {g}")); }
            if let Some(v) = &e.value { extra.push(format!("value {}", crate::format::json_text(v))); }
            view! {
                <li class="annot-entity">
                    <span>"“"{slice(&t, e.start, e.end)}"” → "<code>{e.entity.clone()}</code>
                        {(!extra.is_empty()).then(|| view! { <span class="muted small">{format!(" ({})", extra.join(", "))}</span> })}</span>
                    {(!read_only).then(|| view! {
                        <button type="button" class="btn btn-ghost btn-small" aria-label=label.clone() title=label
                            on:click=move |_| entities.update(|l| { l.remove(i); })>"×"</button>
                    })}
                </li>
            }
        }).collect_view()
    };
    let field_error = move |f: &str| {
        error.with(|e| {
            e.as_ref()
                .and_then(|e| e.field.as_deref())
                .is_some_and(|x| x == f)
        })
    };

    view! {
        <section class="annotation-panel" id="annotation-panel" aria-labelledby="annotation-head">
            <div class="section-head">
                <h4 id="annotation-head">"Annotation"</h4>
                {move || (saved.with(Option::is_some) && !read_only).then(|| view! {
                    <button type="button" class="btn btn-small btn-danger" id="remove-annotation" on:click=remove.clone()>"Remove"</button>
                })}
            </div>
            {move || match loaded.get() {
                Some(Err(e)) => Some(load_error(&e)),
                _ => None,
            }}
            {status}
            <p class="annot-text" id="annotation-text" node_ref=text_ref>{marked_text}</p>
            <ul class="annot-entities" id="annotation-entities">{entity_rows}</ul>
            {(!read_only).then(|| view! {
                <button type="button" class="btn btn-small" id="mark-entity" on:click=move |_| mark()>
                    "Mark selected text as entity "<kbd>"e"</kbd>
                </button>
                {move || span.get().map(|(a, b)| view! {
                    <form class="annot-entity-form" id="entity-form" on:submit=add_entity>
                        <p class="small">"Entity “"{slice(&text.get_value(), a, b)}"”"</p>
                        <label>"Entity"<input id="entity-name" name="entity" required autocomplete="off" node_ref=entity_ref
                            prop:value=ent_name on:input=move |ev| ent_name.set(event_target_value(&ev))/></label>
                        <label>"Role (optional)"<input name="entity-role" autocomplete="off"
                            prop:value=ent_role on:input=move |ev| ent_role.set(event_target_value(&ev))/></label>
                        <label>"Group (optional)"<input name="entity-group" autocomplete="off"
                            prop:value=ent_group on:input=move |ev| ent_group.set(event_target_value(&ev))/></label>
                        <label>"Normalised value (optional)"<input name="entity-value" autocomplete="off"
                            prop:value=ent_value on:input=move |ev| ent_value.set(event_target_value(&ev))/></label>
                        <div class="row-buttons">
                            <button type="submit" class="btn btn-small btn-primary" id="add-entity">"Add entity"</button>
                            <button type="button" class="btn btn-small" on:click=move |_| { span.set(None); focus(intent_ref); }>"Cancel"</button>
                        </div>
                    </form>
                })}
                <form class="annot-form" id="annotation-form" on:submit=save>
                    <label for="annotation-intent">"Intent "<kbd>"i"</kbd></label>
                    <input id="annotation-intent" name="intent" list="annotation-intents" autocomplete="off" required
                        placeholder="intent, or faq/ask_price" node_ref=intent_ref aria-invalid=move || field_error("intent").to_string()
                        prop:value=intent on:input=move |ev| intent.set(event_target_value(&ev))/>
                    <datalist id="annotation-intents">
                        {move || intents.get().and_then(Result::ok).unwrap_or_default().into_iter()
                            .map(|i| view! { <option value=i></option> }).collect_view()}
                    </datalist>
                    <button type="submit" class="btn btn-small btn-primary" id="save-annotation" disabled=busy>
                        {move || if saved.with(Option::is_some) { "Save annotation" } else { "Confirm / save" }}
                    </button>
                </form>
                {move || error.get().map(|e| view! { <ErrorBox message=e.message/> })}
            })}
        </section>
    }
    .into_any()
}

fn typing_in_a_field(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(
                el.tag_name().to_ascii_lowercase().as_str(),
                "input" | "textarea" | "select"
            ) || el.has_attribute("contenteditable")
        })
}

/// The selection inside `container`, as UTF-16 offsets into its text (what the DOM counts).
fn selection_in(container: &web_sys::HtmlElement) -> Option<(u32, u32)> {
    let sel = window().get_selection().ok()??;
    if sel.range_count() == 0 || sel.is_collapsed() {
        return None;
    }
    let range = sel.get_range_at(0).ok()?;
    if !container.contains(Some(&range.common_ancestor_container().ok()?)) {
        return None;
    }
    // The text before the selection, whatever marks split it into.
    let before = document().create_range().ok()?;
    before.select_node_contents(container).ok()?;
    before
        .set_end(&range.start_container().ok()?, range.start_offset().ok()?)
        .ok()?;
    let len = |r: &web_sys::Range| r.unchecked_ref::<js_sys::Object>().to_string().length();
    let start = len(&before);
    Some((start, start + len(&range)))
}

/// A span given in UTF-16 units (the browser's) as code points (Rasa's), without the
/// spaces a double click takes along; `None` when empty or cutting a character in two.
pub fn span_from_utf16(text: &str, a: u32, b: u32) -> Option<(usize, usize)> {
    let (a, b) = (a.min(b) as usize, a.max(b) as usize);
    let cp = |u: usize| {
        let mut units = 0;
        for (i, c) in text.chars().enumerate() {
            if units == u {
                return Some(i);
            }
            units += c.len_utf16();
            if units > u {
                return None;
            }
        }
        (units == u).then(|| text.chars().count())
    };
    let (mut start, mut end) = (cp(a)?, cp(b)?);
    let chars: Vec<char> = text.chars().collect();
    while start < end && chars[start].is_whitespace() {
        start += 1;
    }
    while end > start && chars[end - 1].is_whitespace() {
        end -= 1;
    }
    (start < end).then_some((start, end))
}

/// The text cut into pieces, `true` for those inside an entity (spans shared by several
/// entities are marked once; an overlapping span is not marked).
pub fn segments(text: &str, entities: &[EntityAnnotation]) -> Vec<(String, bool)> {
    let mut spans: Vec<(usize, usize)> = entities.iter().map(|e| (e.start, e.end)).collect();
    spans.sort_unstable();
    spans.dedup();
    let mut out = vec![];
    let mut at = 0;
    for (s, e) in spans {
        if s < at {
            continue;
        }
        if s > at {
            out.push((slice(text, at, s), false));
        }
        out.push((slice(text, s, e), true));
        at = e;
    }
    let rest = slice(text, at, usize::MAX);
    if !rest.is_empty() {
        out.push((rest, false));
    }
    out
}

/// A typed value: `true`, `false` and numbers as JSON, anything else as text.
fn scalar(v: &str) -> Value {
    match serde_json::from_str::<Value>(v) {
        Ok(x @ (Value::Bool(_) | Value::Number(_))) => x,
        _ => Value::String(v.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_offsets_become_code_points() {
        // "😀" is two UTF-16 units and one code point.
        let t = "I 😀 Berlin";
        assert_eq!(span_from_utf16(t, 5, 11), Some((4, 10)));
        assert_eq!(slice(t, 4, 10), "Berlin");
        // Backwards selections, and the spaces a double click takes.
        assert_eq!(span_from_utf16(t, 11, 4), Some((4, 10)));
        // Half an emoji is no span; nor is only space.
        assert_eq!(span_from_utf16(t, 3, 11), None);
        assert_eq!(span_from_utf16(t, 1, 2), None);
        assert_eq!(span_from_utf16("abc", 0, 9), None);
    }

    #[test]
    fn text_is_cut_at_entities() {
        let e = |start, end| EntityAnnotation {
            start,
            end,
            entity: "x".into(),
            role: None,
            group: None,
            value: None,
        };
        let t = "fly to Berlin now";
        assert_eq!(
            segments(t, &[e(7, 13), e(7, 13)]),
            vec![
                ("fly to ".into(), false),
                ("Berlin".into(), true),
                (" now".into(), false)
            ]
        );
    }
}
