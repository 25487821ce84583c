//! A queue's disagreements, for the admin page: each conversation whose reviews answer a
//! question differently, the answers side by side by reviewer, and a form to settle it with
//! the final answers (the rubric's own form, the questions the reviews agree on filled in).

use std::collections::BTreeMap;

use hindsight_types::{Disagreement, Queue, ReviewSubmission, RubricQuestion};
use leptos::prelude::*;
use serde_json::Value;

use crate::api;
use crate::components::common::{load_error, ErrorBox, Spinner};
use crate::components::rubric_form::{focus_question, unanswered, RubricForm};
use crate::format::local_time;
use crate::state::{conversation_href, workspace};

/// An answer as a reviewer reads it.
pub fn shown(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::Bool(true)) => "Pass".to_owned(),
        Some(Value::Bool(false)) => "Fail".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The answers every review that answered a question agrees on: what a settlement starts
/// from (the disputed questions are left for the admin to choose).
pub fn agreed(d: &Disagreement) -> BTreeMap<String, Value> {
    let mut out: BTreeMap<String, Option<Value>> = BTreeMap::new();
    for review in &d.reviews {
        for (q, v) in &review.answers {
            out.entry(q.clone())
                .and_modify(|seen| {
                    if seen.as_ref() != Some(v) {
                        *seen = None;
                    }
                })
                .or_insert_with(|| Some(v.clone()));
        }
    }
    out.into_iter().filter_map(|(q, v)| Some((q, v?))).collect()
}

/// The list, a page at a time. A settled disagreement leaves it; the queue's row and its
/// progress stay as they are (a settlement changes neither), so the list stays open.
#[component]
pub fn QueueDisagreements(queue: Queue) -> impl IntoView {
    let ws = workspace();
    let id = queue.id;
    let rubric = StoredValue::new(queue.rubric.clone());
    let items = RwSignal::new(Vec::<Disagreement>::new());
    let next = RwSignal::new(None::<String>);
    let counts = RwSignal::new((0i64, 0i64));
    let loading = RwSignal::new(false);
    let first = RwSignal::new(None::<Result<(), api::ApiFailure>>);
    // The conversation whose settle form is open (one at a time).
    let open = RwSignal::new(None::<String>);
    let load = move |cursor: Option<String>| {
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        leptos::task::spawn_local(async move {
            let more = cursor.is_some();
            match api::queues::disagreements(id, cursor.as_deref()).await {
                Ok(page) => {
                    items.try_update(|list| {
                        if !more {
                            list.clear();
                        }
                        list.extend(page.disagreements);
                    });
                    next.try_set(page.next_cursor);
                    counts.try_set((page.total, page.settled));
                    first.try_set(Some(Ok(())));
                }
                Err(e) if more => ws.fail(e),
                Err(e) => {
                    first.try_set(Some(Err(e)));
                }
            }
            loading.try_set(false);
        });
    };
    load(None);
    let settled = move |conversation: String| {
        items.update(|list| list.retain(|d| d.conversation_id != conversation));
        counts.update(|(total, settled)| {
            *total -= 1;
            *settled += 1;
        });
        open.set(None);
    };
    view! {
        <section class="disagreements" id=format!("disagreements-{id}") aria-label=format!("Disagreements of {}", queue.name)>
            <h3>{format!("Disagreements of “{}”", queue.name)}</h3>
            <p class="muted small">{move || {
                let (total, settled) = counts.get();
                format!("{total} to settle · {settled} settled. The findings count a settled conversation with its final answers; agreement stays the reviewers'.")
            }}</p>
            {move || match first.get() {
                None => view! { <Spinner label="Loading the disagreements…"/> }.into_any(),
                Some(Err(e)) => load_error(&e),
                Some(Ok(())) if items.with(Vec::is_empty) => view! {
                    <p class="empty-state no-disagreements">"No disagreement to settle: the reviews agree on every pass/fail, label and scale question."</p>
                }.into_any(),
                Some(Ok(())) => view! {
                    <ul class="disagreement-list">
                        <For each=move || items.get() key=|d| d.conversation_id.clone() let(d)>
                            <DisagreementItem queue_id=id d=d rubric open on_settled=Callback::new(settled)/>
                        </For>
                    </ul>
                }.into_any(),
            }}
            {move || next.get().map(|cursor| view! {
                <button class="btn btn-small" name="more-disagreements" disabled=move || loading.get()
                    on:click=move |_| load(Some(cursor.clone()))>"Show older disagreements"</button>
            })}
        </section>
    }
}

