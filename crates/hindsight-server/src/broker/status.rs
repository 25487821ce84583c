//! The consumer's state, as `GET /api/health` reports it.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use hindsight_types::BrokerHealth;

/// What the consumer is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Opening the connection for the first time.
    Connecting,
    /// Receiving and storing messages.
    Consuming,
    /// The broker went away or refused us: trying again with backoff.
    Reconnecting,
    /// The database does not answer: nothing is acknowledged, messages stay queued.
    DatabaseUnavailable,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Connecting => "connecting",
            State::Consuming => "consuming",
            State::Reconnecting => "reconnecting",
            State::DatabaseUnavailable => "database_unavailable",
        }
    }
}

#[derive(Debug)]
struct Inner {
    state: State,
    lag: Option<u64>,
    stored: u64,
    rejected: u64,
    last_commit_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

/// The consumer's state, shared with the health route.
#[derive(Debug)]
pub struct Status {
    queue: String,
    inner: Mutex<Inner>,
}

impl Status {
    /// A consumer of `queue` about to connect.
    pub fn new(queue: &str) -> Status {
        Status {
            queue: queue.to_owned(),
            inner: Mutex::new(Inner {
                state: State::Connecting,
                lag: None,
                stored: 0,
                rejected: 0,
                last_commit_at: None,
                last_error: None,
            }),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut inner)
    }

    /// Moves to `state`; `error` says what went wrong (cleared when `None`).
    pub fn set(&self, state: State, error: Option<String>) {
        self.with(|i| {
            i.state = state;
            i.last_error = error;
        });
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.with(|i| i.state)
    }

    /// Messages waiting in the queue.
    pub fn set_lag(&self, lag: u64) {
        self.with(|i| i.lag = Some(lag));
    }

    /// A batch was committed and acknowledged.
    pub fn committed(&self, stored: u64, rejected: u64) {
        self.with(|i| {
            i.stored += stored;
            i.rejected += rejected;
            i.last_commit_at = Some(Utc::now());
            if i.state == State::DatabaseUnavailable {
                i.state = State::Consuming;
                i.last_error = None;
            }
        });
    }

    /// The health report.
    pub fn health(&self) -> BrokerHealth {
        self.with(|i| BrokerHealth {
            state: i.state.as_str().to_owned(),
            queue: self.queue.clone(),
            lag: i.lag,
            messages_stored: i.stored,
            messages_rejected: i.rejected,
            last_commit_at: i.last_commit_at,
            last_error: i.last_error.clone(),
        })
    }
}
