//! The root: router, session guard, top bar, toasts and the keyboard.

use leptos::prelude::*;
use leptos::wasm_bindgen::closure::Closure;
use leptos::wasm_bindgen::JsCast;
use leptos_router::components::Router;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::components::common::{OfflineBanner, Toasts};
use crate::components::shortcuts::{install_shortcuts, ShortcutHelp};
use crate::components::top_bar::TopBar;
use crate::live::Live;
use crate::pages::admin::AdminPage;
use crate::pages::discover::DiscoverPage;
use crate::pages::inbox::InboxPage;
use crate::pages::login::LoginPage;
use crate::pages::mentions::MentionsPage;
use crate::pages::paths::PathsPage;
use crate::pages::queues::QueuesPage;
use crate::pages::review::{queue_of, ReviewPage};
use crate::pages::training::TrainingPage;
use crate::state::{with_query, Workspace};

/// The screens. The inbox owns `/` and `/conversations/{id}[/messages/{event_id}]`, so
/// moving between conversations and messages keeps the list as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    Login,
    Admin,
    Inbox,
    Training,
    Queues,
    Paths,
    Review,
    Mentions,
    Discover,
    NotFound,
}

fn screen(path: &str) -> Screen {
    match path.trim_end_matches('/') {
        "/login" => Screen::Login,
        "/admin" => Screen::Admin,
        "/training" => Screen::Training,
        "/queues" => Screen::Queues,
        "/paths" => Screen::Paths,
        "/mentions" => Screen::Mentions,
        "/discover" => Screen::Discover,
        p if queue_of(p).is_some() => Screen::Review,
        "" => Screen::Inbox,
        p if p.starts_with("/conversations/") => Screen::Inbox,
        _ => Screen::NotFound,
    }
}

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    // The app-wide signals are thread-locals made on first use, owned by whatever reactive
    // owner is current then: made here, they live as long as the app. (Made first inside a
    // list's effect, Retry's counter was disposed with that effect's next run, and the tab
    // counts never loaded again after the server came back.)
    let _ = (
        api::retries(),
        api::offline(),
        api::pending(),
        api::session(),
    );
    provide_context(Workspace::new());
    let live = Live::new();
    provide_context(live);
    live.install();
    view! {
        <Router>
            <SessionGuard/>
            <TopBar/>
            <OfflineBanner/>
            <main class="app-main"><Screens/></main>
            <ShortcutHelp/>
            <Toasts/>
        </Router>
    }
}

/// Shows the screen of the current path. (A match on the path rather than `<Routes>`: the
/// route tables' generic code was a tenth of the bundle for four screens.)
#[component]
fn Screens() -> impl IntoView {
    let location = use_location();
    let current = Memo::new(move |_| screen(&location.pathname.get()));
    move || match current.get() {
        Screen::Login => view! { <LoginPage/> }.into_any(),
        Screen::Admin => view! { <AdminPage/> }.into_any(),
        Screen::Inbox => view! { <InboxPage/> }.into_any(),
        Screen::Training => view! { <TrainingPage/> }.into_any(),
        Screen::Queues => view! { <QueuesPage/> }.into_any(),
        Screen::Paths => view! { <PathsPage/> }.into_any(),
        Screen::Review => view! { <ReviewPage/> }.into_any(),
        Screen::Mentions => view! { <MentionsPage/> }.into_any(),
        Screen::Discover => view! { <DiscoverPage/> }.into_any(),
        Screen::NotFound => view! { <NotFound/> }.into_any(),
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
            let next = if here == "/" {
                String::new()
            } else {
                format!("?next={}", api::enc(&here))
            };
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
    install_link_handler();
}

/// Sends every click on a same-origin link through the router's `navigate`, which writes
/// the address bar (`pushState`) at once.
///
/// leptos_router's own link handler sets its URL signal but leaves `pushState` until a
/// `<Routes>` reports the new route ready (`LocationProvider::ready_to_complete`); this app
/// matches paths itself (see [`Screens`]), so the address bar never followed a row, the logo
/// or "Admin". That handler also rewrites the path with `decodeURI`, which would turn an
/// id's `%25` into `%`; `navigate` keeps the path exactly as the link encodes it. Listening
/// in the capture phase runs this first; the router's handler then sees the click handled.
fn install_link_handler() {
    let navigate = use_navigate();
    let on_click = Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
        if ev.default_prevented()
            || ev.button() != 0
            || ev.meta_key()
            || ev.alt_key()
            || ev.ctrl_key()
            || ev.shift_key()
        {
            return;
        }
        let Some(a) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("a[href]").ok().flatten())
        else {
            return;
        };
        let opens_elsewhere =
            a.get_attribute("target").is_some_and(|t| !t.is_empty()) || a.has_attribute("download");
        let href = a.get_attribute("href").unwrap_or_default();
        let here = window().location();
        let Ok(url) = web_sys::Url::new_with_base(&href, &here.href().unwrap_or_default()) else {
            return;
        };
        if opens_elsewhere || Some(url.origin()) != here.origin().ok() {
            return;
        }
        ev.prevent_default();
        navigate(
            &format!("{}{}{}", url.pathname(), url.search(), url.hash()),
            Default::default(),
        );
    });
    let _ = window().add_event_listener_with_callback_and_bool(
        "click",
        on_click.as_ref().unchecked_ref(),
        true,
    );
    // The app lives as long as the page.
    on_click.forget();
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