#[component]
fn DisagreementItem(
    queue_id: i64,
    d: Disagreement,
    rubric: StoredValue<Vec<RubricQuestion>>,
    open: RwSignal<Option<String>>,
    on_settled: Callback<String>,
) -> impl IntoView {
    let conversation = StoredValue::new(d.conversation_id.clone());
    let reviewers: Vec<String> = d.reviews.iter().map(|r| r.reviewer.clone()).collect();
    let prompt = move |qid: &str| {
        rubric.with_value(|r| {
            r.iter()
                .find(|q| q.id == qid)
                .map_or_else(|| qid.to_owned(), |q| q.prompt.clone())
        })
    };
    let rows = d
        .questions
        .iter()
        .map(|q| {
            let cells = reviewers
                .iter()
                .map(|who| view! { <td>{shown(q.answers.get(who))}</td> })
                .collect_view();
            view! { <tr data-question=q.id.clone()><th scope="row">{prompt(&q.id)}</th>{cells}</tr> }
        })
        .collect_view();
    let heads = reviewers
        .iter()
        .map(|who| view! { <th scope="col">{who.clone()}</th> })
        .collect_view();
    let meta = format!(
        "{} of {} reviews · latest {}",
        d.reviews_done,
        d.reviews_needed,
        local_time(d.last_review_at.timestamp_millis() as f64)
    );
    let start = agreed(&d);
    let is_open = move || conversation.with_value(|c| open.with(|o| o.as_ref() == Some(c)));
    view! {
        <li class="disagreement" data-conversation=d.conversation_id.clone()>
            <div class="comment-head">
                <a href=conversation_href(&d.conversation_id, None, "")>{d.conversation_id.clone()}</a>
                <span class="muted small">{meta}</span>
            </div>
            <table class="table disagreement-table">
                <thead><tr><th scope="col">"Question"</th>{heads}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <Show when=is_open fallback=move || view! {
                <button class="btn btn-small" name="settle-open" on:click=move |_| open.set(Some(conversation.get_value()))
                    aria-label=format!("Settle {}", conversation.get_value())>"Settle…"</button>
            }>
                <SettleForm queue_id conversation=conversation.get_value() rubric start=start.clone() open on_settled/>
            </Show>
        </li>
    }
}

#[component]
fn SettleForm(
    queue_id: i64,
    conversation: String,
    rubric: StoredValue<Vec<RubricQuestion>>,
    start: BTreeMap<String, Value>,
    open: RwSignal<Option<String>>,
    on_settled: Callback<String>,
) -> impl IntoView {
    let answers = RwSignal::new(start);
    let missing = RwSignal::new(Vec::<String>::new());
    let error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let target = StoredValue::new(conversation.clone());
    // The form's first question takes the focus, as in a review.
    request_animation_frame(move || rubric.with_value(|r| focus_question(r, 0)));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let left = rubric.with_value(|r| answers.with_untracked(|a| unanswered(r, a)));
        if !left.is_empty() {
            error.set(Some(format!("Answer {} first.", left.join(", "))));
            missing.set(left);
            return;
        }
        if pending.get_untracked() {
            return;
        }
        pending.set(true);
        let body = ReviewSubmission {
            answers: answers.get_untracked(),
        };
        let ws = workspace();
        let conversation = target.get_value();
        leptos::task::spawn_local(async move {
            match api::queues::settle(queue_id, &conversation, &body).await {
                Ok(_) => {
                    ws.notify(format!("Disagreement on {conversation} settled."));
                    on_settled.run(conversation);
                }
                Err(e) => {
                    if let Some(q) = e.field.as_deref().and_then(|f| f.strip_prefix("answers.")) {
                        missing.try_set(vec![q.to_owned()]);
                    }
                    error.try_set(Some(e.message));
                }
            }
            pending.try_set(false);
        });
    };
    view! {
        <form class="settle-form" on:submit=submit aria-label=format!("Settle {conversation}")>
            <p class="muted small">"The final answers: those the reviews agree on are filled in."</p>
            <RubricForm rubric answers missing conversation_id=format!("settle-{conversation}")/>
            {move || error.get().map(|m| view! { <ErrorBox message=m/> })}
            <button class="btn btn-small btn-primary" type="submit" name="settle" disabled=move || pending.get()>"Settle"</button>
            <button class="btn btn-small btn-ghost" type="button" name="settle-cancel" on:click=move |_| open.set(None)>"Cancel"</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use hindsight_types::QueueReview;
    use serde_json::json;

    fn at() -> DateTime<Utc> {
        DateTime::from_timestamp(0, 0).unwrap()
    }

    fn review(who: &str, answers: Value) -> QueueReview {
        QueueReview {
            queue_id: 1,
            conversation_id: "c".into(),
            reviewer: who.into(),
            answers: serde_json::from_value(answers).unwrap(),
            reserved_at: at(),
            completed_at: at(),
        }
    }

    #[test]
    fn a_settlement_starts_from_what_the_reviews_agree_on() {
        let d = Disagreement {
            conversation_id: "c".into(),
            reviews_done: 2,
            reviews_needed: 2,
            last_review_at: at(),
            questions: Vec::new(),
            reviews: vec![
                review(
                    "ann",
                    json!({"outcome": "success", "resolved": true, "tone": 4}),
                ),
                review(
                    "bob",
                    json!({"outcome": "failure", "resolved": true, "notes": "x"}),
                ),
            ],
        };
        let start = agreed(&d);
        // outcome is disputed; tone and notes were answered once: nothing to disagree with.
        assert_eq!(
            start,
            BTreeMap::from([
                ("notes".to_owned(), json!("x")),
                ("resolved".to_owned(), json!(true)),
                ("tone".to_owned(), json!(4)),
            ])
        );
        assert_eq!(shown(Some(&json!(false))), "Fail");
        assert_eq!(shown(Some(&json!(3))), "3");
        assert_eq!(shown(None), "—");
    }
}
