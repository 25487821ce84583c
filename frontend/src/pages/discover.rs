//! `/discover` (issue 15): groups of user messages the assistant likely did not handle, from
//! the latest run, ranked by size × trend; each opens its conversations in the inbox and can
//! be dismissed. `j`/`k` or the arrows move between groups, `o` or Enter opens the selected
//! one in the inbox; every control is reachable with Tab.

use std::time::Duration;

use hindsight_types::{DiscoverGroup, DiscoverResult, DismissReason, GroupLabelled, Role};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api;
use crate::components::add_to_queue::AddToQueue;
use crate::components::common::{load_error, Spinner};
use crate::components::group_labeller::{labelled_message, GroupLabeller};
use crate::components::shortcuts::typing_in_a_field;
use crate::state::workspace;

/// How often the page asks again while a run is under way.
const POLL: Duration = Duration::from_secs(2);

/// The inbox URL of a group's conversations.
fn inbox_href(group: &DiscoverGroup) -> String {
    format!("/?{}", group.inbox_query)
}

/// How long ago, in words.
fn age(seconds: i64) -> String {
    match seconds {
        s if s < 90 => format!("{s} s ago"),
        s if s < 90 * 60 => format!("{} min ago", s / 60),
        s if s < 36 * 3600 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86_400),
    }
}

/// An interval in words ("15 min").
fn every(seconds: u64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 120 * 60 => format!("{} min", s / 60),
        s => format!("{} h", s / 3600),
    }
}

/// The page.
#[component]
pub fn DiscoverPage() -> impl IntoView {
    let ws = workspace();
    let location = use_location();
    let navigate = use_navigate();
    let result = RwSignal::new(None::<Result<DiscoverResult, api::ApiFailure>>);
    let selected = RwSignal::new(0usize);
    let may_edit = move || api::session().get().is_some_and(|u| u.role != Role::Viewer);
    let is_admin = move || api::session().get().is_some_and(|u| u.role == Role::Admin);
    let load = move || {
        leptos::task::spawn_local(async move {
            let answer = api::discover::latest().await;
            result.try_set(Some(answer));
        });
    };
    // Ask again while a run is under way.
    Effect::new(move |_| {
        if result.with(|r| matches!(r, Some(Ok(r)) if r.running.is_some())) {
            set_timeout(load, POLL);
        }
    });
    load();
    let groups = move || -> Vec<DiscoverGroup> {
        result.with(|r| match r {
            Some(Ok(r)) => r
                .groups
                .iter()
                .filter(|g| g.dismissed.is_none())
                .cloned()
                .collect(),
            _ => Vec::new(),
        })
    };
    let start = move |_| {
        let query = location.search.get_untracked();
        let query = query.trim_start_matches('?').to_owned();
        leptos::task::spawn_local(async move {
            match api::discover::start(&query).await {
                Ok(run) => {
                    ws.notify(format!("Discover run {} started.", run.id));
                    load();
                }
                Err(e) => ws.fail(e),
            }
        });
    };
    let dismiss = move |id: i64, reason: DismissReason| {
        leptos::task::spawn_local(async move {
            match api::discover::dismiss(id, reason).await {
                Ok(g) => {
                    ws.notify(format!(
                        "“{}” dismissed: it stays out of the next run.",
                        g.label
                    ));
                    load();
                }
                Err(e) => ws.fail(e),
            }
        });
    };
    let labelled = move |r: GroupLabelled| {
        ws.notify(labelled_message(&r));
        // The group's coverage changed: show it as stored.
        result.update(|res| {
            if let Some(Ok(res)) = res {
                for g in res.groups.iter_mut().filter(|g| g.id == r.group.id) {
                    *g = r.group.clone();
                }
            }
        });
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let count = groups().len();
        // A key typed into a group's form (its intent) is text, and Enter on a group's
        // button presses it.
        if count == 0 || ev.ctrl_key() || ev.meta_key() || ev.alt_key() || typing_in_a_field(&ev) {
            return;
        }
        let on_list = ev.target() == ev.current_target();
        match ev.key().as_str() {
            "j" | "ArrowDown" => selected.update(|s| *s = (*s + 1).min(count - 1)),
            "k" | "ArrowUp" => selected.update(|s| *s = s.saturating_sub(1)),
            "Enter" if !on_list => return,
            "o" | "Enter" => {
                if let Some(g) = groups().get(selected.get_untracked()) {
                    navigate(&inbox_href(g), Default::default());
                }
            }
            _ => return,
        }
        // The app's own j/k (next conversation) do not act here.
        ev.prevent_default();
        if let Some(el) = groups()
            .get(selected.get_untracked())
            .and_then(|g| document().get_element_by_id(&format!("discover-group-{}", g.id)))
        {
            el.scroll_into_view();
        }
    };
    view! {
        <div class="training-page discover-page">
            <h1 id="discover-title">"Discover"</h1>
            <p class="muted">"Groups of user messages the assistant likely did not handle (a fallback, a low confidence, a rephrasing), largest and growing first."</p>
            <div class="discover-run">
                {move || result.with(|r| match r {
                    Some(Ok(r)) => {
                        let last = match (&r.run, r.age_seconds) {
                            (Some(run), Some(a)) => format!("Last run{} {} · {} candidates{} · {} groups",
                                if run.automatic { " (automatic)" } else { "" }, age(a), run.candidates,
                                if run.truncated { " (the newest only)" } else { "" }, r.groups.len()),
                            _ => "No run yet.".to_owned(),
                        };
                        let running = r.running.as_ref().map(|run| format!(" · run {} under way…", run.id));
                        // Only a finished run is refreshed (with its settings and filter).
                        let refresh = r.refresh_every_secs.filter(|_| r.run.is_some()).map(|s| view! {
                            <span class="muted" id="discover-refresh">{format!(
                                "Refreshed automatically every {} when new conversations arrive (the same settings and filter).",
                                every(s))}</span>
                        });
                        view! { <span id="discover-last">{last}{running}</span>{refresh} }.into_any()
                    }
                    _ => ().into_any(),
                })}
                <Show when=may_edit>
                    <button class="btn" id="discover-start" on:click=start
                        disabled=move || result.with(|r| matches!(r, Some(Ok(r)) if r.running.is_some()))
                        title="Group the unhandled messages of the conversations the current inbox filter matches">
                        "Run for the current filter"</button>
                </Show>
            </div>
            {move || match result.get() {
                None => view! { <Spinner label="Loading the latest groups…"/> }.into_any(),
                Some(Err(e)) => load_error(&e),
                Some(Ok(_)) if groups().is_empty() => view! {
                    <p class="empty-state" id="no-groups">"No groups: run Discover, or every group is dismissed."</p>
                }.into_any(),
                Some(Ok(_)) => view! {
                    <ol class="discover-groups" id="discover-groups" tabindex="0" on:keydown=on_key.clone()
                        aria-label="Groups: j and k move, o opens in the inbox">
                        {groups().into_iter().enumerate().map(|(i, g)| view! {
                            <GroupCard group=g selected=Signal::derive(move || selected.get() == i)
                                may_edit=Signal::derive(may_edit) is_admin=Signal::derive(is_admin)
                                on_dismiss=Callback::new(move |(id, r)| dismiss(id, r))
                                on_labelled=Callback::new(labelled)/>
                        }).collect_view()}
                    </ol>
                }.into_any(),
            }}
        </div>
    }
}

