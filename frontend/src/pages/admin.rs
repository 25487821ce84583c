//! Settings: the team's tags (reviewers and admins); users, their roles and API tokens
//! (admins; a new token is shown once).

use hindsight_types::{
    ApiTokenInfo, CreatedApiToken, NewApiToken, NewUser, Role, TagUpdate, TagWithUsage, UserInfo,
    UserUpdate,
};
use leptos::prelude::*;

use crate::api::{self, ApiResult};
use crate::components::common::{ErrorBox, Spinner, TagChip};
use crate::components::conversation_header::copy_text;
use crate::format::local;
use crate::state::workspace;

fn role_options(current: Role) -> impl IntoView {
    Role::ALL.into_iter().map(move |r| view! { <option value=r.as_str() selected=r == current>{r.as_str()}</option> }).collect_view()
}

/// `/admin`.
#[component]
pub fn AdminPage() -> impl IntoView {
    let me = api::session();
    view! {
        <div class="admin-page">
            {move || match me.get() {
                Some(u) if u.role == Role::Admin => view! { <Tags/><Users/><Tokens/> }.into_any(),
                Some(u) if u.role == Role::Reviewer => view! {
                    <Tags/>
                    <p class="muted">"Users and API tokens are managed by admins."</p>
                }.into_any(),
                Some(_) => view! { <ErrorBox message="Viewers cannot change settings."/> }.into_any(),
                None => ().into_any(),
            }}
        </div>
    }
}

/// Runs a change, then reloads the list or shows the failure.
fn run(version: RwSignal<u32>, error: RwSignal<Option<String>>, ok: &'static str, fut: impl std::future::Future<Output = ApiResult<()>> + 'static) {
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
fn Tags() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let tags = LocalResource::new(move || {
        version.track();
        api::tags::all()
    });
    let error = RwSignal::new(None::<String>);
    let (name, colour) = (RwSignal::new(String::new()), RwSignal::new("#0091ff".to_owned()));
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let tag = TagUpdate {
            value: Some(name.get_untracked().trim().to_owned()),
            color: Some(colour.get_untracked().trim_start_matches('#').to_owned()),
        };
        name.set(String::new());
        run(version, error, "Tag created.", async move { api::tags::create(&tag).await.map(|_| ()) });
    };
    let row = move |t: TagWithUsage| {
        let (id, v1, v2) = (t.tag.id, t.tag.value.clone(), t.tag.value.clone());
        view! {
            <tr data-tag-row=t.tag.value.clone()>
                <td><TagChip tag=t.tag.clone()/></td>
                <td>{format!("{} conversations", t.conversations)}</td>
                <td>
                    <input type="color" aria-label="Colour" prop:value=format!("#{}", t.tag.color) on:change=move |ev| {
                        let color = Some(event_target_value(&ev).trim_start_matches('#').to_owned());
                        run(version, error, "Colour changed.", async move { api::tags::update(id, &TagUpdate { value: None, color }).await });
                    }/>
                    <button class="btn btn-small" on:click=move |_| {
                        let Ok(Some(v)) = window().prompt_with_message_and_default("New name", &v1) else { return };
                        run(version, error, "Tag renamed.", async move { api::tags::update(id, &TagUpdate { value: Some(v), color: None }).await });
                    }>"Rename"</button>
                    <button class="btn btn-small btn-danger" on:click=move |_| {
                        if window().confirm_with_message(&format!("Delete tag {v2} from every conversation?")).unwrap_or(false) {
                            run(version, error, "Tag deleted.", async move { api::tags::delete(id).await });
                        }
                    }>"Delete"</button>
                </td>
            </tr>
        }
    };
    view! {
        <section class="card" id="tags">
            <h2>"Tags"</h2>
            <Transition fallback=|| view! { <Spinner/> }>
                {move || tags.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No tags yet: create one here or with the gear on a conversation."</p> }.into_any(),
                    Ok(list) => view! { <table class="table"><tbody>{list.into_iter().map(row).collect_view()}</tbody></table> }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.message/> }.into_any(),
                })}
            </Transition>
            <form class="inline-form" on:submit=add>
                <input name="new-tag" placeholder="Tag name" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                <input type="color" name="new-tag-color" prop:value=colour on:input=move |ev| colour.set(event_target_value(&ev))/>
                <button class="btn btn-primary" type="submit">"Create tag"</button>
            </form>
            {move || error.get().map(|m| view! { <ErrorBox message=m/> })}
        </section>
    }
}

