//! `/queues/{queue_id}/review`: a review session. "Review next" (`n`) reserves the queue's
//! next conversation for the reviewer and shows its transcript beside the queue's rubric;
//! submitting (`Ctrl+Enter`, or `Enter` outside a text field) stores the answers and loads
//! the next one, `s` skips it, `r` or `Esc` releases it.

use std::collections::{BTreeMap, HashMap, HashSet};

use hindsight_types::{
    ConversationDetail, EventWindow, Queue, QueueAssignment, ReviewSubmission, WindowAnchor,
};
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos_router::hooks::use_location;

use crate::api;
use crate::components::comments::{load_comments, ConversationComments};
use crate::components::common::{load_error, ErrorBox, Spinner};
use crate::components::event_store::EventStore;
use crate::components::rubric_form::{focus_question, unanswered, Answers, RubricForm};
use crate::components::transcript::{Transcript, DRAW_WHOLE};
use crate::format::{local, now_ms};
use crate::load::fetch;
use crate::state::{workspace, OpenConversation};

/// The keys of a session, as the legend shows them.
pub const REVIEW_KEYS: [(&str, &str); 7] = [
    ("n", "Review next"),
    ("1–9, p / f", "Answer the focused question"),
    ("↓ / ↑, Tab", "Next / previous question"),
    (
        "Ctrl+Enter",
        "Submit and load the next (Enter outside a text field)",
    ),
    ("s", "Skip: leave it to other reviewers"),
    ("r, Esc", "Release it back to the queue"),
    ("Esc in a text field", "Leave the field"),
];

/// Where a session is.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    /// Nothing reserved yet: press "Review next".
    Ready,
    /// A conversation reserved for the reviewer.
    Reviewing(Box<QueueAssignment>),
    /// Nothing left for this reviewer (the server's words).
    Empty(String),
}

/// The queue's id in `/queues/{queue_id}/review`.
pub fn queue_of(path: &str) -> Option<i64> {
    path.strip_prefix("/queues/")?
        .strip_suffix("/review")?
        .parse()
        .ok()
}

/// The page: loads the queue (its name and rubric), then the session.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let location = use_location();
    let queue_id = Memo::new(move |_| queue_of(location.pathname.get().trim_end_matches('/')));
    let queue = fetch(move || {
        let id = queue_id.get();
        async move {
            match id {
                Some(id) => api::queues::queue(id).await,
                None => Err(api::ApiFailure {
                    status: 404,
                    message: "No such queue.".into(),
                    field: None,
                }),
            }
        }
    });
    move || match queue.get() {
        None => view! { <Spinner label="Loading the queue…"/> }.into_any(),
        Some(Ok(q)) => view! { <ReviewSession queue=q/> }.into_any(),
        Some(Err(e)) => view! { <div class="empty-state">{load_error(&e)}</div> }.into_any(),
    }
}