#[component]
fn GroupCard(
    group: DiscoverGroup,
    selected: Signal<bool>,
    may_edit: Signal<bool>,
    is_admin: Signal<bool>,
    on_dismiss: Callback<(i64, DismissReason)>,
    on_labelled: Callback<GroupLabelled>,
) -> impl IntoView {
    let id = group.id;
    let size = group.size;
    let query = Memo::new({
        let q = group.inbox_query.clone();
        move |_| q.clone()
    });
    let senders = group.senders;
    let peak = group.daily.iter().copied().max().unwrap_or(0).max(1);
    let bars = group
        .daily
        .iter()
        .map(|&n| view! { <span class="spark-bar" title=format!("{n}") style=format!("height:{}%", 10 + 90 * n / peak)></span> })
        .collect_view();
    let intents = group
        .intents
        .iter()
        .map(|i| format!("{} ({})", i.intent.as_deref().unwrap_or("none"), i.count))
        .collect::<Vec<_>>()
        .join(", ");
    let confusion = group.intents.len() > 1;
    let covered = (group.covered_share * 100.0).round();
    view! {
        <li class="discover-group card" id=format!("discover-group-{id}") class:selected=move || selected.get()
            aria-current=move || selected.get().then_some("true")>
            <div class="panel-head">
                <h3 class="group-label">{group.label.clone()}</h3>
                <span class="muted small">{format!("{} messages · {} conversations", group.size, group.senders)}</span>
            </div>
            <div class="group-trend" title="Messages per day over the last 14 days">
                <span class="sparkline" aria-hidden="true">{bars}</span>
                <span class="small">{format!("last 7 days {} · the 7 before {}", group.last_7_days, group.previous_7_days)}</span>
            </div>
            <p class="small">"Predicted: "{intents}{confusion.then_some(" — split across intents: a confusion?")}</p>
            {(group.covered > 0).then(|| view! { <p class="small muted">{format!("{covered}% already an NLU example")}</p> })}
            <ul class="representatives">
                {group.representatives.iter().map(|r| view! { <li>"“"{r.text.clone()}"”"</li> }).collect_view()}
            </ul>
            <div class="group-actions">
                <a class="btn" href=inbox_href(&group)>"Open in inbox"</a>
                <Show when=move || may_edit.get()>
                    <button class="btn btn-ghost" on:click=move |_| on_dismiss.run((id, DismissReason::Known))>"Dismiss: known"</button>
                    <button class="btn btn-ghost" on:click=move |_| on_dismiss.run((id, DismissReason::Noise))>"Dismiss: noise"</button>
                    <GroupLabeller group_id=id size on_labelled/>
                </Show>
                <Show when=move || is_admin.get()>
                    <AddToQueue query count=Signal::derive(move || Some(senders)) id_prefix=format!("group-{id}-")/>
                </Show>
            </div>
        </li>
    }
}
