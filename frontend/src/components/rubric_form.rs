//! A review queue's rubric as a form a reviewer can answer without the mouse: one fieldset
//! per question, digits (and `p`/`f` for pass/fail) answer the focused question and move on
//! to the next, ↓/↑ (or Tab) move between questions, Esc leaves a text field.

use std::collections::BTreeMap;

use hindsight_types::{QuestionKind, RubricQuestion};
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use serde_json::Value;

/// Answers by question id, as the review route takes them.
pub type Answers = RwSignal<BTreeMap<String, Value>>;

/// The options of a question that has them: (key shown, label, the answer's value).
pub fn options(q: &RubricQuestion) -> Vec<(String, String, Value)> {
    match q.kind {
        QuestionKind::PassFail => vec![
            ("1".into(), "Pass".into(), Value::Bool(true)),
            ("2".into(), "Fail".into(), Value::Bool(false)),
        ],
        QuestionKind::Scale1To5 => (1..=5)
            .map(|n| (n.to_string(), n.to_string(), Value::from(n)))
            .collect(),
        QuestionKind::Label => q
            .choices
            .iter()
            .enumerate()
            .map(|(i, c)| {
                // Digits reach the first nine labels; the rest are chosen with ←/→.
                let key = if i < 9 {
                    (i + 1).to_string()
                } else {
                    String::new()
                };
                (key, c.clone(), Value::String(c.clone()))
            })
            .collect(),
        QuestionKind::Text => Vec::new(),
    }
}

/// Which option a key picks, if any: a digit, or `p`/`f` on a pass/fail question.
pub fn option_for_key(q: &RubricQuestion, key: &str) -> Option<usize> {
    let count = options(q).len();
    let index = match (q.kind, key) {
        (QuestionKind::PassFail, "p" | "P") => 0,
        (QuestionKind::PassFail, "f" | "F") => 1,
        (_, k) => k.parse::<usize>().ok().filter(|d| (1..=9).contains(d))? - 1,
    };
    (index < count).then_some(index)
}

/// The required questions the answers leave out, by id.
pub fn unanswered(rubric: &[RubricQuestion], answers: &BTreeMap<String, Value>) -> Vec<String> {
    rubric
        .iter()
        .filter(|q| q.required && !answers.contains_key(&q.id))
        .map(|q| q.id.clone())
        .collect()
}

/// Moves focus into question `index` (its chosen option, else its first control).
pub fn focus_question(rubric: &[RubricQuestion], index: usize) {
    let Some(q) = rubric.get(index) else {
        return;
    };
    let Some(fieldset) = document().get_element_by_id(&format!("question-{}", q.id)) else {
        return;
    };
    let target = fieldset
        .query_selector("input:checked")
        .ok()
        .flatten()
        .or_else(|| fieldset.query_selector("input, textarea").ok().flatten());
    if let Some(el) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.focus();
    }
}

/// The form. `missing` marks the questions a submission lacked (or the server refused).
#[component]
pub fn RubricForm(
    rubric: StoredValue<Vec<RubricQuestion>>,
    answers: Answers,
    missing: RwSignal<Vec<String>>,
    /// Distinguishes the radio groups of one reservation from the next one's.
    conversation_id: String,
) -> impl IntoView {
    let questions = rubric.get_value();
    let count = questions.len();
    questions
        .into_iter()
        .enumerate()
        .map(|(index, q)| {
            view! { <Question q=q index=index count=count rubric=rubric answers=answers missing=missing
                group=format!("{conversation_id}-{index}")/> }
        })
        .collect_view()
}

