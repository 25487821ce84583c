//! `/queues`: the review queues the reviewer may work, each with its progress and a link to
//! a review session.

use hindsight_types::{Queue, QueueProgress, Role, UserInfo};
use leptos::prelude::*;

use crate::api;
use crate::components::common::{load_error, Spinner};
use crate::load::fetch;

/// Whether `user` may work `queue`: a reviewer or above, and an assignee when it has any.
pub fn may_review(queue: &Queue, user: &UserInfo) -> bool {
    user.role != Role::Viewer
        && (queue.assignees.is_empty() || queue.assignees.contains(&user.username))
}

/// The reviews a queue needs in all and the share done, as a sentence.
pub fn progress_text(p: &QueueProgress) -> String {
    let needed = p.sampled * p.reviewers_per_conversation;
    format!(
        "{} of {needed} reviews done · {} reserved · {} remaining · {} of {} conversations complete",
        p.done, p.reserved, p.remaining, p.conversations_complete, p.sampled
    )
}

/// The page.
#[component]
pub fn QueuesPage() -> impl IntoView {
    let queues = fetch(api::queues::queues);
    let me = api::session();
    let listing = move || {
        let answer = queues.get()?;
        Some(match answer {
            Ok(all) => {
                let mine: Vec<Queue> = me.with(|u| {
                    all.into_iter()
                        .filter(|q| u.as_ref().is_some_and(|u| may_review(q, u)))
                        .collect()
                });
                if mine.is_empty() {
                    return Some(view! {
                        <p class="muted" id="no-queues">"No review queue is open to you. An admin creates queues (see “Review queues” in the README)."</p>
                    }.into_any());
                }
                view! {
                    <ul class="queue-list">
                        {mine.into_iter().map(|q| view! { <QueueRow queue=q/> }).collect_view()}
                    </ul>
                }
                .into_any()
            }
            Err(e) => load_error(&e),
        })
    };
    view! {
        <div class="training-page queues-page">
            <section class="card">
                <h1>"Review queues"</h1>
                <p class="muted">"Conversations handed out one at a time and answered against the queue's rubric. Open a queue and press Review next (n)."</p>
                {move || listing().unwrap_or_else(|| view! { <Spinner label="Loading the queues…"/> }.into_any())}
            </section>
        </div>
    }
}

#[component]
fn QueueRow(queue: Queue) -> impl IntoView {
    let id = queue.id;
    let progress = fetch(move || api::queues::progress(id));
    let questions = queue.rubric.len();
    let href = format!("/queues/{id}/review");
    view! {
        <li class="queue-row" data-queue=id>
            <div class="queue-title">
                <h2>{queue.name.clone()}</h2>
                {queue.paused.then(|| view! { <span class="badge">"Paused"</span> })}
            </div>
            <p class="muted small">
                {format!("{questions} question{} · {} per conversation", if questions == 1 { "" } else { "s" },
                    queue.reviewers_per_conversation)}
            </p>
            <p class="small queue-progress">
                {move || match progress.get() {
                    None => "Loading progress…".to_owned(),
                    Some(Ok(p)) => progress_text(&p),
                    Some(Err(e)) => e.message,
                }}
            </p>
            <a class="btn btn-primary" id=format!("review-queue-{id}") href=href
                aria-label=format!("Review {}", queue.name)>"Review"</a>
        </li>
    }
}
