//! The admin page's **Path explorer** card: the intents and actions the explorer colours as
//! fallbacks, one name a line.

use hindsight_types::PathSettings;
use leptos::prelude::*;

use crate::api;
use crate::components::common::{ErrorBox, Spinner};
use crate::load::{fetch, Task};
use crate::state::workspace;

/// The names of a text box, one a line, blank lines left out.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The card, editing the server's path settings.
#[component]
pub fn PathSettingsCard() -> impl IntoView {
    let loaded = fetch(api::admin::path_settings);
    let (intents, actions) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let show = move |s: &PathSettings| {
        intents.set(s.fallback_intents.join("\n"));
        actions.set(s.fallback_actions.join("\n"));
    };
    Effect::new(move |_| {
        if let Some(Ok(s)) = loaded.get() {
            show(&s);
        }
    });
    let save = Task::new();
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| match save.value.get() {
        Some(Ok(s)) => {
            show(&s);
            error.set(None);
            workspace().notify("Fallback names saved.");
        }
        Some(Err(e)) => error.set(Some(e.message)),
        None => {}
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let settings = PathSettings {
            fallback_intents: lines(&intents.get_untracked()),
            fallback_actions: lines(&actions.get_untracked()),
        };
        save.run(async move { api::admin::update_path_settings(&settings).await });
    };
    view! {
        <section class="card" id="path-settings">
            <h2>"Path explorer"</h2>
            <p class="muted">"The steps the path explorer colours red as fallbacks, and Discover's candidates unless a run names its own: one name a line."</p>
            {move || match loaded.get() {
                None => view! { <Spinner/> }.into_any(),
                Some(Err(e)) => view! { <ErrorBox message=e.message/> }.into_any(),
                Some(Ok(_)) => view! {
                    <form class="path-settings-form" on:submit=submit>
                        <label class="field">"Fallback intents"
                            <textarea name="fallback_intents" rows="3" spellcheck="false"
                                prop:value=intents on:input=move |ev| intents.set(event_target_value(&ev))/>
                        </label>
                        <label class="field">"Fallback actions"
                            <textarea name="fallback_actions" rows="3" spellcheck="false"
                                prop:value=actions on:input=move |ev| actions.set(event_target_value(&ev))/>
                        </label>
                        <button class="btn btn-primary" type="submit" id="save-path-settings"
                            disabled=move || save.pending.get()>"Save"</button>
                    </form>
                }.into_any(),
            }}
            {move || error.get().map(|m| view! { <ErrorBox message=m/> })}
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_name_a_line_blank_lines_left_out() {
        assert_eq!(
            super::lines(" nlu_fallback \n\n out_of_scope\r\n"),
            ["nlu_fallback", "out_of_scope"]
        );
    }
}
