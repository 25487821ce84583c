//! The admin page's "Review queues" section: every queue with its state and progress, rename,
//! pause and resume, edit (its rubric, assignees, reviewers and reservation, in the queue
//! form), delete (confirmed inline), the disagreements of a queue with several reviewers per
//! conversation (settled there), and the new-queue form.

use hindsight_types::{Queue, QueueSource, QueueUpdate};
use leptos::prelude::*;

use crate::api::{self, ApiResult};
use crate::components::common::{load_error, Spinner};
use crate::components::queue_disagreements::QueueDisagreements;
use crate::components::queue_draft::sampling_text;
use crate::components::queue_form::QueueForm;
use crate::load::fetch;
use crate::pages::queues::progress_text;
use crate::state::workspace;

/// The section.
#[component]
pub fn QueueAdmin() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let queues = fetch(move || {
        version.track();
        api::queues::queues()
    });
    view! {
        <section class="card" id="queue-admin" aria-labelledby="queue-admin-title">
            <h2 id="queue-admin-title">"Review queues"</h2>
            <p class="muted">"Queues hand conversations to reviewers one at a time, to be answered against the queue's rubric. Source and sampling are fixed once a queue is created."</p>
            {move || queues.get().map(|r| match r {
                Ok(list) if list.is_empty() => view! { <p class="muted" id="no-admin-queues">"No review queue yet."</p> }.into_any(),
                Ok(list) => view! {
                    <table class="table queue-table">
                        <thead><tr>
                            <th scope="col">"Name"</th><th scope="col">"State"</th><th scope="col">"Source"</th>
                            <th scope="col">"Sampling"</th><th scope="col">"Progress"</th><th scope="col">"Actions"</th>
                        </tr></thead>
                        <tbody>{list.into_iter().map(|q| view! { <QueueAdminRow queue=q version/> }).collect_view()}</tbody>
                    </table>
                }.into_any(),
                Err(e) => load_error(&e),
            }).unwrap_or_else(|| view! { <Spinner label="Loading the queues…"/> }.into_any())}
            <QueueForm version/>
        </section>
    }
}

/// What a queue's row shows below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// Nothing.
    Closed,
    /// The edit form.
    Edit,
    /// The disagreements to settle.
    Disagreements,
}

/// Opens `what` below the row, or closes it when it is open already.
fn toggle_detail(detail: RwSignal<Detail>, what: Detail) {
    detail.update(|d| *d = if *d == what { Detail::Closed } else { what });
}

/// Runs a change to a queue, then reloads the list or shows the failure in the row.
fn change<T: 'static>(
    version: RwSignal<u32>,
    error: RwSignal<Option<String>>,
    ok: String,
    fut: impl std::future::Future<Output = ApiResult<T>> + 'static,
) {
    // Read here: the context is gone once the request has been awaited.
    let ws = workspace();
    leptos::task::spawn_local(async move {
        match fut.await {
            Ok(_) => {
                ws.notify(ok);
                version.try_update(|v| *v += 1);
            }
            Err(e) => {
                error.try_set(Some(e.message));
            }
        }
    });
}

