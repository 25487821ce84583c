//! The admin's queue form: name, source (a saved filter or explicit), sampling, reviewers
//! per conversation, reservation time, assignees and a rubric editor. It creates a queue, or
//! edits one (`editing`: its source and sampling are fixed then, and only what changed is
//! sent, so a rule's per-stratum overrides stay as they are). A 400 or 409 shows beside the
//! field it names (`rubric[1].choices`, `rubric`, `sampling.strata.slack.share`).

use hindsight_types::{QuestionKind, Queue, QueueSource, Role, StratifyBy};
use leptos::prelude::*;

use crate::api;
use crate::components::common::ErrorBox;
use crate::components::queue_draft::{
    by_name, minutes_of, sampling_text, FieldError, QuestionDraft, QueueDraft, SamplingRule,
};
use crate::components::queue_strata::{StrataEditor, StratumRow};
use crate::load::{fetch, Task};
use crate::state::workspace;

/// Fields with a place of their own in the form (others show under the form).
const PLACED: [&str; 11] = [
    "name",
    "source",
    "source.filter_id",
    "sampling",
    "sampling.share",
    "sampling.seed",
    "sampling.count",
    "sampling.by",
    "reviewers_per_conversation",
    "reservation_seconds",
    "assignees",
];
const KINDS: [QuestionKind; 4] = [
    QuestionKind::PassFail,
    QuestionKind::Label,
    QuestionKind::Scale1To5,
    QuestionKind::Text,
];

/// One rubric question being edited.
#[derive(Clone, Copy)]
struct QuestionRow {
    key: u32,
    id: RwSignal<String>,
    prompt: RwSignal<String>,
    kind: RwSignal<QuestionKind>,
    choices: RwSignal<String>,
    required: RwSignal<bool>,
}

impl QuestionRow {
    fn new(key: u32) -> Self {
        Self::of(key, QuestionDraft::blank())
    }

    fn of(key: u32, d: QuestionDraft) -> Self {
        QuestionRow {
            key,
            id: RwSignal::new(d.id),
            prompt: RwSignal::new(d.prompt),
            kind: RwSignal::new(d.kind),
            choices: RwSignal::new(d.choices),
            required: RwSignal::new(d.required),
        }
    }

    fn draft(&self) -> QuestionDraft {
        QuestionDraft {
            id: self.id.get_untracked(),
            prompt: self.prompt.get_untracked(),
            kind: self.kind.get_untracked(),
            choices: self.choices.get_untracked(),
            required: self.required.get_untracked(),
        }
    }
}

/// The error beside `field`, when the last one named it.
pub fn field_error(
    error: RwSignal<Option<FieldError>>,
    field: impl Fn() -> String + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        let want = field();
        error.with(|e| {
            e.as_ref()
                .filter(|(f, _)| *f == want)
                .map(|(_, m)| view! { <p class="field-error" role="alert">{m.clone()}</p> })
        })
    }
}

fn placed(error: RwSignal<Option<FieldError>>, field: &'static str) -> impl IntoView {
    field_error(error, move || field.to_owned())
}

fn value_of<T: Send + Sync + 'static>(
    ev: &leptos::ev::Event,
    target: RwSignal<T>,
    parse: impl Fn(&str) -> T,
) {
    target.set(parse(&event_target_value(ev)));
}

