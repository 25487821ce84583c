//! The inbox's "Add to queue…": the conversations of the list as filtered (every page, as
//! "Mark all reviewed" takes them) added to a review queue whose source is an explicit
//! selection — the server adds every match of the list's filter, however many — with a
//! message saying how many were added and how many it held already.

use hindsight_types::{Queue, QueueConversationsAdded, QueueSource};
use leptos::prelude::*;

use crate::api;
use crate::components::common::focus_by_id as focus;

fn conversations(n: i64) -> String {
    format!("{n} conversation{}", if n == 1 { "" } else { "s" })
}

/// What adding did, said for people.
pub fn added_message(queue: &str, r: &QueueConversationsAdded) -> String {
    let sampled = if r.sampled == r.added {
        String::new()
    } else {
        format!(" ({} sampled for review)", r.sampled)
    };
    format!(
        "{} added to “{queue}”{sampled}; {} already there.",
        conversations(r.added),
        r.already_present
    )
}

/// The button and its form; `query` is the list's filter, `count` how many it holds.
/// `id_prefix` keeps its elements' ids unique where several stand on one page (a Discover
/// group's `group-7-`).
#[component]
pub fn AddToQueue(
    query: Memo<String>,
    count: Signal<Option<i64>>,
    #[prop(optional, into)] id_prefix: String,
) -> impl IntoView {
    let prefix = StoredValue::new(id_prefix);
    let id_of = move |name: &str| prefix.with_value(|p| format!("{p}{name}"));
    let open = RwSignal::new(false);
    let queues = RwSignal::new(None::<Result<Vec<Queue>, String>>);
    let chosen = RwSignal::new(None::<i64>);
    let busy = RwSignal::new(false);
    // The last result: (failed, message).
    let said = RwSignal::new(None::<(bool, String)>);
    let show = move |_| {
        open.set(true);
        said.set(None);
        leptos::task::spawn_local(async move {
            let answer = api::queues::queues()
                .await
                .map_err(|e| e.message)
                .map(|all| {
                    all.into_iter()
                        .filter(|q| q.source == QueueSource::Explicit)
                        .collect::<Vec<_>>()
                });
            if let Ok(list) = &answer {
                chosen.try_set(list.first().map(|q| q.id));
            }
            queues.try_set(Some(answer));
            request_animation_frame(move || focus(&id_of("add-to-queue-choice")));
        });
    };
    let close = move || {
        open.set(false);
        request_animation_frame(move || focus(&id_of("add-to-queue")));
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(id) = chosen.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        let name = queues.with_untracked(|q| {
            q.as_ref()
                .and_then(|q| q.as_ref().ok())
                .and_then(|l| l.iter().find(|q| q.id == id).map(|q| q.name.clone()))
                .unwrap_or_default()
        });
        let q = query.get_untracked();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = match count.get_untracked() {
                Some(0) => Err("This list holds no conversation.".to_owned()),
                _ => api::queues::add_matching(id, &q)
                    .await
                    .map(|r| added_message(&name, &r))
                    .map_err(|e| e.message),
            };
            let done = result.is_ok();
            said.try_set(Some(match result {
                Ok(m) => (false, m),
                Err(m) => (true, m),
            }));
            busy.try_set(false);
            if done {
                open.try_set(false);
                request_animation_frame(move || focus(&id_of("add-to-queue")));
            }
        });
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            close();
        }
    };
    let choices = move || {
        match queues.get() {
        None => view! { <span class="muted small">"Loading the queues…"</span> }.into_any(),
        Some(Err(m)) => view! { <span class="field-error" role="alert">{m}</span> }.into_any(),
        Some(Ok(list)) if list.is_empty() => view! {
            <span class="muted small" id=id_of("no-explicit-queue")>"No queue takes conversations by id: create one with an explicit source on the admin page."</span>
        }.into_any(),
        Some(Ok(list)) => view! {
            <label>"Queue "<select id=id_of("add-to-queue-choice") on:change=move |ev| chosen.set(event_target_value(&ev).parse().ok())>
                {list.into_iter().map(|q| view! {
                    <option value=q.id.to_string() selected=move || chosen.get() == Some(q.id)>{q.name}</option>
                }).collect_view()}
            </select></label>
            <button class="btn btn-small btn-primary" type="submit" id=id_of("add-to-queue-submit") disabled=move || busy.get()>
                {move || match count.get() {
                    Some(n) => format!("Add {}", conversations(n)),
                    None => "Add".to_owned(),
                }}
            </button>
        }.into_any(),
    }
    };
    view! {
        <span class="add-to-queue">
            <Show when=move || open.get() fallback=move || view! {
                <button class="btn btn-small" id=id_of("add-to-queue") aria-haspopup="true" on:click=show
                    title="Add the conversations of this list to a review queue of explicit selection">"Add to queue…"</button>
            }>
                <form class="inline-form" id=id_of("add-to-queue-form") on:submit=submit on:keydown=on_keydown aria-label="Add this list to a queue">
                    {choices}
                    <button class="btn btn-small btn-ghost" type="button" on:click=move |_| close()>"Cancel"</button>
                </form>
            </Show>
            {move || said.get().map(|(failed, m)| view! {
                <span class=if failed { "field-error" } else { "add-to-queue-result" } role=if failed { "alert" } else { "status" }
                    id=id_of("add-to-queue-message")>{m}</span>
            })}
        </span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_says_what_was_added_and_what_was_there() {
        let r = QueueConversationsAdded {
            added: 3,
            sampled: 3,
            already_present: 2,
        };
        assert_eq!(
            added_message("Weekly", &r),
            "3 conversations added to “Weekly”; 2 already there."
        );
        let r = QueueConversationsAdded {
            added: 1,
            sampled: 0,
            already_present: 0,
        };
        assert_eq!(
            added_message("Weekly", &r),
            "1 conversation added to “Weekly” (0 sampled for review); 0 already there."
        );
    }
}