#[component]
fn Question(
    q: RubricQuestion,
    index: usize,
    count: usize,
    rubric: StoredValue<Vec<RubricQuestion>>,
    answers: Answers,
    missing: RwSignal<Vec<String>>,
    group: String,
) -> impl IntoView {
    let id = StoredValue::new(q.id.clone());
    let question = StoredValue::new(q.clone());
    let answer = move |value: Value| {
        let qid = id.get_value();
        answers.update(|a| {
            a.insert(qid.clone(), value);
        });
        missing.update(|m| m.retain(|x| *x != qid));
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        if ev.ctrl_key() || ev.alt_key() || ev.meta_key() || ev.default_prevented() {
            return;
        }
        let in_text = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| e.tag_name().eq_ignore_ascii_case("textarea"));
        let key = ev.key();
        if in_text {
            // Leaves the field, so the single keys work again.
            if key == "Escape" {
                ev.prevent_default();
                if let Some(rubric) = document()
                    .get_element_by_id("rubric")
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = rubric.focus();
                }
            }
            return;
        }
        let step = |to: usize| rubric.with_value(|r| focus_question(r, to));
        match key.as_str() {
            "ArrowDown" if index + 1 < count => step(index + 1),
            "ArrowUp" if index > 0 => step(index - 1),
            "ArrowDown" | "ArrowUp" => {}
            k => {
                let Some(pick) = question.with_value(|q| option_for_key(q, k)) else {
                    return;
                };
                if let Some((_, _, value)) = question.with_value(options).into_iter().nth(pick) {
                    answer(value);
                }
                if index + 1 < count {
                    step(index + 1);
                } else if let Some(submit) = document()
                    .get_element_by_id("review-submit")
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = submit.focus();
                }
            }
        }
        ev.prevent_default();
    };
    let is_missing = move || id.with_value(|i| missing.with(|m| m.contains(i)));
    let required = q.required;
    let legend = format!("{}. {}", index + 1, q.prompt);
    let hint = match q.kind {
        QuestionKind::PassFail => "p or 1: pass, f or 2: fail",
        QuestionKind::Scale1To5 => "1 to 5",
        QuestionKind::Label => "a digit picks a label",
        QuestionKind::Text => "free text",
    };
    let body = if q.kind == QuestionKind::Text {
        let text_id = format!("answer-{}", q.id);
        view! {
            <textarea id=text_id.clone() name=text_id rows="3" aria-required=required.to_string()
                aria-label=q.prompt.clone()
                prop:value=move || id.with_value(|i| answers.with(|a| a.get(i).and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()))
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    let qid = id.get_value();
                    if text.trim().is_empty() {
                        answers.update(|a| { a.remove(&qid); });
                    } else {
                        answer(Value::String(text));
                    }
                }></textarea>
        }
        .into_any()
    } else {
        options(&q)
            .into_iter()
            .map(|(key, label, value)| {
                let chosen = value.clone();
                let checked = move || id.with_value(|i| answers.with(|a| a.get(i) == Some(&chosen)));
                let shortcut = (!key.is_empty()).then(|| key.clone());
                view! {
                    <label class="rubric-choice">
                        <input type="radio" name=group.clone() value=label.clone() required=required
                            aria-keyshortcuts=shortcut prop:checked=checked
                            on:change=move |_| answer(value.clone())/>
                        {(!key.is_empty()).then(|| view! { <kbd aria-hidden="true">{key.clone()}</kbd> })}
                        <span>{label}</span>
                    </label>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <fieldset class="rubric-question" id=format!("question-{}", q.id) data-question=q.id.clone()
            class:missing=is_missing on:keydown=on_keydown>
            <legend>
                {legend}
                {required.then(|| view! { <span class="required">" (required)"</span> })}
                <span class="muted small">{format!(" · {hint}")}</span>
            </legend>
            <div class="rubric-options">{body}</div>
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(kind: QuestionKind, choices: &[&str], required: bool) -> RubricQuestion {
        RubricQuestion {
            id: "q".into(),
            prompt: "Q?".into(),
            kind,
            choices: choices.iter().map(|c| (*c).to_owned()).collect(),
            required,
        }
    }

    #[test]
    fn keys_pick_options_by_kind() {
        let pass_fail = question(QuestionKind::PassFail, &[], true);
        assert_eq!(option_for_key(&pass_fail, "p"), Some(0));
        assert_eq!(option_for_key(&pass_fail, "2"), Some(1));
        assert_eq!(option_for_key(&pass_fail, "3"), None);
        let scale = question(QuestionKind::Scale1To5, &[], false);
        assert_eq!(option_for_key(&scale, "5"), Some(4));
        assert_eq!(option_for_key(&scale, "0"), None);
        assert_eq!(option_for_key(&scale, "p"), None);
        let label = question(QuestionKind::Label, &["success", "failure"], false);
        assert_eq!(option_for_key(&label, "2"), Some(1));
        assert_eq!(options(&label)[1].2, Value::from("failure"));
        assert_eq!(
            option_for_key(&question(QuestionKind::Text, &[], false), "1"),
            None
        );
    }

    #[test]
    fn lists_the_required_questions_left_unanswered() {
        let mut rubric = vec![question(QuestionKind::PassFail, &[], true)];
        let mut notes = question(QuestionKind::Text, &[], false);
        notes.id = "notes".into();
        rubric.push(notes);
        let mut answers = BTreeMap::new();
        assert_eq!(unanswered(&rubric, &answers), vec!["q".to_owned()]);
        answers.insert("q".to_owned(), Value::Bool(false));
        assert!(unanswered(&rubric, &answers).is_empty());
    }
}
