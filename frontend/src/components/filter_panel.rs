//! The filter drawer: every filter the API has, menus filled from the facets (their counts
//! are over all conversations, not the current filter: the maintained facet table answers
//! at once at any size). It edits a draft; "Apply" writes the draft into the URL query,
//! which is what the list reads. Beside the confidence bounds, the histogram of the
//! applied filter's intent confidences.

use hindsight_types::{ConversationFilter, FacetCount, ReviewStatus, SlotFilter, SortOrder};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::components::charts::ConfidenceHistogram;
use crate::components::common::ErrorBox;
use crate::components::multi_pick::MultiPick;
use crate::components::sequence_builder::SequenceBuilder;
use crate::load::fetch;
use crate::state::{filter_from_query, with_query, workspace};

type Field = fn(&mut ConversationFilter) -> &mut Vec<String>;
/// Menu entries: a value and how many conversations have it.
type Options = Vec<(String, Option<i64>)>;

fn counts(list: &[FacetCount]) -> Options {
    list.iter()
        .map(|f| (f.value.clone(), Some(f.count)))
        .collect()
}

fn num<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The drawer.
#[component]
pub fn FilterPanel() -> impl IntoView {
    let ws = workspace();
    let location = use_location();
    let navigate = use_navigate();
    let draft = RwSignal::new(ConversationFilter::default());
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        draft.set(filter_from_query(&location.search.get()).unwrap_or_default());
        error.set(None);
    });
    // Closed (×, Escape): the focus goes back to the button that opens the drawer, unless
    // it is somewhere else already.
    on_cleanup(|| {
        request_animation_frame(|| {
            let doc = document();
            let lost = doc
                .active_element()
                .is_none_or(|a| a.tag_name() == "BODY" || !a.is_connected());
            if let (true, Some(b)) = (lost, doc.get_element_by_id("toggle-filters")) {
                if let Ok(b) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(b) {
                    let _ = b.focus();
                }
            }
        });
    });
    let facets = fetch(api::conversations::facets);
    let tags = fetch(api::tags::all);
    let facet = move |pick: fn(&hindsight_types::Facets) -> Options| {
        Signal::derive(move || {
            facets
                .get()
                .and_then(Result::ok)
                .map(|f| pick(&f))
                .unwrap_or_default()
        })
    };
    let tag_options = Signal::derive(move || {
        tags.get()
            .and_then(Result::ok)
            .map(|t| {
                t.into_iter()
                    .map(|t| (t.tag.value, Some(t.conversations)))
                    .collect()
            })
            .unwrap_or_default()
    });
    let pick =
        move |label: &'static str, name: &'static str, options: Signal<Options>, field: Field| {
            let selected = Signal::derive(move || draft.with(|f| field(&mut f.clone()).clone()));
            let set = Callback::new(move |v: Vec<String>| draft.update(|f| *field(f) = v));
            view! { <MultiPick label=label name=name options=options selected=selected set=set/> }
        };
    // A text or number input bound to one query parameter of the draft.
    let param = move |label: &'static str,
                      key: &'static str,
                      kind: &'static str,
                      get: fn(&ConversationFilter) -> String| {
        let step = if key.contains("confidence") {
            "0.05"
        } else {
            "1"
        };
        view! {
            <label class="field">{label}
                <input type=kind name=key step=step min="0" prop:value=move || draft.with(get)
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        let mut f = draft.get_untracked();
                        let result = set_param(&mut f, key, value.trim());
                        draft.set(f);
                        error.set(result.err());
                    }/>
            </label>
        }
    };

    let slot_name = RwSignal::new(String::new());
    let slot_value = RwSignal::new(String::new());
    let slot_values = Signal::derive(move || {
        let name = slot_name.get();
        facets
            .get()
            .and_then(Result::ok)
            .and_then(|f| f.slots.into_iter().find(|s| s.name == name))
            .map(|s| s.values.into_iter().map(|v| v.value).collect::<Vec<_>>())
            .unwrap_or_default()
    });
    let add_slot = move |_| {
        let name = slot_name.get_untracked();
        if name.is_empty() {
            return;
        }
        let value = Some(slot_value.get_untracked()).filter(|v| !v.is_empty());
        draft.update(|f| f.slots.push(SlotFilter { name, value }));
        slot_value.set(String::new());
    };

    let nav = navigate.clone();
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = draft.get_untracked().to_query();
        // The server's own parser decides what is valid; say so before asking it.
        match ConversationFilter::from_query(&q) {
            Ok(_) => nav(&with_query("/".to_owned(), &q), Default::default()),
            Err(e) => error.set(Some(e.message)),
        }
    };
    let low_confidence = move |_| {
        let t = ws.threshold.get_untracked();
        draft.update(|f| {
            f.max_intent_confidence = Some(t);
            f.min_intent_confidence = None;
        });
    };
    let clear = move |_| navigate("/", Default::default());
    let review = move |status: ReviewStatus| {
        view! {
            <label class="check">
                <input type="checkbox" name=format!("review_status_{}", status.as_str())
                    prop:checked=move || draft.with(|f| f.review_status.contains(&status))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        draft.update(|f| {
                            f.review_status.retain(|s| *s != status);
                            if on { f.review_status.push(status) }
                        });
                    }/>
                {status.as_str().replace('_', " ")}
            </label>
        }
    };

    view! {
        <form class="filter-panel" on:submit=apply aria-label="Filters">
            <div class="filter-head">
                <h2>"Filters"</h2>
                <button type="button" class="btn btn-ghost" on:click=move |_| ws.filters_open.set(false) aria-label="Close filters">"×"</button>
            </div>
            {move || facets.get().and_then(Result::err).map(|e| view! { <ErrorBox message=format!("Filter menus could not be loaded: {e}")/> })}
            <p class="muted small facet-note">"Numbers in the menus count all conversations."</p>
            <fieldset><legend>"Messages"</legend>
                <div class="row2">
                    {param("Min user messages", "min_user_messages", "number", |f| num(f.min_user_messages))}
                    {param("Max user messages", "max_user_messages", "number", |f| num(f.max_user_messages))}
                </div>
                {param("Text in a user message", "text", "text", |f| f.text.clone().unwrap_or_default())}
                {param("Conversation id", "sender_id", "text", |f| f.sender_id.clone().unwrap_or_default())}
                {pick("Channels", "channel", facet(|f| counts(&f.channels)), |f| &mut f.channels)}
            </fieldset>
            <fieldset><legend>"Confidence"</legend>
                <ConfidenceHistogram lo=Signal::derive(move || draft.with(|f| f.min_intent_confidence))
                    hi=Signal::derive(move || draft.with(|f| f.max_intent_confidence))/>
                <div class="row2">
                    {param("Intent confidence ≥", "min_intent_confidence", "number", |f| num(f.min_intent_confidence))}
                    {param("Intent confidence ≤", "max_intent_confidence", "number", |f| num(f.max_intent_confidence))}
                </div>
                <button type="button" class="btn btn-small" id="low-confidence" on:click=low_confidence>
                    {move || format!("Low confidence only (intent ≤ {:.2})", ws.threshold.get())}
                </button>
                <div class="row2">
                    {param("Action confidence ≥", "min_action_confidence", "number", |f| num(f.min_action_confidence))}
                    {param("Action confidence ≤", "max_action_confidence", "number", |f| num(f.max_action_confidence))}
                </div>
            </fieldset>
            <fieldset><legend>"Intents, actions, entities"</legend>
                {pick("Intents", "intent", facet(|f| counts(&f.intents)), |f| &mut f.intents)}
                {pick("Without intents", "exclude_intent", facet(|f| counts(&f.intents)), |f| &mut f.exclude_intents)}
                {pick("Actions", "action", facet(|f| counts(&f.actions)), |f| &mut f.actions)}
                {pick("Without actions", "exclude_action", facet(|f| counts(&f.actions)), |f| &mut f.exclude_actions)}
                {pick("Entities", "entity", facet(|f| counts(&f.entities)), |f| &mut f.entities)}
                {pick("Without entities", "exclude_entity", facet(|f| counts(&f.entities)), |f| &mut f.exclude_entities)}
                {pick("Policies", "policy", facet(|f| counts(&f.policies)), |f| &mut f.policies)}
                {pick("Without policies", "exclude_policy", facet(|f| counts(&f.policies)), |f| &mut f.exclude_policies)}
            </fieldset>
            <fieldset><legend>"Slots"</legend>
                <div class="chips">
                    {move || draft.get().slots.into_iter().enumerate().map(|(i, s)| view! {
                        <span class="chip">{match &s.value { Some(v) => format!("{} = {v}", s.name), None => format!("{} is set", s.name) }}
                            <button type="button" class="chip-remove" aria-label="Remove slot condition"
                                on:click=move |_| draft.update(|f| { f.slots.remove(i); })>"×"</button>
                        </span>
                    }).collect_view()}
                </div>
                <div class="row3">
                    <select name="slot_name" aria-label="Slot" on:change=move |ev| { slot_name.set(event_target_value(&ev)); slot_value.set(String::new()) }>
                        <option value="">"Slot…"</option>
                        {move || facets.get().and_then(Result::ok).map(|f| f.slots.into_iter().map(|s| view! {
                            <option value=s.name.clone() selected=move || slot_name.get() == s.name>{format!("{} ({})", s.name, s.count)}</option>
                        }).collect_view())}
                    </select>
                    <input name="slot_value" list="slot-values" placeholder="any value" aria-label="Slot value" prop:value=slot_value
                        on:input=move |ev| slot_value.set(event_target_value(&ev))/>
                    <datalist id="slot-values">{move || slot_values.get().into_iter().map(|v| view! { <option value=v/> }).collect_view()}</datalist>
                    <button type="button" class="btn btn-small" on:click=add_slot>"Add"</button>
                </div>
            </fieldset>
            <SequenceBuilder draft=draft facets=Signal::derive(move || facets.get().and_then(Result::ok))/>
            <fieldset><legend>"Time (UTC dates)"</legend>
                <div class="row2">
                    {param("Active from", "start", "date", |f| f.start.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default())}
                    {param("Active until", "until", "date", |f| f.until.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default())}
                </div>
                <div class="row2">
                    {param("Started after (time of day)", "time_from", "time", |f| f.time_of_day.map(|w| w.from.format("%H:%M").to_string()).unwrap_or_default())}
                    {param("and before", "time_to", "time", |f| f.time_of_day.map(|w| w.to.format("%H:%M").to_string()).unwrap_or_default())}
                </div>
            </fieldset>
            <fieldset><legend>"Review"</legend>
                <div class="checks">{ReviewStatus::ALL.into_iter().map(review).collect_view()}</div>
                {pick("Has any of the tags", "tags_any", tag_options, |f| &mut f.tags_any)}
                {pick("Has all of the tags", "tags_all", tag_options, |f| &mut f.tags_all)}
                {pick("Has none of the tags", "tags_none", tag_options, |f| &mut f.tags_none)}
                <div class="row2">
                    {tri("Flagged", "flagged", draft, |f| &mut f.flagged)}
                    {tri("New events since review", "has_news", draft, |f| &mut f.has_news)}
                </div>
                // Training data (issue 10).
                <div class="row2">
                    {tri("Annotated", "annotated", draft, |f| &mut f.annotated)}
                    {tri("Misclassified", "misclassified", draft, |f| &mut f.misclassified)}
                </div>
                <label class="field">"Order"
                    <select name="sort" on:change=move |ev| {
                        let s = event_target_value(&ev).parse().unwrap_or_default();
                        draft.update(|f| f.sort = s)
                    }>
                        {SortOrder::ALL.into_iter().map(|o| view! {
                            <option value=o.as_str() selected=move || draft.with(|f| f.sort == o)>{o.as_str().replace('_', " ")}</option>
                        }).collect_view()}
                    </select>
                </label>
            </fieldset>
            {move || error.get().map(|m| view! { <ErrorBox message=m/> })}
            <div class="filter-actions">
                <button type="submit" class="btn btn-primary" id="apply-filters">"Apply"</button>
                <button type="button" class="btn" on:click=clear>"Clear all"</button>
            </div>
        </form>
    }
}

