//! The root: router, session guard, top bar, toasts and the keyboard.

use leptos::prelude::*;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::path;

use crate::api;
use crate::components::common::Toasts;
use crate::components::shortcuts::{install_shortcuts, ShortcutHelp};
use crate::components::top_bar::TopBar;
use crate::pages::admin::AdminPage;
use crate::pages::conversation::{ConversationPage, NoSelection};
use crate::pages::inbox::{InboxPage, NoConversation};
use crate::pages::login::LoginPage;
use crate::state::{with_query, Workspace};

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    provide_context(Workspace::new());
    view! {
        <Router>
            <SessionGuard/>
            <TopBar/>
            <main class="app-main">
                <Routes fallback=NotFound>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/admin") view=AdminPage/>
                    <ParentRoute path=path!("") view=InboxPage>
                        <Route path=path!("") view=NoConversation/>
                        <ParentRoute path=path!("conversations/:id") view=ConversationPage>
                            <Route path=path!("") view=NoSelection/>
                            <Route path=path!("messages/:event_id") view=NoSelection/>
                        </ParentRoute>
                    </ParentRoute>
                </Routes>
            </main>
            <ShortcutHelp/>
            <Toasts/>
        </Router>
    }
}

/// Sends a visitor without a session to the login page, remembering where they were, and
/// checks a remembered session with the server once.
#[component]
fn SessionGuard() -> impl IntoView {
    let location = use_location();
    let navigate = use_navigate();
    let session = api::session();
    Effect::new(move |_| {
        let path = location.pathname.get();
        if session.with(Option::is_none) && path != "/login" {
            let here = with_query(path, &location.search.get_untracked());
            let next = if here == "/" { String::new() } else { format!("?next={}", api::enc(&here)) };
            navigate(&format!("/login{next}"), Default::default());
        }
    });
    // A remembered session may have lapsed or changed role: ask once.
    if session.with_untracked(Option::is_some) {
        leptos::task::spawn_local(async move {
            if let Ok(me) = api::auth::me().await {
                session.update(|s| {
                    if s.as_ref().is_some_and(|u| u.username == me.username) {
                        *s = Some(me);
                    }
                });
            }
        });
    }
    install_shortcuts();
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <div class="empty-state">
            <h2>"Page not found"</h2>
            <p><a href="/">"Back to the inbox"</a></p>
        </div>
    }
}