#[component]
fn QueueAdminRow(queue: Queue, version: RwSignal<u32>) -> impl IntoView {
    let id = queue.id;
    let progress = fetch(move || api::queues::progress(id));
    let error = RwSignal::new(None::<String>);
    let renaming = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let detail = RwSignal::new(Detail::Closed);
    let pairs = queue.reviewers_per_conversation >= 2;
    let stored = StoredValue::new(queue.clone());
    let new_name = RwSignal::new(queue.name.clone());
    let name = StoredValue::new(queue.name.clone());
    let paused = queue.paused;
    let source = match queue.source {
        QueueSource::Filter { filter_id } => format!("saved filter #{filter_id}"),
        QueueSource::Explicit => "explicit".to_owned(),
    };
    let (name_input, confirm_button) = (
        NodeRef::<leptos::html::Input>::new(),
        NodeRef::<leptos::html::Button>::new(),
    );
    // The button pressed goes away: the focus moves to what replaces it.
    let show =
        move |shown: RwSignal<bool>,
              focus: fn(NodeRef<leptos::html::Input>, NodeRef<leptos::html::Button>)| {
            shown.set(true);
            request_animation_frame(move || focus(name_input, confirm_button));
        };
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let update = QueueUpdate {
            name: Some(new_name.get_untracked().trim().to_owned()),
            ..Default::default()
        };
        change(version, error, "Queue renamed.".into(), async move {
            api::queues::update(id, &update).await
        });
    };
    let toggle = move |_| {
        let update = QueueUpdate {
            paused: Some(!paused),
            ..Default::default()
        };
        let ok = if paused {
            "Queue resumed."
        } else {
            "Queue paused."
        };
        change(version, error, ok.into(), async move {
            api::queues::update(id, &update).await
        });
    };
    let delete = move |_| {
        change(
            version,
            error,
            format!("Queue “{}” deleted.", name.get_value()),
            async move { api::queues::delete(id).await },
        );
    };
    view! {
        <tr class="admin-queue" data-queue=id data-name=queue.name.clone()>
            <td>
                <Show when=move || renaming.get() fallback=move || name.get_value()>
                    <form class="inline-form" on:submit=rename>
                        <label>"New name "<input name="rename" required node_ref=name_input prop:value=new_name
                            on:input=move |ev| new_name.set(event_target_value(&ev))/></label>
                        <button class="btn btn-small btn-primary" type="submit">"Save"</button>
                        <button class="btn btn-small btn-ghost" type="button" on:click=move |_| renaming.set(false)>"Cancel"</button>
                    </form>
                </Show>
            </td>
            <td class="queue-state">{if paused { "Paused" } else { "Active" }}</td>
            <td>{source}</td>
            <td>{sampling_text(&queue.sampling)}</td>
            <td class="small">
                {format!("{} sampled of {} · {} questions · ", queue.sampled, queue.population, queue.rubric.len())}
                {move || progress.get().map(|r| match r {
                    Ok(p) => progress_text(&p),
                    Err(e) => e.message,
                })}
            </td>
            <td class="queue-actions">
                <button class="btn btn-small" name="rename-queue" on:click=move |_| show(renaming, |i, _| {
                    if let Some(el) = i.get_untracked() { let _ = el.focus(); }
                })
                    aria-label=format!("Rename {}", queue.name)>"Rename"</button>
                <button class="btn btn-small" name="pause-queue" on:click=toggle
                    aria-label=format!("{} {}", if paused { "Resume" } else { "Pause" }, queue.name)>
                    {if paused { "Resume" } else { "Pause" }}</button>
                <Show when=move || confirming.get() fallback=move || view! {
                    <button class="btn btn-small btn-danger" name="delete-queue" on:click=move |_| show(confirming, |_, b| {
                        if let Some(el) = b.get_untracked() { let _ = el.focus(); }
                    })
                        aria-label=format!("Delete {}", name.get_value())>"Delete"</button>
                }>
                    <span class="confirm" role="group" aria-label="Confirm deletion">
                        {format!("Delete “{}” and its reviews? ", name.get_value())}
                        <button class="btn btn-small btn-danger" name="confirm-delete" node_ref=confirm_button on:click=delete>"Delete queue"</button>
                        <button class="btn btn-small btn-ghost" name="cancel-delete" on:click=move |_| confirming.set(false)>"Cancel"</button>
                    </span>
                </Show>
                <button class="btn btn-small" name="edit-queue" aria-expanded=move || (detail.get() == Detail::Edit).to_string()
                    on:click=move |_| toggle_detail(detail, Detail::Edit)
                    aria-label=format!("Edit {}", name.get_value())>"Edit"</button>
                {pairs.then(|| view! {
                    <button class="btn btn-small" name="queue-disagreements" aria-expanded=move || (detail.get() == Detail::Disagreements).to_string()
                        on:click=move |_| toggle_detail(detail, Detail::Disagreements)
                        aria-label=format!("Disagreements of {}", name.get_value())>"Disagreements"</button>
                })}
                {move || error.get().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
            </td>
        </tr>
        {move || match detail.get() {
            Detail::Closed => None,
            Detail::Edit => Some(view! {
                <tr class="queue-detail"><td colspan="6">
                    <QueueForm version editing=stored.get_value() on_cancel=Callback::new(move |()| detail.set(Detail::Closed))/>
                </td></tr>
            }.into_any()),
            Detail::Disagreements => Some(view! {
                <tr class="queue-detail"><td colspan="6">
                    <QueueDisagreements queue=stored.get_value()/>
                </td></tr>
            }.into_any()),
        }}
    }
}