/// A yes / no / either choice.
fn tri(
    label: &'static str,
    name: &'static str,
    draft: RwSignal<ConversationFilter>,
    field: fn(&mut ConversationFilter) -> &mut Option<bool>,
) -> impl IntoView {
    let current = move || draft.with(|f| *field(&mut f.clone()));
    view! {
        <label class="field">{label}
            <select name=name on:change=move |ev| {
                let v = match event_target_value(&ev).as_str() { "true" => Some(true), "false" => Some(false), _ => None };
                draft.update(|f| *field(f) = v)
            }>
                <option value="" selected=move || current().is_none()>"either"</option>
                <option value="true" selected=move || current() == Some(true)>"yes"</option>
                <option value="false" selected=move || current() == Some(false)>"no"</option>
            </select>
        </label>
    }
}

/// Sets one parameter from a form input through the shared parser (empty clears it).
fn set_param(f: &mut ConversationFilter, key: &str, value: &str) -> Result<(), String> {
    let clear_time = |f: &mut ConversationFilter| f.time_of_day = None;
    match (key, value.is_empty()) {
        ("min_user_messages", true) => f.min_user_messages = None,
        ("max_user_messages", true) => f.max_user_messages = None,
        ("min_intent_confidence", true) => f.min_intent_confidence = None,
        ("max_intent_confidence", true) => f.max_intent_confidence = None,
        ("min_action_confidence", true) => f.min_action_confidence = None,
        ("max_action_confidence", true) => f.max_action_confidence = None,
        ("start", true) => f.start = None,
        ("until", true) => f.until = None,
        ("text", true) => f.text = None,
        ("sender_id", true) => f.sender_id = None,
        ("time_from" | "time_to", true) => clear_time(f),
        ("time_from" | "time_to", false) => {
            let (from, to) = match (key, f.time_of_day) {
                ("time_from", Some(w)) => (value.to_owned(), w.to.format("%H:%M").to_string()),
                ("time_to", Some(w)) => (w.from.format("%H:%M").to_string(), value.to_owned()),
                ("time_from", None) => (value.to_owned(), "23:59".to_owned()),
                _ => ("00:00".to_owned(), value.to_owned()),
            };
            f.apply_param("time_of_day", &format!("{from}-{to}"))
                .map_err(|e| e.message)?;
        }
        // The end date reads as "up to the end of that day".
        ("until", false) if value.len() == 10 => {
            f.apply_param("until", &format!("{value}T23:59:59Z"))
                .map_err(|e| e.message)?;
        }
        (_, false) => {
            // Checked on a copy so an inverted range can still be typed end by end.
            let mut copy = f.clone();
            match copy.apply_param(key, value) {
                Ok(_) => *f = copy,
                // The value is kept (and the range fixed at its other end later).
                Err(e) if e.message.contains("empty range") => {
                    *f = copy;
                    return Err(e.message);
                }
                Err(e) => return Err(e.message),
            }
        }
        _ => {}
    }
    Ok(())
}
