//! The admin page's import sections: the event broker consumer's state (from `/api/health`)
//! and this tab's live stream, the messages that could never be imported (paged, each raw
//! body behind a disclosure), and the `rasa export` runs seen on the broker.

use std::time::Duration;

use hindsight_types::{BrokerHealth, ExportRun, IngestError};
use leptos::prelude::*;

use crate::api;
use crate::components::common::{load_error, Spinner};
use crate::format::{local, local_time};
use crate::live::live;
use crate::load::fetch;

/// Ingest errors per page.
const ERRORS_PAGE: u32 = 20;
/// How often the broker's state and the export runs are read again while shown.
const REFRESH: Duration = Duration::from_secs(10);

/// Reads the broker's state and the export runs again every [`REFRESH`] while the page is
/// open; answers the counter the loads track.
fn ticking() -> RwSignal<u32> {
    let tick = RwSignal::new(0u32);
    if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), REFRESH) {
        on_cleanup(move || handle.clear());
    }
    tick
}

/// The broker's state and the live stream of this tab.
#[component]
pub fn BrokerCard() -> impl IntoView {
    let tick = ticking();
    let live = live();
    let health = fetch(move || {
        tick.track();
        api::admin::health()
    });
    view! {
        <section class="card" id="broker" aria-labelledby="broker-title">
            <h2 id="broker-title">"Live import"</h2>
            <p class="muted">"This tab's live updates: "
                <strong class="stream-state">{move || if live.connected.get() { "connected" } else { "reconnecting…" }}</strong>
            </p>
            {move || health.get().map(|r| match r {
                Ok(h) => match h.broker {
                    Some(b) => broker_table(b).into_any(),
                    None => view! {
                        <p class="muted" id="no-broker">"This server process consumes no event broker (start it with "
                            <code>"--broker amqp://…"</code>" to import Rasa's events as they happen)."</p>
                    }.into_any(),
                },
                Err(e) => load_error(&e),
            }).unwrap_or_else(|| view! { <Spinner/> }.into_any())}
        </section>
    }
}

fn broker_table(b: BrokerHealth) -> impl IntoView {
    let lag = b
        .lag
        .map(|l| l.to_string())
        .unwrap_or_else(|| "not counted yet".into());
    let last = b
        .last_commit_at
        .map(local)
        .unwrap_or_else(|| "none yet".into());
    let mut rows = vec![
        ("State", b.state),
        ("Queue", b.queue),
        ("Waiting in the queue", lag),
        ("Imported since start", b.messages_stored.to_string()),
        ("Could not be imported", b.messages_rejected.to_string()),
        ("Last commit", last),
    ];
    rows.extend(b.last_error.map(|e| ("Problem", e)));
    // One row type for all (each distinct view type is code of its own in the bundle).
    view! {
        <table class="table broker-state">
            <tbody>{rows.into_iter().map(|(label, value)| view! {
                <tr><th scope="row">{label}</th><td>{value}</td></tr>
            }).collect_view()}</tbody>
        </table>
    }
}