#[component]
fn ReviewSession(queue: Queue) -> impl IntoView {
    let queue_id = queue.id;
    let rubric = StoredValue::new(queue.rubric.clone());
    let phase = RwSignal::new(Phase::Ready);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let note = RwSignal::new(String::new());
    let answers: Answers = RwSignal::new(BTreeMap::new());
    let missing = RwSignal::new(Vec::<String>::new());
    let reviewed = RwSignal::new(0u32);

    let load_next = Callback::new(move |()| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let answer = api::queues::next(queue_id).await;
            busy.try_set(false);
            match answer {
                Ok(a) => {
                    answers.try_set(BTreeMap::new());
                    missing.try_set(Vec::new());
                    phase.try_set(Phase::Reviewing(Box::new(a)));
                }
                Err(f) if f.status == 404 => {
                    phase.try_set(Phase::Empty(f.message));
                }
                // A paused queue (409) among them: said as the server says it.
                Err(f) => {
                    error.try_set(Some(f.message));
                }
            }
        });
    });
    let current = move || match phase.get_untracked() {
        Phase::Reviewing(a) => Some(a.conversation.id),
        _ => None,
    };
    let submit = Callback::new(move |()| {
        let Some(conversation) = current() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        let given = answers.get_untracked();
        let lacking = rubric.with_value(|r| unanswered(r, &given));
        if let Some(first) = lacking.first() {
            let prompts = rubric.with_value(|r| {
                r.iter()
                    .filter(|q| lacking.contains(&q.id))
                    .map(|q| q.prompt.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            });
            error.set(Some(format!(
                "Answer the required questions first: {prompts}"
            )));
            let at = rubric.with_value(|r| r.iter().position(|q| q.id == *first));
            missing.set(lacking);
            rubric.with_value(|r| focus_question(r, at.unwrap_or(0)));
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let review = ReviewSubmission { answers: given };
            let answer = api::queues::submit(queue_id, &conversation, &review).await;
            busy.try_set(false);
            match answer {
                Ok(_) => {
                    reviewed.try_update(|n| *n += 1);
                    note.try_set(format!("Review of {conversation} saved."));
                    load_next.run(());
                }
                Err(f) => {
                    // The server names the answer it refused (`answers.tone`): mark it.
                    let field = f.field.clone().unwrap_or_default();
                    let refused = field.strip_prefix("answers.").map(str::to_owned);
                    let shown = match &field {
                        f2 if f2.is_empty() => f.message.clone(),
                        f2 => format!("{} ({f2})", f.message),
                    };
                    error.try_set(Some(format!("The review was not saved: {shown}")));
                    if let Some(id) = refused {
                        let at = rubric.with_value(|r| r.iter().position(|q| q.id == id));
                        missing.try_set(vec![id]);
                        if let Some(at) = at {
                            rubric.with_value(|r| focus_question(r, at));
                        }
                    }
                }
            }
        });
    });
    // Skip (`skip = true`) or release the reserved conversation.
    let give_back = Callback::new(move |skip: bool| {
        let Some(conversation) = current() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let answer = if skip {
                api::queues::skip(queue_id, &conversation).await
            } else {
                api::queues::release(queue_id, &conversation).await
            };
            busy.try_set(false);
            match answer {
                Ok(()) if skip => {
                    note.try_set(format!("Skipped {conversation}: left to other reviewers."));
                    load_next.run(());
                }
                Ok(()) => {
                    note.try_set(format!("Released {conversation} back to the queue."));
                    phase.try_set(Phase::Ready);
                }
                Err(f) => {
                    error.try_set(Some(f.message));
                }
            }
        });
    });

    install_keys(phase, load_next, submit, give_back);

    // Focus follows the session: the first question of a new reservation, else the button.
    Effect::new(move |_| {
        let reviewing = matches!(phase.get(), Phase::Reviewing(_));
        request_animation_frame(move || {
            if reviewing {
                rubric.with_value(|r| focus_question(r, 0));
            } else if let Some(b) = document()
                .get_element_by_id("review-next")
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = b.focus();
            }
        });
    });

    let next_button = move |label: &'static str| {
        view! {
            <button class="btn btn-primary" id="review-next" aria-keyshortcuts="n"
                disabled=move || busy.get() on:click=move |_| load_next.run(())>{label}<kbd aria-hidden="true">"n"</kbd></button>
        }
    };
    let conversation_pane = move || match phase.get() {
        Phase::Ready => view! {
            <div class="empty-state review-ready">
                <p>"Press Review next (n) to reserve a conversation of this queue for you."</p>
                {next_button("Review next ")}
            </div>
        }
        .into_any(),
        Phase::Empty(why) => view! {
            <div class="empty-state" id="queue-empty">
                <h2>"Nothing left to review"</h2>
                <p>{why}</p>
                {next_button("Check again ")}
            </div>
        }
        .into_any(),
        Phase::Reviewing(a) => view! { <ReservedConversation assignment=*a/> }.into_any(),
    };
    let rubric_pane = move || {
        let Phase::Reviewing(a) = phase.get() else {
            return None;
        };
        let id = a.conversation.id.clone();
        Some(view! {
            <section class="rubric" id="rubric" tabindex="-1" aria-label="Rubric">
                <h2>"Rubric"</h2>
                <RubricForm rubric=rubric answers=answers missing=missing conversation_id=id/>
                <div class="row-buttons">
                    <button class="btn btn-primary" id="review-submit" aria-keyshortcuts="Control+Enter"
                        disabled=move || busy.get() on:click=move |_| submit.run(())>"Submit and next"</button>
                    <button class="btn" id="review-skip" aria-keyshortcuts="s"
                        disabled=move || busy.get() on:click=move |_| give_back.run(true)>"Skip"</button>
                    <button class="btn" id="review-release" aria-keyshortcuts="r Escape"
                        disabled=move || busy.get() on:click=move |_| give_back.run(false)>"Release"</button>
                </div>
            </section>
        })
    };
    let name = queue.name.clone();
    view! {
        <div class="review-page" data-queue=queue_id>
            <header class="review-head">
                <h1>{format!("Review: {name}")}</h1>
                <a href="/queues">"All queues"</a>
                <span class="muted small" id="session-count">
                    {move || format!("{} reviewed in this session", reviewed.get())}
                </span>
                <span class="muted small review-note" role="status" aria-live="polite">{move || note.get()}</span>
                {queue.paused.then(|| view! { <span class="badge">"Paused"</span> })}
            </header>
            {move || error.get().map(|e| view! { <div id="review-error"><ErrorBox message=e/></div> })}
            <div class="review-body">
                <div class="review-conversation">{conversation_pane}</div>
                <aside class="review-side">
                    {rubric_pane}
                    <KeyLegend/>
                </aside>
            </div>
        </div>
    }
}

