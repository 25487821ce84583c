//! Admin: users, their roles, API tokens (a new token is shown once), review queues, what
//! the path explorer counts as a fallback, and the live import: the event broker's state, messages that could not be imported, `rasa export`
//! runs.

use hindsight_types::{
    ApiTokenInfo, CreatedApiToken, NewApiToken, NewUser, Role, UserInfo, UserUpdate,
};
use leptos::prelude::*;

use crate::api::{self, ApiResult};
use crate::components::broker_admin::{BrokerCard, ExportRuns, IngestErrors};
use crate::components::common::{ErrorBox, Spinner};
use crate::components::conversation_header::copy_text;
use crate::components::path_settings::PathSettingsCard;
use crate::components::queue_admin::QueueAdmin;
use crate::format::local;
use crate::load::{fetch, Task};
use crate::state::workspace;

fn role_options(current: Role) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(
            move |r| view! { <option value=r.as_str() selected=r == current>{r.as_str()}</option> },
        )
        .collect_view()
}

/// `/admin`.
#[component]
pub fn AdminPage() -> impl IntoView {
    let me = api::session();
    view! {
        <div class="admin-page">
            {move || match me.get() {
                Some(u) if u.role == Role::Admin => view! {
                    <Users/><Tokens/><QueueAdmin/><PathSettingsCard/><BrokerCard/><IngestErrors/><ExportRuns/>
                }.into_any(),
                Some(_) => view! { <ErrorBox message="Only admins manage users, API tokens and review queues and see the import's state."/> }.into_any(),
                None => ().into_any(),
            }}
        </div>
    }
}

/// Runs a change, then reloads the list or shows the failure.
fn run(
    version: RwSignal<u32>,
    error: RwSignal<Option<String>>,
    ok: &'static str,
    fut: impl std::future::Future<Output = ApiResult<()>> + 'static,
) {
    let ws = workspace();
    leptos::task::spawn_local(async move {
        match fut.await {
            Ok(()) => {
                error.set(None);
                version.update(|v| *v += 1);
                ws.notify(ok);
            }
            Err(e) => error.set(Some(e.message)),
        }
    });
}

#[component]
fn Users() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let users = fetch(move || {
        version.track();
        api::admin::users()
    });
    let error = RwSignal::new(None::<String>);
    let (name, password, role) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(Role::Reviewer),
    );
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let user = NewUser {
            username: name.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            role: role.get_untracked(),
        };
        name.set(String::new());
        password.set(String::new());
        run(version, error, "User added.", async move {
            api::admin::create_user(&user).await
        });
    };
    let row = move |u: UserInfo| {
        let (n1, n2, n3) = (u.username.clone(), u.username.clone(), u.username.clone());
        let role_label = format!("Role of {}", u.username);
        view! {
            <tr data-user=u.username.clone()>
                <td>{u.username.clone()}</td>
                <td><select name="role" aria-label=role_label on:change=move |ev| {
                    let r: Role = event_target_value(&ev).parse().unwrap_or(Role::Viewer);
                    let n = n1.clone();
                    run(version, error, "Role changed.", async move { api::admin::update_user(&n, &UserUpdate { role: Some(r), password: None }).await });
                }>{role_options(u.role)}</select></td>
                <td class="muted">{u.created_at.map(local).unwrap_or_default()}</td>
                <td>
                    <button class="btn btn-small" on:click=move |_| {
                        let Ok(Some(p)) = window().prompt_with_message(&format!("New password for {n2} (at least 8 characters)")) else { return };
                        let n = n2.clone();
                        run(version, error, "Password changed.", async move { api::admin::update_user(&n, &UserUpdate { role: None, password: Some(p) }).await });
                    }>"Set password"</button>
                    <button class="btn btn-small btn-danger" on:click=move |_| {
                        if window().confirm_with_message(&format!("Delete user {n3}?")).unwrap_or(false) {
                            let n = n3.clone();
                            run(version, error, "User deleted.", async move { api::admin::delete_user(&n).await });
                        }
                    }>"Delete"</button>
                </td>
            </tr>
        }
    };
    view! {
        <section class="card" id="users">
            <h2>"Users"</h2>
            {move || users.get().map(|r| match r {
                    Ok(list) => view! {
                        <table class="table"><thead><tr><th>"Username"</th><th>"Role"</th><th>"Created"</th><th></th></tr></thead>
                        <tbody>{list.into_iter().map(row).collect_view()}</tbody></table>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.message/> }.into_any(),
                }).unwrap_or_else(|| view! { <Spinner/> }.into_any())}
            <form class="inline-form" on:submit=add>
                <input name="new-username" placeholder="Username" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                <input name="new-password" type="password" placeholder="Password (8+ characters)" required minlength="8"
                    autocomplete="new-password" prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
                <select name="new-role" aria-label="Role of the new user" on:change=move |ev| role.set(event_target_value(&ev).parse().unwrap_or(Role::Reviewer))>{role_options(Role::Reviewer)}</select>
                <button class="btn btn-primary" type="submit">"Add user"</button>
            </form>
            {move || error.get().map(|m| view! { <ErrorBox message=m/> })}
        </section>
    }
}

