//! A multiple choice: chips for what is chosen, a menu of the rest.

use leptos::prelude::*;

/// Chips plus a menu; `options` are (value, count) pairs, counts shown when known.
#[component]
pub fn MultiPick(
    /// Label above the control.
    #[prop(into)]
    label: String,
    /// Form name, also used by tests to find the control.
    #[prop(into)]
    name: String,
    /// What can be chosen.
    #[prop(into)]
    options: Signal<Vec<(String, Option<i64>)>>,
    /// What is chosen.
    #[prop(into)]
    selected: Signal<Vec<String>>,
    /// Called with the new choice.
    set: Callback<Vec<String>>,
) -> impl IntoView {
    let add = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if !value.is_empty() {
            let mut now = selected.get_untracked();
            if !now.contains(&value) {
                now.push(value);
                set.run(now);
            }
        }
        // Back to the placeholder so the same menu can add another value.
        if let Some(select) = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlSelectElement>(t).ok())
        {
            select.set_value("");
        }
    };
    let remove = move |value: String| {
        let now: Vec<String> = selected
            .get_untracked()
            .into_iter()
            .filter(|v| *v != value)
            .collect();
        set.run(now);
    };
    let name_of_menu = label.clone();
    view! {
        <div class="field multi-pick">
            <span class="field-label">{label}</span>
            <div class="chips">
                {move || selected.get().into_iter().map(|v| {
                    let v2 = v.clone();
                    view! {
                        <span class="chip">{v.clone()}
                            <button type="button" class="chip-remove" aria-label=format!("Remove {v}")
                                on:click=move |_| remove(v2.clone())>"×"</button>
                        </span>
                    }
                }).collect_view()}
            </div>
            <select name=name aria-label=name_of_menu on:change=add>
                <option value="" selected>"Add…"</option>
                {move || {
                    let chosen = selected.get();
                    options.get().into_iter().filter(|(v, _)| !chosen.contains(v)).map(|(v, n)| {
                        let text = match n { Some(n) => format!("{v} ({n})"), None => v.clone() };
                        view! { <option value=v>{text}</option> }
                    }).collect_view()
                }}
            </select>
        </div>
    }
}