/// The session's keys, on the window while the session is shown. Digits and arrows are the
/// questions' own (see [`RubricForm`]); what they handled arrives here marked handled.
fn install_keys(
    phase: RwSignal<Phase>,
    load_next: Callback<()>,
    submit: Callback<()>,
    give_back: Callback<bool>,
) {
    let ws = workspace();
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.default_prevented() || ev.alt_key() || ev.meta_key() || ws.help_open.get_untracked() {
            return;
        }
        let reviewing = matches!(phase.get_untracked(), Phase::Reviewing(_));
        let key = ev.key();
        if key == "Enter" && ev.ctrl_key() {
            if reviewing {
                ev.prevent_default();
                submit.run(());
            }
            return;
        }
        if ev.ctrl_key() {
            return;
        }
        let target = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let typing = target.as_ref().is_some_and(|el| {
            let tag = el.tag_name().to_ascii_lowercase();
            let radio = el
                .get_attribute("type")
                .is_some_and(|t| t == "radio" || t == "checkbox");
            tag == "textarea" || tag == "select" || (tag == "input" && !radio)
        });
        let on_control = target
            .as_ref()
            .and_then(|el| el.closest("button, a[href], summary").ok().flatten())
            .is_some();
        if typing {
            return;
        }
        // Single-character keys honour the "shortcuts on" setting (WCAG 2.1.4).
        let single = ws.shortcuts_on.get_untracked();
        match key.as_str() {
            "Enter" if reviewing && !on_control => submit.run(()),
            "Escape" if reviewing => give_back.run(false),
            "n" if single && !reviewing => load_next.run(()),
            "s" if single && reviewing => give_back.run(true),
            "r" if single && reviewing => give_back.run(false),
            _ => return,
        }
        ev.prevent_default();
    });
    on_cleanup(move || handle.remove());
}

