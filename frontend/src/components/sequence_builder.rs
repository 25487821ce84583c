//! The sequence filter in the filter drawer (issue 14): the pattern as text, read by the
//! shared parser as it is typed (a wrong pattern says at which character), and a builder
//! that appends steps picked from the facets.

use hindsight_types::sequence::SequenceError;
use hindsight_types::{ConversationFilter, Facets, SequencePattern};
use leptos::prelude::*;

/// Kinds of step the builder offers, with the facet list their names come from.
const KINDS: [(&str, &str); 5] = [
    ("intent", "user intent"),
    ("action", "action"),
    ("bot", "bot response"),
    ("slot", "slot set"),
    ("end", "the end"),
];

/// Names for a kind of step, from the facets.
fn names(facets: &Facets, kind: &str) -> Vec<String> {
    let of = |list: &[hindsight_types::FacetCount]| list.iter().map(|f| f.value.clone()).collect();
    match kind {
        "intent" => of(&facets.intents),
        "action" => of(&facets.actions),
        "bot" => facets
            .actions
            .iter()
            .filter(|a| a.value.starts_with("utter_"))
            .map(|a| a.value.clone())
            .collect(),
        "slot" => facets.slots.iter().map(|s| s.name.clone()).collect(),
        _ => Vec::new(),
    }
}

