//! Importing Rasa conversations: tracker JSON, JSON lines, a Rasa SQL tracker store, and
//! events posted over HTTP all become [`IncomingConversation`]s and go through
//! [`crate::db::ingest::store_conversations`].

pub mod event;
pub mod export;
pub mod files;
pub mod parse;
pub mod tracker_store;

pub use event::{EventFacts, RawEvent};
pub use parse::{parse_events_body, parse_tracker_body, IncomingConversation};

use hindsight_types::ImportProblem;

/// How an import treats what it reads.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Time zone in which the time-of-day filter reads conversation start times.
    pub timezone: chrono_tz::Tz,
    /// Restore conversations in the trash that receive events; without it their events are
    /// stored and they stay in the trash.
    pub restore_deleted: bool,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            timezone: chrono_tz::UTC,
            restore_deleted: false,
        }
    }
}

/// A problem at a place in the input.
pub fn problem(source: &str, line: Option<u64>, reason: impl Into<String>) -> ImportProblem {
    ImportProblem {
        source: source.to_owned(),
        line,
        reason: reason.into(),
    }
}