#[component]
fn Users() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let users = LocalResource::new(move || {
        version.track();
        api::admin::users()
    });
    let error = RwSignal::new(None::<String>);
    let (name, password, role) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(Role::Reviewer));
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let user = NewUser { username: name.get_untracked().trim().to_owned(), password: password.get_untracked(), role: role.get_untracked() };
        name.set(String::new());
        password.set(String::new());
        run(version, error, "User added.", async move { api::admin::create_user(&user).await });
    };
    let row = move |u: UserInfo| {
        let (n1, n2, n3) = (u.username.clone(), u.username.clone(), u.username.clone());
        view! {
            <tr data-user=u.username.clone()>
                <td>{u.username.clone()}</td>
                <td><select name="role" on:change=move |ev| {
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
            <Transition fallback=|| view! { <Spinner/> }>
                {move || users.get().map(|r| match r {
                    Ok(list) => view! {
                        <table class="table"><thead><tr><th>"Username"</th><th>"Role"</th><th>"Created"</th><th></th></tr></thead>
                        <tbody>{list.into_iter().map(row).collect_view()}</tbody></table>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.message/> }.into_any(),
                })}
            </Transition>
            <form class="inline-form" on:submit=add>
                <input name="new-username" placeholder="Username" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                <input name="new-password" type="password" placeholder="Password (8+ characters)" required minlength="8"
                    autocomplete="new-password" prop:value=password on:input=move |ev| password.set(event_target_value(&ev))/>
                <select name="new-role" on:change=move |ev| role.set(event_target_value(&ev).parse().unwrap_or(Role::Reviewer))>{role_options(Role::Reviewer)}</select>
                <button class="btn btn-primary" type="submit">"Add user"</button>
            </form>
            {move || error.get().map(|m| view! { <ErrorBox message=m/> })}
        </section>
    }
}

#[component]
fn Tokens() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let tokens = LocalResource::new(move || {
        version.track();
        api::admin::tokens()
    });
    let error = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<CreatedApiToken>);
    let (name, role) = (RwSignal::new(String::new()), RwSignal::new(Role::Viewer));
    let create = Action::new_local(|t: &NewApiToken| {
        let t = t.clone();
        async move { api::admin::create_token(&t).await }
    });
    Effect::new(move |_| match create.value().get() {
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
            <Transition fallback=|| view! { <Spinner/> }>
                {move || tokens.get().map(|r| match r {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No API tokens yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="table"><thead><tr><th>"Name"</th><th>"Role"</th><th>"Created by"</th><th>"Created"</th><th>"Last used"</th><th></th></tr></thead>
                        <tbody>{list.into_iter().map(row).collect_view()}</tbody></table>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox message=e.message/> }.into_any(),
                })}
            </Transition>
            <form class="inline-form" on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(NewApiToken { name: name.get_untracked().trim().to_owned(), role: role.get_untracked() });
            }>
                <input name="token-name" placeholder="Token name, e.g. rasa-tracker-store" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                <select name="token-role" on:change=move |ev| role.set(event_target_value(&ev).parse().unwrap_or(Role::Viewer))>{role_options(Role::Viewer)}</select>
                <button class="btn btn-primary" type="submit" disabled=move || create.pending().get()>"Create token"</button>
            </form>
            {move || error.get().map(|m| view! { <ErrorBox message=m/> })}
        </section>
    }
}
