//! The per-stratum overrides of a stratified queue's sampling: a list of strata, each with
//! a share or a count of its own, picked from the values the inbox's filter menus offer for
//! what the strata are made of (the channels, the intents; an environment is typed, as no
//! list of them is served). A 400 naming a stratum (`sampling.strata.slack.share`) shows
//! beside its row.

use hindsight_types::{FacetCount, Facets, StratifyBy};
use leptos::prelude::*;

use crate::api;
use crate::components::common::focus_by_id;
use crate::components::queue_draft::{by_name, stratum_name, FieldError, StratumDraft};
use crate::components::queue_form::field_error;
use crate::load::fetch;

/// One override being edited.
#[derive(Clone, Copy)]
pub struct StratumRow {
    key: u32,
    value: RwSignal<String>,
    per_count: RwSignal<bool>,
    amount: RwSignal<String>,
}

impl StratumRow {
    fn new(key: u32, value: String) -> Self {
        StratumRow {
            key,
            value: RwSignal::new(value),
            per_count: RwSignal::new(false),
            amount: RwSignal::new(String::new()),
        }
    }

    /// The override as typed.
    pub fn draft(&self) -> StratumDraft {
        StratumDraft {
            value: self.value.get_untracked().trim().to_owned(),
            per_count: self.per_count.get_untracked(),
            amount: self.amount.get_untracked(),
        }
    }
}

/// The values the server knows for `by` (most conversations first), or `None` when they
/// are typed (environments).
fn known_values(facets: &Facets, by: StratifyBy) -> Option<Vec<String>> {
    let of =
        |list: &[FacetCount]| -> Vec<String> { list.iter().map(|f| f.value.clone()).collect() };
    match by {
        StratifyBy::Channel => Some(of(&facets.channels)),
        StratifyBy::Intent => Some(of(&facets.intents)),
        StratifyBy::Environment | StratifyBy::Unsupported => None,
    }
}

/// The overrides' editor; `rows` are the form's, kept while the rule changes back and forth.
#[component]
pub fn StrataEditor(
    rows: RwSignal<Vec<StratumRow>>,
    by: RwSignal<StratifyBy>,
    error: RwSignal<Option<FieldError>>,
) -> impl IntoView {
    let facets = fetch(api::conversations::facets);
    let values = Memo::new(move |_| {
        let by = by.get();
        facets.with(|f| match f {
            Some(Ok(f)) => known_values(f, by),
            // Not loaded (yet): typed, as an environment is.
            _ => None,
        })
    });
    let add = move |_| {
        let key = rows.with_untracked(|r| r.iter().map(|x| x.key + 1).max().unwrap_or(0));
        // The first value no override has yet, so a new row starts valid.
        let taken: Vec<String> =
            rows.with_untracked(|r| r.iter().map(|x| x.value.get_untracked()).collect());
        let first = values
            .get_untracked()
            .unwrap_or_default()
            .into_iter()
            .find(|v| !taken.contains(v))
            .unwrap_or_default();
        rows.update(|r| r.push(StratumRow::new(key, first)));
        request_animation_frame(move || focus_by_id(&format!("stratum-value-{key}")));
    };
    let row = move |row: StratumRow| {
        let key = row.key;
        let index = move || rows.with(|r| r.iter().position(|x| x.key == key).unwrap_or(0));
        let field = move || {
            format!(
                "sampling.strata.{}",
                row.value.with(|v| v.trim().to_owned())
            )
        };
        let value_id = format!("stratum-value-{key}");
        let choose = move || {
            match values.get() {
            Some(known) => {
                // The stored value stays offered even when the list lacks it.
                let current = row.value.get_untracked();
                let mut options = vec![String::new()];
                options.extend(known);
                if !options.contains(&current) {
                    options.push(current);
                }
                view! {
                    <select id=value_id.clone() name="stratum-value"
                        on:change=move |ev| row.value.set(event_target_value(&ev))>
                        {options.into_iter().map(|v| {
                            let shown = stratum_name(&v);
                            let v2 = v.clone();
                            view! { <option value=v selected=move || row.value.get() == v2>{shown}</option> }
                        }).collect_view()}
                    </select>
                }
                .into_any()
            }
            None => view! {
                <input id=value_id.clone() name="stratum-value" placeholder="(none)" prop:value=row.value
                    on:input=move |ev| row.value.set(event_target_value(&ev))/>
            }
            .into_any(),
        }
        };
        view! {
            <div class="stratum-override" role="group" data-key=key
                aria-label=move || format!("Override {}", index() + 1)>
                <label>{move || format!("{} ", capitalised(by_name(by.get())))}{choose}</label>
                <label>"takes "<select name="stratum-per"
                    on:change=move |ev| row.per_count.set(event_target_value(&ev) == "count")>
                    <option value="share" selected=move || !row.per_count.get()>"a share"</option>
                    <option value="count" selected=move || row.per_count.get()>"a count"</option>
                </select></label>
                <label>{move || if row.per_count.get() { "Count " } else { "Share (0 to 1) " }}
                    <input name="stratum-amount" required
                        inputmode=move || if row.per_count.get() { "numeric" } else { "decimal" }
                        prop:value=row.amount on:input=move |ev| row.amount.set(event_target_value(&ev))/></label>
                <button type="button" class="btn btn-small btn-ghost" name="remove-stratum"
                    on:click=move |_| rows.update(|r| r.retain(|x| x.key != key))>
                    {move || format!("Remove override {}", index() + 1)}
                </button>
                {field_error(error, field)}
                {field_error(error, move || format!("{}.share", field()))}
                {field_error(error, move || format!("{}.count", field()))}
            </div>
        }
    };
    view! {
        <fieldset class="queue-strata">
            <legend>"Strata with a share or count of their own"</legend>
            <p class="muted small">{move || format!(
                "Every other {} takes the share or count above. (none) is the conversations without one.",
                by_name(by.get()))}</p>
            <For each=move || rows.get() key=|r| r.key children=row/>
            // Until the values are in, a new row could not start on one of them.
            <button type="button" class="btn btn-small" id="add-stratum" on:click=add
                disabled=move || facets.with(Option::is_none)>"Add a stratum override"</button>
        </fieldset>
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strata_are_offered_from_the_facets_but_environments_typed() {
        let facets = Facets {
            intents: vec![FacetCount {
                value: "greet".into(),
                count: 3,
            }],
            actions: Vec::new(),
            entities: Vec::new(),
            policies: Vec::new(),
            channels: vec![
                FacetCount {
                    value: "slack".into(),
                    count: 9,
                },
                FacetCount {
                    value: "rest".into(),
                    count: 2,
                },
            ],
            slots: Vec::new(),
        };
        assert_eq!(
            known_values(&facets, StratifyBy::Channel).unwrap(),
            ["slack", "rest"]
        );
        assert_eq!(
            known_values(&facets, StratifyBy::Intent).unwrap(),
            ["greet"]
        );
        assert!(known_values(&facets, StratifyBy::Environment).is_none());
        assert_eq!(capitalised("channel"), "Channel");
    }
}
