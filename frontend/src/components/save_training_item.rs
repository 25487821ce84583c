//! "Save as story" / "Save as test" on a conversation: a small dialog for the name, the kind
//! and whether to stop at the selected message.

use hindsight_types::{SaveTrainingItem, TrainingItemKind};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::api;
use crate::components::common::{keep_focus, trap_focus, ErrorBox};
use crate::state::{parse_route, workspace, OpenConversation};

/// How a kind is called on screen.
pub fn kind_label(kind: TrainingItemKind) -> &'static str {
    match kind {
        TrainingItemKind::Story => "story",
        TrainingItemKind::TestStory => "test story",
        TrainingItemKind::E2eTest => "end-to-end test case",
    }
}

/// The two buttons and their dialog (for reviewers and admins).
#[component]
pub fn SaveTrainingButtons(open: OpenConversation) -> impl IntoView {
    let ws = workspace();
    let location = use_location();
    let shown = RwSignal::new(false);
    let kind = RwSignal::new(TrainingItemKind::Story);
    let name = RwSignal::new(String::new());
    let up_to = RwSignal::new(true);
    let error = RwSignal::new(None::<api::ApiFailure>);
    let busy = RwSignal::new(false);
    let dialog = NodeRef::<leptos::html::Div>::new();
    keep_focus(shown, dialog);
    let selected = Memo::new(move |_| parse_route(&location.pathname.get()).1);

    let start = move |k: TrainingItemKind| {
        kind.set(k);
        name.set(open.id.get_value());
        up_to.set(selected.get_untracked().is_some());
        error.set(None);
        shown.set(true);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let item = SaveTrainingItem {
            kind: kind.get_untracked(),
            name: name.get_untracked().trim().to_owned(),
            conversation_id: open.id.get_value(),
            until_event_id: selected.get_untracked().filter(|_| up_to.get_untracked()),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = api::training::save_item(&item).await;
            busy.try_set(false);
            match answer {
                Ok(saved) => {
                    shown.try_set(false);
                    ws.notify(format!(
                        "Saved as {} “{}” (see Training data).",
                        kind_label(saved.kind),
                        saved.name
                    ));
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    };
    let name_wrong = move || {
        error.with(|e| {
            e.as_ref()
                .is_some_and(|e| e.field.as_deref() == Some("name"))
        })
    };

    view! {
        <button class="btn" id="save-as-story" on:click=move |_| start(TrainingItemKind::Story)>"Save as story"</button>
        <button class="btn" id="save-as-test" on:click=move |_| start(TrainingItemKind::TestStory)>"Save as test"</button>
        <Show when=move || shown.get()>
            <div class="overlay" on:click=move |_| shown.set(false)>
                <div class="dialog" id="save-item-dialog" role="dialog" aria-modal="true" aria-labelledby="save-item-title"
                    node_ref=dialog on:click=|ev| ev.stop_propagation()
                    on:keydown=move |ev| if ev.key() == "Escape" { shown.set(false) } else { trap_focus(ev) }>
                    <form on:submit=save>
                        // No close button first: focus lands on the name (Cancel and Esc close).
                        <h3 id="save-item-title">"Save as training data"</h3>
                        <label class="field">"Name"
                            <input id="save-item-name" name="name" required autocomplete="off" aria-invalid=move || name_wrong().to_string()
                                prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                        </label>
                        <label class="field">"Kind"
                            <select id="save-item-kind" name="kind" on:change=move |ev| {
                                if let Ok(k) = event_target_value(&ev).parse() { kind.set(k) }
                            }>
                                {TrainingItemKind::ALL.into_iter().map(|k| view! {
                                    <option value=k.as_str() selected=move || kind.get() == k>{kind_label(k)}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <label class="check">
                            <input type="checkbox" id="save-item-up-to" name="up_to" disabled=move || selected.get().is_none()
                                prop:checked=up_to on:change=move |ev| up_to.set(event_target_checked(&ev))/>
                            {move || match selected.get() {
                                Some(e) => format!("Up to the selected message (event {e})"),
                                None => "Up to the selected message (none selected: the whole conversation)".to_owned(),
                            }}
                        </label>
                        {move || error.get().map(|e| view! { <ErrorBox message=e.message/> })}
                        <div class="row-buttons">
                            <button type="submit" class="btn btn-primary" id="save-item" disabled=busy>"Save"</button>
                            <button type="button" class="btn" on:click=move |_| shown.set(false)>"Cancel"</button>
                        </div>
                    </form>
                </div>
            </div>
        </Show>
    }
}
