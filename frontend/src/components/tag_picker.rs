//! The tag picker under the gear: pick an existing tag or create one (name and colour).
//! While open it keeps the keyboard inside (Tab and Shift+Tab cycle its controls); Escape
//! closes it, and closing gives the focus back to what opened it.

use hindsight_types::TagUpdate;
use leptos::html::Input;
use leptos::prelude::*;

use crate::api;
use crate::components::common::{trap_focus, ErrorBox, Spinner, TagChip};
use crate::load::{fetch, Task};
use crate::state::OpenConversation;

const PALETTE: [&str; 8] = [
    "e5484d", "f5a524", "30a46c", "0091ff", "8e4ec6", "d6409f", "12a594", "6f6e77",
];

/// The popover.
#[component]
pub fn TagPicker(open: OpenConversation) -> impl IntoView {
    let tags = fetch(api::tags::all);
    let text = RwSignal::new(String::new());
    let colour = RwSignal::new(format!("#{}", PALETTE[0]));
    let error = RwSignal::new(None::<String>);
    let input = NodeRef::<Input>::new();
    // The opener: the focused control when the picker opened (the gear, or the transcript
    // row `t` was pressed on), else the gear.
    let opener = StoredValue::new_local(
        document()
            .active_element()
            .filter(|e| e.tag_name() != "BODY")
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok()),
    );
    on_cleanup(move || {
        let back = opener
            .try_update_value(Option::take)
            .flatten()
            .filter(|e| e.is_connected())
            .or_else(|| {
                document()
                    .get_element_by_id("tag-gear")
                    .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
            });
        if let Some(el) = back {
            // After the picker has left the DOM (this runs before it is removed).
            request_animation_frame(move || {
                let _ = el.focus();
            });
        }
    });
    Effect::new(move |_| {
        if let Some(i) = input.get() {
            let _ = i.focus();
        }
    });
    // A new tag gets the next colour of the palette, so tags differ at a glance.
    Effect::new(move |_| {
        if let Some(Ok(list)) = tags.get() {
            colour.set(format!("#{}", PALETTE[list.len() % PALETTE.len()]));
        }
    });

    let add_task = Task::new();
    let add = move |tag: TagUpdate| {
        let id = open.id.get_value();
        add_task.run(async move { api::tags::add_to(&id, &[tag]).await });
    };
    Effect::new(move |_| match add_task.value.get() {
        Some(Ok(tags)) => {
            open.set_tags(tags);
            open.tag_open.set(false);
            open.ws.notify("Tag added.");
        }
        Some(Err(e)) => error.set(Some(e.message)),
        None => {}
    });

    let create = move || {
        let name = text.get_untracked().trim().to_owned();
        if name.is_empty() {
            error.set(Some("Type a name for the new tag.".into()));
            return;
        }
        let color = colour
            .get_untracked()
            .trim_start_matches('#')
            .to_ascii_lowercase();
        add(TagUpdate {
            value: Some(name),
            color: Some(color),
        });
    };
    let matches = move || {
        let t = text.get().trim().to_ascii_lowercase();
        let on: Vec<i64> = open.summary.with(|s| s.tags.iter().map(|t| t.id).collect());
        tags.get().map(|r| {
            r.map(|list| {
                list.into_iter()
                    .map(|t| t.tag)
                    .filter(|tag| {
                        !on.contains(&tag.id) && tag.value.to_ascii_lowercase().contains(&t)
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    let exact = move || {
        let t = text.get().trim().to_ascii_lowercase();
        tags.get()
            .and_then(Result::ok)
            .is_some_and(|l| l.iter().any(|x| x.tag.value.to_ascii_lowercase() == t))
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => open.tag_open.set(false),
        "Enter" => {
            ev.prevent_default();
            match matches()
                .and_then(Result::ok)
                .and_then(|m| m.into_iter().next())
            {
                Some(tag) if exact() => add(TagUpdate {
                    value: Some(tag.value),
                    color: Some(tag.color),
                }),
                _ => create(),
            }
        }
        _ => {}
    };

    view! {
        <div class="menu tag-picker" role="dialog" aria-modal="true" aria-label="Add a tag" on:click=|ev| ev.stop_propagation()
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    open.tag_open.set(false);
                } else {
                    trap_focus(ev);
                }
            }>
            <input node_ref=input name="tag-name" placeholder="Find or create a tag" autocomplete="off"
                prop:value=text on:input=move |ev| text.set(event_target_value(&ev)) on:keydown=on_key/>
            {move || matches().map(|r| match r {
                    Ok(list) => view! {
                        <ul class="tag-options">{list.into_iter().take(12).map(|tag| {
                            let t = tag.clone();
                            view! {
                                <li><button class="tag-option" on:click=move |_| add(TagUpdate { value: Some(t.value.clone()), color: Some(t.color.clone()) })>
                                    <TagChip tag=tag/>
                                </button></li>
                            }
                        }).collect_view()}</ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.message/> }.into_any(),
                }).unwrap_or_else(|| view! { <Spinner/> }.into_any())}
            <Show when=move || !text.get().trim().is_empty() && !exact()>
                <div class="tag-create">
                    <input type="color" name="tag-color" prop:value=colour on:input=move |ev| colour.set(event_target_value(&ev))
                        aria-label="Colour of the new tag"/>
                    <button class="btn btn-primary btn-small" id="create-tag" disabled=move || add_task.pending.get()
                        on:click=move |_| create()>{move || format!("Create tag “{}”", text.get().trim())}</button>
                </div>
            </Show>
            {move || error.get().map(|m| view! { <ErrorBox message=m/> })}
        </div>
    }
}
