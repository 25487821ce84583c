//! The live stream, `GET /api/stream` (server-sent events): one `EventSource` per tab.
//!
//! An `EventSource` cannot send the `Authorization` header, and the login token must not
//! travel in a URL, so each connection is opened with a fresh short-lived ticket
//! (`POST /api/stream/ticket`). When the connection fails, or stays silent past the
//! heartbeats, it is closed and opened again with a new ticket after a growing delay (the
//! browser's own reconnection would reuse the expired ticket). [`stop`] ends it (logout).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use hindsight_types::{CommentChange, ConversationChange, StreamTicket};
use leptos::prelude::{set_interval_with_handle, set_timeout, IntervalHandle};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent};

use super::{decode, enc, send, ApiResult, Method};

/// What the stream tells.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// The stream is open (again, after [`StreamEvent::Lost`]: changes in between were missed).
    Ready,
    /// A conversation was created or given new events.
    Conversation(ConversationChange),
    /// A comment was written, edited or deleted.
    Comment(CommentChange),
    /// The server dropped changes this tab could not take in time: reload what is shown.
    Resync,
    /// The connection failed; a new one is on its way.
    Lost,
}

/// No event for this long (the server sends a heartbeat every 15 s): the connection is dead.
const SILENCE_MS: f64 = 45_000.0;
/// The longest wait before connecting again.
const MAX_DELAY_MS: f64 = 30_000.0;

/// Milliseconds to wait before connecting again after `failures` failures in a row: 1, 2,
/// 4 … 30 seconds, spread by a quarter either way (`jitter` in `[0, 1)`) so that the tabs of
/// a restarted server do not all come back at once.
pub fn backoff_ms(failures: u32, jitter: f64) -> f64 {
    let base = (1000.0 * 2f64.powi(failures.min(16) as i32)).min(MAX_DELAY_MS);
    base * (0.75 + jitter.clamp(0.0, 1.0) * 0.5)
}

/// `POST /api/stream/ticket`.
pub async fn ticket() -> ApiResult<StreamTicket> {
    decode(&send(Method::Post, "/api/stream/ticket".to_owned(), None).await?)
}

type Handler = Rc<dyn Fn(StreamEvent)>;

/// An open `EventSource` and the callbacks it calls.
struct Open {
    source: EventSource,
    _listeners: Vec<Closure<dyn FnMut(MessageEvent)>>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
    watchdog: Option<IntervalHandle>,
}

#[derive(Default)]
struct Stream {
    /// Bumped by [`start`], [`stop`] and each reconnection: callbacks, timers and tickets of
    /// an older connection then do nothing.
    generation: u32,
    handler: Option<Handler>,
    open: Option<Open>,
    failures: u32,
    /// When the open connection last said anything (ms since the epoch).
    last_heard: f64,
}

impl Stream {
    fn close(&mut self) {
        if let Some(open) = self.open.take() {
            open.source.close();
            if let Some(w) = open.watchdog {
                w.clear();
            }
            // Dropped after the callback that may be running now (an error closes its own source).
            leptos::task::spawn_local(async move { drop(open) });
        }
    }
}

thread_local! {
    static STREAM: RefCell<Stream> = RefCell::default();
}

/// Opens the stream, closing one already open; `handler` hears every event until [`stop`].
pub fn start(handler: impl Fn(StreamEvent) + 'static) {
    let generation = STREAM.with_borrow_mut(|s| {
        s.close();
        s.handler = Some(Rc::new(handler));
        s.failures = 0;
        s.generation += 1;
        s.generation
    });
    connect(generation);
}

/// Closes the stream and forgets its handler.
pub fn stop() {
    STREAM.with_borrow_mut(|s| {
        s.close();
        s.handler = None;
        s.generation += 1;
    });
}

fn current(generation: u32) -> bool {
    STREAM.with_borrow(|s| s.generation == generation && s.handler.is_some())
}