/// The form; `version` is bumped when a queue was created or saved. With `editing`, it
/// edits that queue, and `on_cancel` closes it.
#[component]
pub fn QueueForm(
    version: RwSignal<u32>,
    #[prop(optional)] editing: Option<Queue>,
    #[prop(optional)] on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let filters = fetch(api::filters::list);
    let users = fetch(api::admin::users);
    let error = RwSignal::new(None::<FieldError>);
    let edit = editing.is_some();
    // Element ids: the new-queue form keeps its own; an edit form's name its queue.
    let p = editing
        .as_ref()
        .map_or_else(|| "queue".to_owned(), |q| format!("edit-queue-{}", q.id));
    let fixed = editing.as_ref().map(|q| {
        let source = match q.source {
            QueueSource::Filter { filter_id } => format!("saved filter #{filter_id}"),
            QueueSource::Explicit => "explicit".to_owned(),
        };
        format!(
            "Source: {source} · sampling: {} (both fixed).",
            sampling_text(&q.sampling)
        )
    });
    let editing = StoredValue::new(editing);
    let start = move |f: fn(&Queue) -> String, blank: &str| {
        editing.with_value(|q| q.as_ref().map_or_else(|| blank.to_owned(), f))
    };
    let name = RwSignal::new(start(|q| q.name.clone(), ""));
    let filter_id = RwSignal::new(None::<i64>);
    let rule = RwSignal::new(SamplingRule::All);
    let (share, seed, count) = (
        RwSignal::new("0.1".to_owned()),
        RwSignal::new(String::new()),
        RwSignal::new("50".to_owned()),
    );
    let by = RwSignal::new(StratifyBy::Channel);
    let per_count = RwSignal::new(false);
    let strata = RwSignal::new(Vec::<StratumRow>::new());
    let reviewers = RwSignal::new(
        editing.with_value(|q| q.as_ref().map_or(1, |q| q.reviewers_per_conversation)),
    );
    let minutes = RwSignal::new(start(minutes_of, "30"));
    let assignees = RwSignal::new(
        editing.with_value(|q| q.as_ref().map(|q| q.assignees.clone()).unwrap_or_default()),
    );
    let first: Vec<QuestionRow> = editing.with_value(|q| match q {
        Some(q) => (0u32..)
            .zip(&q.rubric)
            .map(|(k, r)| QuestionRow::of(k, QuestionDraft::of(r)))
            .collect(),
        None => vec![QuestionRow::new(0)],
    });
    let next_key = StoredValue::new(first.len() as u32);
    let rows = RwSignal::new(first);
    let create = Task::<Queue>::new();
    // Signals made inside an effect belong to its run and are disposed when it runs again: a
    // blank question made there on a creation died with the next answer (an error), and the
    // form's next submit read a disposed signal (a panic: the app stopped). The form owns them.
    let form_owner = Owner::current().expect("the queue form renders under an owner");
    Effect::new(move |_| match create.value.get() {
        Some(Ok(q)) if edit => {
            error.set(None);
            version.update(|v| *v += 1);
            workspace().notify(format!("Queue “{}” saved.", q.name));
        }
        Some(Ok(q)) => {
            error.set(None);
            name.set(String::new());
            rows.set(vec![
                form_owner.with(|| QuestionRow::new(next_key.get_value()))
            ]);
            next_key.update_value(|k| *k += 1);
            version.update(|v| *v += 1);
            workspace().notify(format!("Queue “{}” created.", q.name));
        }
        Some(Err(e)) => error.set(Some((e.field.unwrap_or_default(), e.message))),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = QueueDraft {
            name: name.get_untracked(),
            filter_id: filter_id.get_untracked(),
            rule: rule.get_untracked(),
            share: share.get_untracked(),
            seed: seed.get_untracked(),
            by: by.get_untracked(),
            per_stratum_count: per_count.get_untracked(),
            count: count.get_untracked(),
            strata: strata.with_untracked(|r| r.iter().map(StratumRow::draft).collect()),
            reviewers: reviewers.get_untracked(),
            reservation_minutes: minutes.get_untracked(),
            assignees: assignees.get_untracked(),
            rubric: rows.with_untracked(|r| r.iter().map(QuestionRow::draft).collect()),
        };
        let sent = editing.with_value(|q| match q {
            Some(q) => draft.to_update(q).map(|u| {
                let id = q.id;
                create.run(async move { api::queues::update(id, &u).await });
            }),
            None => draft.to_input().map(|input| {
                create.run(async move { api::queues::create(&input).await });
            }),
        });
        if let Err(e) = sent {
            error.set(Some(e));
        }
    };
    let add_question = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        rows.update(|r| r.push(QuestionRow::new(key)));
    };
    let question = move |row: QuestionRow| {
        let key = row.key;
        let index = move || rows.with(|r| r.iter().position(|x| x.key == key).unwrap_or(0));
        let at = move |what: &'static str| move || format!("rubric[{}].{what}", index());
        view! {
            <fieldset class="rubric-question" data-key=key>
                <legend>{move || format!("Question {}", index() + 1)}</legend>
                <label>"Id "<input name="question-id" required placeholder="outcome" prop:value=row.id
                    on:input=move |ev| row.id.set(event_target_value(&ev))/></label>
                {field_error(error, at("id"))}
                <label>"Prompt "<input name="question-prompt" required prop:value=row.prompt
                    on:input=move |ev| row.prompt.set(event_target_value(&ev))/></label>
                {field_error(error, at("prompt"))}
                <label>"Kind "<select name="question-kind" on:change=move |ev| value_of(&ev, row.kind, |v| {
                    KINDS.into_iter().find(|k| k.as_str() == v).unwrap_or(QuestionKind::Text)
                })>{KINDS.into_iter().map(|k| view! {
                    <option value=k.as_str() selected=move || row.kind.get() == k>{k.as_str()}</option>
                }).collect_view()}</select></label>
                <Show when=move || row.kind.get() == QuestionKind::Label>
                    <label>"Choices (comma-separated) "<input name="question-choices" prop:value=row.choices
                        on:input=move |ev| row.choices.set(event_target_value(&ev))/></label>
                </Show>
                {field_error(error, at("choices"))}
                <label><input type="checkbox" name="question-required" prop:checked=row.required
                    on:change=move |ev| row.required.set(event_target_checked(&ev))/>" Required"</label>
                <button type="button" class="btn btn-small btn-ghost" on:click=move |_| rows.update(|r| r.retain(|x| x.key != key))>
                    {move || format!("Remove question {}", index() + 1)}
                </button>
                {field_error(error, move || format!("rubric[{}]", index()))}
                {field_error(error, at("kind"))}
            </fieldset>
        }
    };
    let user_box = move |username: String| {
        let (u1, u2) = (username.clone(), username.clone());
        view! {
            <label class="assignee"><input type="checkbox" name="assignee" value=username.clone()
                prop:checked=move || assignees.with(|a| a.contains(&u1))
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    let u = u2.clone();
                    assignees.update(|a| { a.retain(|x| *x != u); if on { a.push(u); } });
                }/>" "{username}</label>
        }
    };
    let unplaced = move || {
        error.with(|e| {
            e.as_ref()
                .filter(|(f, _)| {
                    !PLACED.contains(&f.as_str())
                        && !f.starts_with("rubric")
                        && !f.starts_with("sampling.strata.")
                })
                .map(|(_, m)| view! { <ErrorBox message=m.clone()/> })
        })
    };
    let title = if edit { "Edit queue" } else { "New queue" };
    let fixed_or_chosen = match fixed {
        Some(text) => view! { <p class="muted small queue-fixed">{text}</p> }.into_any(),
        None => view! {
            <label>"Source "<select id="queue-source" on:change=move |ev| filter_id.set(event_target_value(&ev).parse().ok())>
                <option value="" selected=move || filter_id.get().is_none()>"Explicit: conversations added by id"</option>
                {move || filters.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|f| view! {
                    <option value=f.id.to_string() selected=move || filter_id.get() == Some(f.id)>
                        {format!("Saved filter: {} ({})", f.name, f.owner)}</option>
                }).collect_view()}
            </select></label>
            {placed(error, "source")}{placed(error, "source.filter_id")}
            <fieldset class="queue-sampling">
                <legend>"Sampling"</legend>
                <label>"Rule "<select id="queue-sampling" on:change=move |ev| value_of(&ev, rule, |v| match v {
                    "share" => SamplingRule::Share, "stratified" => SamplingRule::Stratified, _ => SamplingRule::All })>
                    <option value="all">"All conversations"</option>
                    <option value="share">"A share"</option>
                    <option value="stratified">"Stratified"</option>
                </select></label>
                <Show when=move || rule.get() == SamplingRule::Stratified>
                    <label>"By "<select id="queue-by" on:change=move |ev| value_of(&ev, by, |v| {
                        StratifyBy::SUPPORTED.into_iter().find(|b| by_name(*b) == v).unwrap_or(StratifyBy::Channel) })>
                        {StratifyBy::SUPPORTED.into_iter().map(|b| view! { <option value=by_name(b)>{by_name(b)}</option> }).collect_view()}
                    </select></label>
                    <label>"Each stratum takes "<select id="queue-per" on:change=move |ev| per_count.set(event_target_value(&ev) == "count")>
                        <option value="share">"a share"</option><option value="count">"a count"</option>
                    </select></label>
                </Show>
                <Show when=move || rule.get() == SamplingRule::Share || (rule.get() == SamplingRule::Stratified && !per_count.get())>
                    <label>"Share (0 to 1) "<input id="queue-share" inputmode="decimal" prop:value=share
                        on:input=move |ev| share.set(event_target_value(&ev))/></label>
                </Show>
                <Show when=move || rule.get() == SamplingRule::Stratified && per_count.get()>
                    <label>"Count "<input id="queue-count" inputmode="numeric" prop:value=count
                        on:input=move |ev| count.set(event_target_value(&ev))/></label>
                </Show>
                <Show when=move || rule.get() != SamplingRule::All>
                    <label>"Seed "<input id="queue-seed" inputmode="numeric" placeholder="0" prop:value=seed
                        on:input=move |ev| seed.set(event_target_value(&ev))/></label>
                </Show>
                <Show when=move || rule.get() == SamplingRule::Stratified>
                    <StrataEditor rows=strata by=by error=error/>
                </Show>
                {placed(error, "sampling")}{placed(error, "sampling.share")}{placed(error, "sampling.count")}
                {placed(error, "sampling.seed")}{placed(error, "sampling.by")}
            </fieldset>
        }
        .into_any(),
    };
    view! {
        <form class="queue-form" id=format!("{p}-form") on:submit=submit aria-labelledby=format!("{p}-form-title")>
            <h3 id=format!("{p}-form-title")>{title}</h3>
            <label>"Name "<input id=format!("{p}-name") name="queue-name" required prop:value=name
                on:input=move |ev| name.set(event_target_value(&ev))/></label>
            {placed(error, "name")}
            {fixed_or_chosen}
            <label>"Reviewers per conversation "<select id=format!("{p}-reviewers")
                on:change=move |ev| reviewers.set(event_target_value(&ev).parse().unwrap_or(1))>
                {(1..=3i64).map(|n| view! { <option value=n.to_string() selected=move || reviewers.get() == n>{n.to_string()}</option> }).collect_view()}
            </select></label>
            {placed(error, "reviewers_per_conversation")}
            <label>"Reservation (minutes) "<input id=format!("{p}-minutes") inputmode="numeric" prop:value=minutes
                on:input=move |ev| minutes.set(event_target_value(&ev))/></label>
            {placed(error, "reservation_seconds")}
            <fieldset class="queue-assignees">
                <legend>"Assignees (none: any reviewer)"</legend>
                {move || users.get().and_then(Result::ok).unwrap_or_default().into_iter()
                    .filter(|u| u.role != Role::Viewer).map(|u| user_box(u.username)).collect_view()}
                {placed(error, "assignees")}
            </fieldset>
            <fieldset class="queue-rubric">
                <legend>"Rubric"</legend>
                {edit.then(|| view! { <p class="muted small">"Once the queue has reviews, questions and labels may be added and reworded, but not removed, and a question keeps its kind."</p> })}
                <For each=move || rows.get() key=|r| r.key children=question/>
                {field_error(error, || "rubric".to_owned())}
                <button type="button" class="btn btn-small" id=if edit { format!("{p}-add-question") } else { "add-question".to_owned() }
                    on:click=add_question>"Add question"</button>
            </fieldset>
            {unplaced}
            <button class="btn btn-primary" type="submit" id=if edit { format!("save-{p}") } else { "create-queue".to_owned() }
                disabled=move || create.pending.get()>{if edit { "Save changes" } else { "Create queue" }}</button>
            {on_cancel.map(|cancel| view! {
                <button class="btn btn-ghost" type="button" name="cancel-edit" on:click=move |_| cancel.run(())>"Cancel"</button>
            })}
        </form>
    }
}