#[component]
fn Tokens() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let tokens = fetch(move || {
        version.track();
        api::admin::tokens()
    });
    let error = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<CreatedApiToken>);
    let (name, role) = (RwSignal::new(String::new()), RwSignal::new(Role::Viewer));
    let create = Task::new();
    Effect::new(move |_| match create.value.get() {
        Some(Ok(t)) => {
            created.set(Some(t));
            name.set(String::new());
            version.update(|v| *v += 1);
        }
        Some(Err(e)) => error.set(Some(e.message)),
        None => {}
    });
    let row = move |t: ApiTokenInfo| {
        let revoked = t.revoked_at.is_some();
        let id = t.id;
        view! {
            <tr class:muted=revoked>
                <td>{t.name.clone()}</td><td>{t.role.as_str()}</td><td>{t.created_by.clone()}</td>
                <td>{local(t.created_at)}</td>
                <td>{t.last_used_at.map(local).unwrap_or_else(|| "never".into())}</td>
                <td>{match t.revoked_at {
                    Some(at) => format!("revoked {}", local(at)).into_any(),
                    None => view! { <button class="btn btn-small btn-danger" on:click=move |_| {
                        run(version, error, "Token revoked.", async move { api::admin::revoke_token(id).await });
                    }>"Revoke"</button> }.into_any(),
                }}</td>
            </tr>
        }
    };
    view! {
        <section class="card" id="tokens">
            <h2>"API tokens"</h2>
            <p class="muted">"For scripts and Rasa's tracker store: send as "<code>"Authorization: Bearer …"</code>"."</p>
            {move || created.get().map(|t| {
                let secret = t.token.clone();
                view! {
                    <div class="notice secret" id="new-token">
                        <p><strong>{format!("Token “{}” created.", t.info.name)}</strong>" Copy it now: it is not shown again."</p>
                        <code class="secret-value">{t.token.clone()}</code>
                        <button class="btn btn-small" on:click=move |_| copy_text(secret.clone(), "Token")>"Copy"</button>
                        <button class="btn btn-small btn-ghost" on:click=move |_| created.set(None)>"Done"</button>
                    </div>
                }
            })}
            {move || tokens.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No API tokens yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="table"><thead><tr><th>"Name"</th><th>"Role"</th><th>"Created by"</th><th>"Created"</th><th>"Last used"</th><th></th></tr></thead>
                        <tbody>{list.into_iter().map(row).collect_view()}</tbody></table>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.message/> }.into_any(),
                }).unwrap_or_else(|| view! { <Spinner/> }.into_any())}
            <form class="inline-form" on:submit=move |ev| {
                ev.prevent_default();
                let token = NewApiToken { name: name.get_untracked().trim().to_owned(), role: role.get_untracked() };
                create.run(async move { api::admin::create_token(&token).await });
            }>
                <input name="token-name" placeholder="Token name, e.g. rasa-tracker-store" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                <select name="token-role" aria-label="Role of the new token" on:change=move |ev| role.set(event_target_value(&ev).parse().unwrap_or(Role::Viewer))>{role_options(Role::Viewer)}</select>
                <button class="btn btn-primary" type="submit" disabled=move || create.pending.get()>"Create token"</button>
            </form>
            {move || error.get().map(|m| view! { <ErrorBox message=m/> })}
        </section>
    }
}