/// The key legend beside the rubric.
#[component]
fn KeyLegend() -> impl IntoView {
    view! {
        <section class="key-legend" aria-labelledby="key-legend-title">
            <h2 id="key-legend-title">"Keys"</h2>
            <table class="kv shortcuts">
                {REVIEW_KEYS.iter().map(|(k, what)| view! { <tr><td><kbd>{*k}</kbd></td><td>{*what}</td></tr> }).collect_view()}
            </table>
        </section>
    }
}

/// The reserved conversation: who, until when, and its transcript (read only).
#[component]
fn ReservedConversation(assignment: QueueAssignment) -> impl IntoView {
    let id = assignment.conversation.id.clone();
    let detail = fetch({
        let id = id.clone();
        move || {
            let window = EventWindow {
                anchor: WindowAnchor::Start,
                limit: DRAW_WHOLE as u32,
            };
            let id = id.clone();
            async move { api::conversations::window(&id, window).await }
        }
    });
    // A clock for the time left, ticking while the reservation is shown.
    let now = RwSignal::new(now_ms());
    if let Ok(tick) = set_interval_with_handle(
        move || {
            now.try_set(now_ms());
        },
        std::time::Duration::from_secs(15),
    ) {
        on_cleanup(move || tick.clear());
    }
    let until = assignment.reserved_until;
    let left = move || {
        let minutes = ((until.timestamp_millis() as f64 - now.get()) / 60_000.0).ceil();
        if minutes <= 0.0 {
            "expired: ask for the next one".to_owned()
        } else {
            format!("{minutes} min left")
        }
    };
    view! {
        <div class="review-conversation-head">
            <h2 id="conversation-title" tabindex="-1">{id.clone()}</h2>
            <p class="muted small">
                <span id="reserved-until">{format!("Reserved for you until {}", local(until))}</span>
                {move || format!(" ({})", left())}
                {format!(" · review {} of {}", assignment.reviews_done + 1, assignment.reviews_needed)}
            </p>
        </div>
        {move || match detail.get() {
            None => view! { <Spinner label="Loading the conversation…"/> }.into_any(),
            Some(Ok(d)) => view! { <ReadOnlyTranscript detail=d/> }.into_any(),
            Some(Err(e)) => load_error(&e),
        }}
    }
}

/// The inbox's transcript, read only (a click selects a message, nothing changes it), with
/// the comments: those on messages inline, those on the conversation above it, where the
/// reviewer adds one (Ctrl+Enter there sends the comment, not the review).
#[component]
fn ReadOnlyTranscript(detail: ConversationDetail) -> impl IntoView {
    let ConversationDetail {
        summary,
        events,
        total_events,
        latest_event_id,
        ..
    } = detail;
    let open = OpenConversation {
        id: StoredValue::new(summary.id.clone()),
        flags: RwSignal::new(HashSet::new()),
        notes: RwSignal::new(HashMap::new()),
        comments: RwSignal::new(Vec::new()),
        seen_event_id: StoredValue::new(latest_event_id),
        summary: RwSignal::new(summary),
        tag_open: RwSignal::new(false),
        ws: workspace(),
    };
    load_comments(open);
    let store = EventStore::new(open.id.get_value(), total_events, events);
    let chosen = RwSignal::new(None::<i64>);
    let selected = Memo::new(move |_| chosen.get());
    let select = Callback::new(move |e: Option<i64>| chosen.set(e));
    view! {
        <div class="review-comments"><ConversationComments open=open read_only=false/></div>
        <Transcript store=store open=open selected=selected select=select
            show_slots=RwSignal::new(false) show_listen=RwSignal::new(false) read_only=true
            scroll_to=RwSignal::new(None)/>
    }
}

#[cfg(test)]
mod tests {
    use super::queue_of;

    #[test]
    fn reads_the_queue_from_the_path() {
        assert_eq!(queue_of("/queues/12/review"), Some(12));
        assert_eq!(queue_of("/queues/x/review"), None);
        assert_eq!(queue_of("/queues/12"), None);
    }
}
