//! The login page; afterwards the reviewer goes back to where they were (`?next=`).

use hindsight_types::LoginResponse;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::{self, ApiFailure};
use crate::components::common::ErrorBox;
use crate::load::Task;

/// `/login?next=/conversations/…`.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let navigate = use_navigate();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let login = Task::<LoginResponse>::new();
    let lapsed = api::session().with_untracked(Option::is_none)
        && query.with_untracked(|q| q.get("next").is_some());

    Effect::new(move |_| {
        if let Some(Ok(answer)) = login.value.get() {
            api::start_session(&answer.access_token, answer.user);
        }
    });
    // Logged in (just now, or already when the page opened): on to where the reviewer was.
    Effect::new(move |_| {
        if api::session().with(Option::is_some) {
            // Only paths of this app: never send the reviewer to another site.
            let next = query
                .with_untracked(|q| q.get("next"))
                .filter(|n| crate::state::safe_next(n).is_some())
                .unwrap_or_else(|| "/".to_owned());
            navigate(&next, Default::default());
        }
    });

    let error = move || match login.value.get() {
        Some(Err(ApiFailure { status: 401, .. })) => Some("Wrong username or password.".to_owned()),
        Some(Err(e)) => Some(e.message),
        _ => None,
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        login.run(api::auth::login(
            username.get_untracked(),
            password.get_untracked(),
        ));
    };

    view! {
        <div class="login-page">
            <form class="login-card" on:submit=submit>
                <h1 class="login-title"><span class="logo">"◐"</span>" Hindsight"</h1>
                <p class="muted">"Review what your Rasa assistant talked about."</p>
                {lapsed.then(|| view! { <p class="notice">"Please log in to continue where you were."</p> })}
                <label>"Username"
                    <input name="username" autocomplete="username" required autofocus
                        prop:value=username on:input=move |ev| username.set(event_target_value(&ev))/>
                </label>
                <label>"Password"
                    <input name="password" type="password" autocomplete="current-password" required
                        prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
                </label>
                {move || error().map(|m| view! { <ErrorBox message=m/> })}
                <button class="btn btn-primary" type="submit" disabled=move || login.pending.get()>
                    {move || if login.pending.get() { "Logging in…" } else { "Log in" }}
                </button>
            </form>
        </div>
    }
}
