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

/// Events per transaction of a bulk import (files, a tracker store, demo data).
///
/// Each commit writes every page it changed to SQLite's write-ahead log, and several of the
/// conversation indexes (by time, by confidence) take rows at random places: a batch
/// rewrites about one leaf page per conversation in each of them. Larger batches put more
/// rows on each rewritten page. Demo conversations into a database of a million (release
/// build, p50 of the steady rate): batches of 18,000 events stored 30,600–31,200 events/s,
/// of 73,000 events 41,900–44,400. Memory grows with it: the reader keeps one batch queued
/// while one is stored.
pub const BATCH_EVENTS: usize = 80_000;

/// Gathers conversations into batches of about [`BATCH_EVENTS`] events.
#[derive(Default)]
pub struct Batcher {
    pending: Vec<IncomingConversation>,
    events: usize,
}

impl Batcher {
    /// Adds a conversation; returns a batch once the pending events reach [`BATCH_EVENTS`].
    pub fn push(&mut self, conv: IncomingConversation) -> Option<Vec<IncomingConversation>> {
        self.events += conv.events.len().max(1);
        self.pending.push(conv);
        (self.events >= BATCH_EVENTS).then(|| self.take())
    }

    /// The pending conversations, however few (the last batch).
    pub fn take(&mut self) -> Vec<IncomingConversation> {
        self.events = 0;
        std::mem::take(&mut self.pending)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn empty(n: usize) -> IncomingConversation {
        IncomingConversation {
            sender_id: format!("s{n}"),
            events: Vec::new(),
        }
    }

    #[test]
    fn batcher_hands_over_a_batch_at_the_bound_and_the_rest_at_the_end() {
        let mut batcher = Batcher::default();
        // A conversation without events counts as one, so that such input still batches.
        for n in 1..BATCH_EVENTS {
            assert!(
                batcher.push(empty(n)).is_none(),
                "batch before the bound at {n}"
            );
        }
        let batch = batcher
            .push(empty(BATCH_EVENTS))
            .expect("a batch at the bound");
        assert_eq!(batch.len(), BATCH_EVENTS);
        assert!(batcher.take().is_empty());
        assert!(batcher.push(empty(0)).is_none());
        assert_eq!(batcher.take().len(), 1);
    }
}