/// Hands an event of connection `generation` to the handler (no borrow held meanwhile).
fn emit(generation: u32, event: Option<StreamEvent>) {
    let handler = STREAM.with_borrow_mut(|s| {
        if s.generation != generation {
            return None;
        }
        s.last_heard = js_sys::Date::now();
        if event == Some(StreamEvent::Ready) {
            s.failures = 0;
        }
        s.handler.clone()
    });
    if let (Some(h), Some(e)) = (handler, event) {
        h(e);
    }
}

/// Asks for a ticket, then opens the connection with it.
fn connect(generation: u32) {
    leptos::task::spawn_local(async move {
        let answer = ticket().await;
        if !current(generation) {
            return;
        }
        match answer {
            Ok(t) => open(generation, &t.ticket),
            // The session ended: the request already logged out, and the app stops the stream.
            Err(f) if f.status == 401 => {}
            Err(_) => fail(generation),
        }
    });
}

/// Connection `generation` failed: tell the handler, close it, and connect again later.
fn fail(generation: u32) {
    let next = STREAM.with_borrow_mut(|s| {
        if s.generation != generation {
            return None;
        }
        s.close();
        s.generation += 1;
        let delay = backoff_ms(s.failures, js_sys::Math::random());
        s.failures = s.failures.saturating_add(1);
        Some((s.generation, s.handler.clone(), delay))
    });
    let Some((next, handler, delay)) = next else {
        return;
    };
    if let Some(h) = handler {
        h(StreamEvent::Lost);
    }
    set_timeout(
        move || {
            if current(next) {
                connect(next);
            }
        },
        Duration::from_millis(delay as u64),
    );
}

fn open(generation: u32, ticket: &str) {
    let Ok(source) = EventSource::new(&format!("/api/stream?ticket={}", enc(ticket))) else {
        return fail(generation);
    };
    let listen = |name: &str, read: fn(&MessageEvent) -> Option<StreamEvent>| {
        let callback = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            emit(generation, read(&ev));
        });
        let _ = source.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
        callback
    };
    let listeners = vec![
        listen("ready", |_| Some(StreamEvent::Ready)),
        listen("conversation", |ev| {
            let data = ev.data().as_string()?;
            serde_json::from_str(&data)
                .ok()
                .map(StreamEvent::Conversation)
        }),
        listen("comment", |ev| {
            let data = ev.data().as_string()?;
            serde_json::from_str(&data).ok().map(StreamEvent::Comment)
        }),
        listen("resync", |_| Some(StreamEvent::Resync)),
        // Only proves the connection alive.
        listen("heartbeat", |_| None),
    ];
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| fail(generation));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // A connection can die without an error (a laptop's sleep, a proxy): heartbeats stop.
    let watchdog = set_interval_with_handle(
        move || {
            let silent = STREAM.with_borrow(|s| {
                s.generation == generation && js_sys::Date::now() - s.last_heard > SILENCE_MS
            });
            if silent {
                fail(generation);
            }
        },
        Duration::from_secs(15),
    )
    .ok();
    STREAM.with_borrow_mut(|s| {
        s.last_heard = js_sys::Date::now();
        s.open = Some(Open {
            source,
            _listeners: listeners,
            _on_error: on_error,
            watchdog,
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnections_wait_longer_each_time_up_to_half_a_minute() {
        assert_eq!(backoff_ms(0, 0.5), 1000.0);
        assert_eq!(backoff_ms(1, 0.5), 2000.0);
        assert_eq!(backoff_ms(3, 0.5), 8000.0);
        assert_eq!(backoff_ms(9, 0.5), 30_000.0);
        assert_eq!(backoff_ms(u32::MAX, 0.5), 30_000.0);
        // Spread by a quarter either way.
        assert_eq!(backoff_ms(0, 0.0), 750.0);
        assert_eq!(backoff_ms(0, 0.999_999).round(), 1250.0);
    }
}
