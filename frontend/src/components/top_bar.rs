//! The bar at the top: search, filters, saved templates, help, admin, logout.

use hindsight_types::Role;
use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::components::common::ProgressBar;
use crate::components::templates::TemplatesMenu;
use crate::state::{filter_from_query, with_query, workspace, Command};

/// The top bar (hidden on the login page).
#[component]
pub fn TopBar() -> impl IntoView {
    let ws = workspace();
    let location = use_location();
    let navigate = use_navigate();
    let session = api::session();
    let on_login = move || location.pathname.with(|p| p == "/login");
    let search_ref = NodeRef::<Input>::new();
    let text = RwSignal::new(String::new());
    let templates_open = ws.templates_open;

    // The box shows the filter's text whenever the URL changes.
    Effect::new(move |_| {
        let t = filter_from_query(&location.search.get())
            .ok()
            .and_then(|f| f.text)
            .unwrap_or_default();
        text.set(t);
    });
    // `/` focuses the box.
    Effect::watch(
        move || ws.command.get(),
        move |(_, cmd), _, _| {
            if *cmd == Some(Command::Search) {
                if let Some(input) = search_ref.get_untracked() {
                    let _ = input.focus();
                    input.select();
                }
            }
        },
        false,
    );

    let nav = navigate.clone();
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut filter = filter_from_query(&location.search.get_untracked()).unwrap_or_default();
        let t = text.get_untracked();
        filter.text = Some(t.trim().to_owned()).filter(|t| !t.is_empty());
        // Searching goes back to the list (keeping an open conversation would be confusing).
        nav(
            &with_query("/".to_owned(), &filter.to_query()),
            Default::default(),
        );
        if let Some(input) = search_ref.get_untracked() {
            let _ = input.blur();
        }
    };
    let logout = move |_| {
        navigate("/login", Default::default());
        api::end_session();
    };
    let active_filters = move || {
        filter_from_query(&location.search.get())
            .map(|f| {
                let mut f = f;
                f.review_status.clear();
                f.text = None;
                !f.is_empty()
            })
            .unwrap_or(false)
    };
    let inbox_href = move || with_query("/".to_owned(), &location.search.get());

    view! {
        <Show when=move || !on_login() && session.with(Option::is_some)>
            <header class="top-bar">
                <ProgressBar/>
                <a class="brand" href=inbox_href><span class="logo">"◐"</span>" Hindsight"</a>
                <form class="search" role="search" on:submit=search.clone()>
                    <input type="search" name="q" placeholder="Search user messages  ( / )"
                        aria-label="Search user messages" node_ref=search_ref
                        minlength="3" title="At least 3 characters (the server refuses shorter text)"
                        prop:value=text on:input=move |ev| text.set(event_target_value(&ev))/>
                </form>
                <button class="btn" class:btn-on=move || ws.filters_open.get() id="toggle-filters"
                    on:click=move |_| ws.filters_open.update(|o| *o = !*o)>
                    "Filters"{move || active_filters().then(|| view! { <span class="dot" title="Filters are active"></span> })}
                </button>
                <div class="menu-anchor">
                    <button class="btn" id="toggle-templates" class:btn-on=move || templates_open.get()
                        on:click=move |_| templates_open.update(|o| *o = !*o)>"Saved filters ▾"</button>
                    <Show when=move || templates_open.get()>
                        <TemplatesMenu open=templates_open/>
                    </Show>
                </div>
                <span class="spacer"></span>
                <a class="btn btn-ghost" id="paths-link" href=move || with_query("/paths".to_owned(), &location.search.get())
                    title="The paths the filtered conversations take, step by step">"Paths"</a>
                <a class="btn btn-ghost" id="discover-link" href=move || with_query("/discover".to_owned(), &location.search.get())
                    title="Groups of messages the assistant likely did not handle">"Discover"</a>
                <a class="btn btn-ghost" id="training-link" href="/training">"Training data"</a>
                <a class="btn btn-ghost" id="mentions-link" href="/mentions"
                    title="Comments that mention you">"Mentions"</a>
                {move || session.get().filter(|u| u.role != Role::Viewer).map(|_| view! {
                    <a class="btn btn-ghost" id="queues-link" href="/queues">"Review queues"</a>
                })}
                <button class="btn btn-ghost" id="open-settings" title="Keyboard shortcuts and settings ( ? )"
                    aria-label="Keyboard shortcuts and settings" on:click=move |_| ws.help_open.set(true)>"?"</button>
                {move || session.get().filter(|u| u.role == Role::Admin).map(|_| view! {
                    <a class="btn btn-ghost" id="admin-link" href="/admin">"Admin"</a>
                })}
                <span class="user" title="Logged in">{move || session.get().map(|u| format!("{} · {}", u.username, u.role.as_str()))}</span>
                <button class="btn btn-ghost" id="logout" on:click=logout.clone()>"Log out"</button>
            </header>
        </Show>
    }
}
