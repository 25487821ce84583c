//! `/training`: the saved stories and tests by kind (rename, edit as text, delete) and the
//! downloads of the training-data files.

use hindsight_types::{Role, TrainingItem, TrainingItemKind, TrainingItemUpdate};
use leptos::prelude::*;

use crate::api;
use crate::components::common::{load_error, ErrorBox, Spinner};
use crate::components::save_training_item::kind_label;
use crate::format::local;
use crate::load::fetch;
use crate::state::{conversation_href, workspace};

/// The four files: export route, file name.
const DOWNLOADS: [(&str, &str); 4] = [
    ("nlu", "nlu.yml"),
    ("stories", "stories.yml"),
    ("tests", "test_stories.yml"),
    ("e2e", "e2e_test_cases.yml"),
];

/// The page.
#[component]
pub fn TrainingPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let items = fetch(move || {
        version.track();
        api::training::items()
    });
    let editable =
        api::session().with_untracked(|u| u.as_ref().is_some_and(|u| u.role != Role::Viewer));
    let section = move |kind: TrainingItemKind, title: &'static str| {
        let id = format!("items-{}", kind.as_str());
        view! {
            <section class="card training-kind" id=id>
                <h2>{title}</h2>
                {move || items.get().map(|r| match r {
                    Ok(list) => {
                        let list: Vec<TrainingItem> = list.into_iter().filter(|i| i.kind == kind).collect();
                        if list.is_empty() {
                            return view! { <p class="muted">{format!("No {} saved yet: open a conversation and use “Save as story” or “Save as test”.", kind_label(kind))}</p> }.into_any();
                        }
                        view! {
                            <ul class="training-items">
                                {list.into_iter().map(|item| view! { <ItemRow item=item version=version editable=editable/> }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                    Err(e) => load_error(&e),
                }).unwrap_or_else(|| view! { <Spinner/> }.into_any())}
            </section>
        }
    };
    view! {
        <div class="training-page">
            <section class="card" id="training-downloads">
                <h1>"Training data"</h1>
                <p class="muted">"Annotated messages and saved stories and tests, as Rasa's files. Annotate a user message beside its story in a conversation."</p>
                <div class="row-buttons">
                    {DOWNLOADS.into_iter().map(|(route, file)| view! {
                        <a class="btn" id=format!("download-{route}") download=file href=move || api::training::export_url(route)>
                            {format!("Download {file}")}
                        </a>
                    }).collect_view()}
                </div>
            </section>
            {section(TrainingItemKind::Story, "Stories")}
            {section(TrainingItemKind::TestStory, "Test stories")}
            {section(TrainingItemKind::E2eTest, "End-to-end test cases")}
        </div>
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Editing {
    No,
    Name,
    Text,
}

/// One saved item: its name and link, and rename / edit / delete.
#[component]
fn ItemRow(item: TrainingItem, version: RwSignal<u32>, editable: bool) -> impl IntoView {
    let ws = workspace();
    let item_id = item.id;
    let editing = RwSignal::new(Editing::No);
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let (name, content) = (
        StoredValue::new(item.name.clone()),
        StoredValue::new(item.content.clone()),
    );
    // Where focus goes back to when an edit closes.
    let (rename_ref, edit_ref) = (
        NodeRef::<leptos::html::Button>::new(),
        NodeRef::<leptos::html::Button>::new(),
    );
    let close = move |back: NodeRef<leptos::html::Button>| {
        editing.set(Editing::No);
        error.set(None);
        request_animation_frame(move || {
            if let Some(b) = back.get_untracked() {
                let _ = b.focus();
            }
        });
    };
    let open = move |what: Editing| {
        draft.set(if what == Editing::Name {
            name.get_value()
        } else {
            content.get_value()
        });
        error.set(None);
        editing.set(what);
        request_animation_frame(move || {
            let css = format!("#item-{item_id} .item-form [name]");
            if let Ok(Some(el)) = document().query_selector(&css) {
                if let Ok(el) = leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                    let _ = el.focus();
                }
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let what = editing.get_untracked();
        let update = if what == Editing::Name {
            TrainingItemUpdate {
                name: Some(draft.get_untracked().trim().to_owned()),
                content: None,
            }
        } else {
            TrainingItemUpdate {
                name: None,
                content: Some(draft.get_untracked()),
            }
        };
        leptos::task::spawn_local(async move {
            match api::training::update_item(item_id, &update).await {
                Ok(_) => {
                    ws.notify(if what == Editing::Name {
                        "Renamed."
                    } else {
                        "Saved."
                    });
                    version.update(|v| *v += 1);
                }
                Err(e) => {
                    error.try_set(Some(e.message));
                }
            }
        });
    };
    let delete = move |_| {
        if !window()
            .confirm_with_message(&format!("Delete “{}”?", name.get_value()))
            .unwrap_or(false)
        {
            return;
        }
        leptos::task::spawn_local(async move {
            match api::training::delete_item(item_id).await {
                Ok(()) => {
                    ws.notify("Deleted.");
                    version.update(|v| *v += 1);
                }
                Err(e) => ws.fail(e),
            }
        });
    };
    let link = item.conversation_id.clone().map(|c| {
        let href = conversation_href(&c, item.event_id, "");
        let at = item
            .event_id
            .map(|e| format!(" up to event {e}"))
            .unwrap_or_default();
        view! { <a href=href class="small">{format!("{c}{at}")}</a> }
    });
    let meta = format!(
        "saved by {} · {}{}",
        item.created_by,
        local(item.created_at),
        if item.edited { " · edited" } else { "" }
    );
    let form = move || {
        let what = editing.get();
        (what != Editing::No).then(|| {
            let back = if what == Editing::Name { rename_ref } else { edit_ref };
            let field = if what == Editing::Name {
                view! { <input class="item-name-input" name="item-name" aria-label=format!("New name of {}", name.get_value()) required
                    prop:value=draft on:input=move |ev| draft.set(event_target_value(&ev))/> }.into_any()
            } else {
                view! { <textarea class="item-text" name="item-text" rows="14" spellcheck="false"
                    aria-label=format!("YAML of {}", name.get_value())
                    prop:value=draft on:input=move |ev| draft.set(event_target_value(&ev))></textarea> }.into_any()
            };
            view! {
                <form class="item-form" on:submit=submit
                    on:keydown=move |ev| if ev.key() == "Escape" { close(back) }>
                    {field}
                    <div class="row-buttons">
                        <button type="submit" class="btn btn-primary btn-small">"Save"</button>
                        <button type="button" class="btn btn-small" on:click=move |_| close(back)>"Cancel"</button>
                    </div>
                    {move || error.get().map(|m| view! { <ErrorBox message=m/> })}
                </form>
            }
        })
    };
    view! {
        <li class="training-item" id=format!("item-{item_id}") data-item=item.name.clone()>
            <div class="item-head">
                <strong class="item-name">{item.name.clone()}</strong>
                {link}
                <span class="muted small">{meta}</span>
                <span class="spacer"></span>
                {editable.then(|| view! {
                    <button class="btn btn-small rename-item" node_ref=rename_ref on:click=move |_| open(Editing::Name)>"Rename"</button>
                    <button class="btn btn-small edit-item" node_ref=edit_ref on:click=move |_| open(Editing::Text)>"Edit text"</button>
                    <button class="btn btn-small btn-danger delete-item" on:click=delete>"Delete"</button>
                })}
            </div>
            {form}
            <details>
                <summary>"YAML"</summary>
                <pre class="raw item-yaml" tabindex="0">{item.content.clone()}</pre>
            </details>
        </li>
    }
}