/// A name as the pattern writes it: bare, or in double quotes when it holds anything else.
fn pattern_name(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '*' | ':'))
    {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// A slot's value as a `slot:NAME=VALUE` step writes it: `true`, `false`, `null` and numbers
/// bare, text in double quotes (typed already quoted, it stays as typed).
fn pattern_value(value: &str) -> String {
    let plain = matches!(value, "true" | "false" | "null")
        || (value.parse::<f64>().is_ok_and(f64::is_finite)
            && value
                .trim_start_matches('-')
                .starts_with(|c: char| c.is_ascii_digit()));
    if plain || (value.len() >= 2 && value.starts_with('"') && value.ends_with('"')) {
        value.to_owned()
    } else {
        format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// Values of a slot, from the facets (numbers and booleans as their JSON text).
fn slot_values(facets: &Facets, slot: &str) -> Vec<String> {
    facets
        .slots
        .iter()
        .filter(|s| s.name == slot)
        .flat_map(|s| s.values.iter().map(|v| v.value.clone()))
        .collect()
}

/// The sequence fieldset, editing `draft.sequence`.
#[component]
pub fn SequenceBuilder(
    draft: RwSignal<ConversationFilter>,
    facets: Signal<Option<Facets>>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    // The pattern shows as its canonical text when the draft's pattern changes (a Memo: other
    // changes of the draft, such as the drawer reading the URL, leave what is typed alone).
    let canonical =
        Memo::new(move |_| draft.with(|f| f.sequence.as_ref().map(ToString::to_string)));
    Effect::new(move |_| text.set(canonical.get().unwrap_or_default()));
    let problem = RwSignal::new(None::<String>);
    let commit = move |value: String| {
        let value = value.trim().to_owned();
        match value.parse::<SequencePattern>() {
            _ if value.is_empty() => {
                problem.set(None);
                draft.update(|f| f.sequence = None);
            }
            Ok(p) => {
                problem.set(None);
                draft.update(|f| f.sequence = Some(p));
            }
            Err(e) => problem.set(Some(describe(&value, &e))),
        }
    };

    let kind = RwSignal::new("intent".to_owned());
    let name = RwSignal::new(String::new());
    let next_only = RwSignal::new(false);
    let negated = RwSignal::new(false);
    let within = RwSignal::new(String::new());
    let at_least = RwSignal::new(String::new());
    let at_most = RwSignal::new(String::new());
    let value = RwSignal::new(String::new());
    let value_options = Signal::derive(move || {
        let n = name.get();
        facets
            .get()
            .map(|f| slot_values(&f, n.trim()))
            .unwrap_or_default()
    });
    let options = Signal::derive(move || {
        let k = kind.get();
        facets.get().map(|f| names(&f, &k)).unwrap_or_default()
    });
    let add = move |_| {
        let k = kind.get_untracked();
        let step = if k == "end" {
            "end".to_owned()
        } else {
            let n = name.get_untracked();
            let n = if n.trim().is_empty() {
                "*".to_owned()
            } else {
                pattern_name(n.trim())
            };
            let v = value.get_untracked();
            let v = match v.trim() {
                "" => String::new(),
                v if k == "slot" => format!("={}", pattern_value(v)),
                _ => String::new(),
            };
            // A negated step cannot repeat (its inputs are disabled then).
            let times = if negated.get_untracked() {
                String::new()
            } else {
                repetition(&at_least.get_untracked(), &at_most.get_untracked())
            };
            format!(
                "{}{k}:{n}{v}{times}",
                if negated.get_untracked() { "!" } else { "" }
            )
        };
        let mut pattern = text.get_untracked().trim().to_owned();
        if !pattern.is_empty() {
            pattern.push_str(if next_only.get_untracked() {
                " >> "
            } else {
                " > "
            });
        }
        pattern.push_str(&step);
        if let Ok(n) = within.get_untracked().trim().parse::<u32>() {
            if !pattern.starts_with(&step) {
                pattern.push_str(&format!(" within {n} turns"));
            }
        }
        text.set(pattern.clone());
        commit(pattern);
        // How the step repeats, is negated or bounded belongs to that step, not the next.
        for modifier in [within, at_least, at_most] {
            modifier.set(String::new());
        }
        negated.set(false);
    };

    view! {
        <fieldset class="sequence"><legend>"Sequence"</legend>
            <label class="field">"Steps in order"
                <input type="text" name="seq" id="seq" spellcheck="false"
                    placeholder="intent:greet > action:action_default_fallback > end"
                    aria-describedby="seq-help"
                    prop:value=text
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        text.set(v.clone());
                        // Said while typing; the draft changes only when it reads.
                        match v.trim().parse::<SequencePattern>() {
                            Err(e) if !v.trim().is_empty() => problem.set(Some(describe(v.trim(), &e))),
                            _ => problem.set(None),
                        }
                    }
                    on:change=move |ev| commit(event_target_value(&ev))/>
            </label>
            <p class="muted small" id="seq-help">
                "> later, >> next, !step never, *!(a | b) any step but these, step{3,} three times or more, step{2,4} two to four times, within 2 turns; "
                "user_text~\"…\", confidence<0.5, slot:cuisine=\"thai\" (or =4, =true, =null), & on one step."
            </p>
            {move || problem.get().map(|m| view! { <p class="field-error" role="alert" id="seq-problem">{m}</p> })}
            <div class="row2">
                <select name="seq_link" aria-label="How the step follows" on:change=move |ev| next_only.set(event_target_value(&ev) == "next")>
                    <option value="later">"then, later"</option>
                    <option value="next">"then, next"</option>
                </select>
                <select name="seq_kind" aria-label="Kind of step" on:change=move |ev| { kind.set(event_target_value(&ev)); name.set(String::new()); value.set(String::new()) }>
                    {KINDS.into_iter().map(|(k, label)| view! { <option value=k>{label}</option> }).collect_view()}
                </select>
            </div>
            <div class="sequence-name">
                <input name="seq_name" list="seq-names" placeholder="any" aria-label="Name of the step"
                    prop:value=name on:input=move |ev| name.set(event_target_value(&ev))
                    prop:disabled=move || kind.get() == "end"/>
                <datalist id="seq-names">{move || options.get().into_iter().map(|v| view! { <option value=v/> }).collect_view()}</datalist>
                <input name="seq_value" list="seq-values" placeholder="any value" aria-label="Value of the slot"
                    prop:value=value on:input=move |ev| value.set(event_target_value(&ev))
                    prop:hidden=move || kind.get() != "slot"/>
                <datalist id="seq-values">{move || value_options.get().into_iter().map(|v| view! { <option value=v/> }).collect_view()}</datalist>
            </div>
            <div class="row2 sequence-times">
                <label class="field">"At least (times)"
                    <input type="number" min="1" max="20" name="seq_at_least" placeholder="once"
                        prop:value=at_least on:input=move |ev| at_least.set(event_target_value(&ev))
                        prop:disabled=move || negated.get() || kind.get() == "end"/>
                </label>
                <label class="field" title="Counted between the steps before and after it">"At most (times)"
                    <input type="number" min="1" max="20" name="seq_at_most" placeholder="no limit"
                        prop:value=at_most on:input=move |ev| at_most.set(event_target_value(&ev))
                        prop:disabled=move || negated.get() || kind.get() == "end"/>
                </label>
            </div>
            <div class="row3 sequence-add">
                <label class="check"><input type="checkbox" name="seq_not" prop:checked=negated
                    on:change=move |ev| negated.set(event_target_checked(&ev))/>"not"</label>
                <input type="number" min="1" max="50" name="seq_within" placeholder="within turns" aria-label="Within how many turns"
                    prop:value=within on:input=move |ev| within.set(event_target_value(&ev))/>
                <button type="button" class="btn btn-small" id="seq-add" on:click=add>"Add step"</button>
            </div>
        </fieldset>
    }
}

/// A step's repetition as the pattern writes it, from the builder's "at least" and "at most"
/// (either may be empty): `{N,}`, `{N,M}`, `{N}`, or nothing for once. A value that is not a
/// whole number is written as it is, for the parser to point at.
fn repetition(at_least: &str, at_most: &str) -> String {
    let (least, most) = (at_least.trim(), at_most.trim());
    match (least, most) {
        ("", "") => String::new(),
        (least, "") => format!("{{{least},}}"),
        ("", most) => format!("{{1,{most}}}"),
        (least, most) if least == most => format!("{{{least}}}"),
        (least, most) => format!("{{{least},{most}}}"),
    }
}

/// A parse error with the pattern up to the character it points at.
fn describe(pattern: &str, e: &SequenceError) -> String {
    let before: String = pattern.chars().take(e.at.saturating_sub(1)).collect();
    format!("{e} (after “{before}”)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repetitions_are_written_as_the_pattern_reads_them() {
        assert_eq!(repetition("", ""), "");
        assert_eq!(repetition("3", ""), "{3,}");
        assert_eq!(repetition("", "2"), "{1,2}");
        assert_eq!(repetition(" 2", "4 "), "{2,4}");
        assert_eq!(repetition("3", "3"), "{3}");
        for (least, most) in [("3", ""), ("", "2"), ("2", "4"), ("3", "3")] {
            let step = format!("intent:greet{}", repetition(least, most));
            let p: SequencePattern = step.parse().unwrap();
            assert_eq!(p.to_string(), step, "canonical already");
        }
        // Refused by the parser, which says where.
        assert!("intent:greet{4,2}".parse::<SequencePattern>().is_err());
        assert_eq!(repetition("4", "2"), "{4,2}");
    }

    #[test]
    fn slot_values_are_written_as_the_pattern_reads_them() {
        assert_eq!(pattern_value("4"), "4");
        assert_eq!(pattern_value("-2.5"), "-2.5");
        assert_eq!(pattern_value("true"), "true");
        assert_eq!(pattern_value("null"), "null");
        assert_eq!(pattern_value("thai"), "\"thai\"");
        assert_eq!(pattern_value("say \"hi\""), "\"say \\\"hi\\\"\"");
        assert_eq!(pattern_value("\"4\""), "\"4\"");
        assert_eq!(pattern_value("inf"), "\"inf\"");
        for v in ["4", "thai", "say \"hi\"", "null", "\"4\""] {
            let step = format!("slot:x={}", pattern_value(v));
            assert!(step.parse::<SequencePattern>().is_ok(), "{step}");
        }
    }
}