/// Broker messages that could never be imported, newest first, a page at a time.
#[component]
pub fn IngestErrors() -> impl IntoView {
    let errors = RwSignal::new(Vec::<IngestError>::new());
    let total = RwSignal::new(None::<i64>);
    let failure = RwSignal::new(None::<api::ApiFailure>);
    let loading = RwSignal::new(false);
    // `first` starts over (Refresh); otherwise the page older than the last row.
    let load = move |first: bool| {
        if loading.get_untracked() {
            return;
        }
        let before = if first {
            None
        } else {
            errors.with_untracked(|e| e.last().map(|e| e.id))
        };
        loading.set(true);
        leptos::task::spawn_local(async move {
            let page = api::admin::ingest_errors(ERRORS_PAGE, before).await;
            if loading.try_set(false).is_some() {
                return;
            }
            match page {
                Ok(p) => {
                    failure.set(None);
                    total.set(Some(p.total));
                    if first {
                        errors.set(p.errors);
                    } else {
                        errors.update(|e| e.extend(p.errors));
                    }
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    load(true);
    let more = move || {
        total
            .get()
            .is_some_and(|t| errors.with(Vec::len) < t as usize)
    };
    view! {
        <section class="card" id="ingest-errors" aria-labelledby="ingest-errors-title">
            <h2 id="ingest-errors-title">"Messages that could not be imported"</h2>
            <p class="muted">"Broker messages that are not Rasa events (not JSON, no sender id…): kept with their exact body, acknowledged so that the queue flows on."</p>
            {move || failure.get().map(|e| load_error(&e))}
            {move || match total.get() {
                None if failure.with(Option::is_none) => view! { <Spinner/> }.into_any(),
                None => ().into_any(),
                Some(0) => view! { <p class="muted" id="no-ingest-errors">"None."</p> }.into_any(),
                Some(t) => view! {
                    <p class="small muted">{move || format!("{} of {t} shown", errors.with(Vec::len))}</p>
                    <ul class="ingest-errors">
                        <For each=move || errors.get() key=|e| e.id let:e>
                            <IngestErrorItem error=e/>
                        </For>
                    </ul>
                }.into_any(),
            }}
            <div class="inline-form">
                <Show when=more>
                    <button type="button" class="btn" id="older-ingest-errors" disabled=move || loading.get()
                        on:click=move |_| load(false)>"Older"</button>
                </Show>
                <button type="button" class="btn btn-ghost" disabled=move || loading.get()
                    on:click=move |_| load(true)>"Refresh"</button>
            </div>
        </section>
    }
}

#[component]
fn IngestErrorItem(error: IngestError) -> impl IntoView {
    let bytes = decoded_len(&error.body_base64);
    let properties = error.properties.to_string();
    let has_properties = error.properties.as_object().is_some_and(|p| !p.is_empty());
    view! {
        <li class="ingest-error" data-id=error.id>
            <div class="ingest-error-head">
                <span class="ingest-time">{local(error.received_at)}</span>
                <span class="chip">{error.source.clone()}</span>
                <span class="ingest-reason">{error.reason.clone()}</span>
            </div>
            <details>
                <summary>{format!("Body ({bytes} bytes)")}</summary>
                <pre class="ingest-body" tabindex="0">{error.body.clone()}</pre>
                {has_properties.then(|| view! {
                    <p class="small muted">"Properties and headers"</p>
                    <pre class="ingest-properties" tabindex="0">{properties}</pre>
                })}
            </details>
        </li>
    }
}

/// The length of what base64 text decodes to.
fn decoded_len(b64: &str) -> usize {
    let padding = b64.bytes().rev().take_while(|&c| c == b'=').count();
    (b64.len() / 4 * 3).saturating_sub(padding)
}

/// `rasa export` runs, the latest first, with how far each has come.
#[component]
pub fn ExportRuns() -> impl IntoView {
    let tick = ticking();
    let runs = fetch(move || {
        tick.track();
        api::admin::export_runs()
    });
    view! {
        <section class="card" id="export-runs" aria-labelledby="export-runs-title">
            <h2 id="export-runs-title">"Rasa export runs"</h2>
            <p class="muted">"Each "<code>"rasa export"</code>" to the event broker, recognised by its header. It publishes in time order: the latest event time reached is its progress."</p>
            {move || runs.get().map(|r| match r {
                Ok(list) if list.is_empty() => view! { <p class="muted" id="no-export-runs">"None seen."</p> }.into_any(),
                Ok(list) => view! {
                    <table class="table">
                        <thead><tr>
                            <th scope="col">"Run"</th><th scope="col">"Environment"</th><th scope="col">"Started"</th>
                            <th scope="col">"Latest message"</th><th scope="col">"Messages"</th><th scope="col">"Conversations"</th>
                            <th scope="col">"Events from"</th><th scope="col">"Reached"</th>
                        </tr></thead>
                        <tbody>{list.into_iter().map(run_row).collect_view()}</tbody>
                    </table>
                }.into_any(),
                Err(e) => load_error(&e),
            }).unwrap_or_else(|| view! { <Spinner/> }.into_any())}
        </section>
    }
}

fn run_row(run: ExportRun) -> impl IntoView {
    let when = |ts: Option<f64>| ts.map(|t| local_time(t * 1000.0)).unwrap_or_default();
    view! {
        <tr class="export-run" data-id=run.id.clone()>
            <td><code>{run.id.clone()}</code></td>
            <td>{run.environment.clone().unwrap_or_default()}</td>
            <td>{local(run.first_seen_at)}</td>
            <td>{local(run.last_seen_at)}</td>
            <td>{run.messages}</td>
            <td>{run.conversations}</td>
            <td>{when(run.first_event_timestamp)}</td>
            <td>{when(run.last_event_timestamp)}</td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_lengths() {
        assert_eq!(decoded_len(""), 0);
        assert_eq!(decoded_len("bm90IGpzb24gew=="), "not json {".len());
        assert_eq!(decoded_len("YWJj"), 3);
        assert_eq!(decoded_len("YWI="), 2);
    }
}
