//! Saved filter templates: save the current filter under a name, apply, update, share,
//! delete.

use hindsight_types::{FilterTemplate, FilterTemplateInput, Role};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::components::common::{ErrorBox, Spinner};
use crate::load::{fetch, Task};
use crate::state::{with_query, workspace};

/// The drop-down under "Saved filters".
#[component]
pub fn TemplatesMenu(open: RwSignal<bool>) -> impl IntoView {
    let ws = workspace();
    let location = use_location();
    let navigate = use_navigate();
    let version = RwSignal::new(0u32);
    let templates = fetch(move || {
        version.track();
        api::filters::list()
    });
    let name = RwSignal::new(String::new());
    let shared = RwSignal::new(false);
    let me = api::session();
    let error = RwSignal::new(None::<String>);

    let done = move |result: api::ApiResult<()>, message: &str| match result {
        Ok(()) => {
            error.set(None);
            version.update(|v| *v += 1);
            ws.notify(message.to_owned());
        }
        Err(e) => error.set(Some(e.message)),
    };
    let save = Task::new();
    Effect::new(move |_| {
        if let Some(r) = save.value.get() {
            if r.is_ok() {
                name.set(String::new());
            }
            done(r, "Filter saved.");
        }
    });
    let on_save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let n = name.get_untracked().trim().to_owned();
        if n.is_empty() {
            error.set(Some("Give the filter a name.".into()));
            return;
        }
        let query = location.search.get_untracked();
        let input = FilterTemplateInput {
            name: n,
            query,
            shared: shared.get_untracked(),
        };
        save.run(async move { api::filters::create(&input).await });
    };
    let apply = move |t: &FilterTemplate| {
        open.set(false);
        navigate(&with_query("/".to_owned(), &t.query), Default::default());
    };
    let update = move |t: FilterTemplate, query: String, shared: bool| {
        leptos::task::spawn_local(async move {
            let input = FilterTemplateInput {
                name: t.name.clone(),
                query,
                shared,
            };
            done(
                api::filters::update(t.id, &input).await,
                "Saved filter updated.",
            );
        });
    };
    let delete = move |t: FilterTemplate| {
        leptos::task::spawn_local(async move {
            done(api::filters::delete(t.id).await, "Saved filter deleted.");
        });
    };

    let row = move |t: FilterTemplate| {
        let mine = me.with_untracked(|u| u.as_ref().is_some_and(|u| u.username == t.owner));
        let admin = me.with_untracked(|u| u.as_ref().is_some_and(|u| u.role == Role::Admin));
        let (t1, t2, t3, t4) = (t.clone(), t.clone(), t.clone(), t.clone());
        let apply = apply.clone();
        view! {
            <li class="template" data-template=t.name.clone()>
                <button class="template-name" title=t.query.clone() on:click=move |_| apply(&t1)>
                    {t.name.clone()}
                </button>
                {t.shared.then(|| view! { <span class="badge" title="Shared with the team">"shared"</span> })}
                {(!mine).then(|| view! { <span class="muted small">{format!("by {}", t.owner)}</span> })}
                <span class="template-actions">
                    {mine.then(|| view! {
                        <button class="btn btn-small" title="Replace with the current filter"
                            on:click=move |_| update(t2.clone(), location.search.get_untracked(), t2.shared)>"Update"</button>
                        <button class="btn btn-small" title="Share with the team or stop sharing"
                            on:click=move |_| update(t3.clone(), t3.query.clone(), !t3.shared)>
                            {if t.shared { "Unshare" } else { "Share" }}
                        </button>
                    })}
                    {(mine || admin).then(|| view! {
                        <button class="btn btn-small btn-danger" on:click=move |_| delete(t4.clone())>"Delete"</button>
                    })}
                </span>
            </li>
        }
    };

    view! {
        <div class="menu templates-menu" role="dialog" aria-label="Saved filters">
            {move || templates.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted">"No saved filters yet. Set a filter, name it below and save it."</p>
                    }.into_any(),
                    Ok(list) => view! { <ul class="template-list">{list.into_iter().map(row.clone()).collect_view()}</ul> }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.message/> }.into_any(),
                }).unwrap_or_else(|| view! { <Spinner/> }.into_any())}
            <form class="template-save" on:submit=on_save>
                <input name="template-name" placeholder="Name for the current filter" prop:value=name
                    on:input=move |ev| name.set(event_target_value(&ev))/>
                <label class="check"><input type="checkbox" prop:checked=shared
                    on:change=move |ev| shared.set(event_target_checked(&ev))/>"Share with the team"</label>
                <button class="btn btn-primary" type="submit" disabled=move || save.pending.get()>"Save current filter"</button>
            </form>
            {move || error.get().map(|m| view! { <ErrorBox message=m/> })}
        </div>
    }
}
