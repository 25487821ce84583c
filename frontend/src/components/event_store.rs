//! The loaded part of a conversation: its events by position, fetched a window at a time
//! (`GET /api/conversations/{id}?offset=…&limit=…` or `?around=…`), so that opening,
//! scrolling and selecting cost what the screen shows, not what the conversation holds.
//! Events stored while it is open are added at its end ([`EventStore::load_new`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use hindsight_types::{ConversationDetail, EventView, EventWindow, WindowAnchor};
use leptos::prelude::*;

use crate::api::{self, ApiResult};
use crate::state::workspace;

/// Events per request while scrolling.
pub const CHUNK: i64 = 100;

/// Where ↑/↓ leads from the selected message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Select this event.
    To(i64),
    /// The event at this position is not loaded yet.
    Load(i64),
    /// There is no further shown event.
    End,
}

/// The events of one conversation loaded so far. `Copy`.
#[derive(Clone, Copy)]
pub struct EventStore {
    /// The conversation's id.
    pub conversation: StoredValue<String>,
    /// How many events it has (grows as live events arrive).
    pub total: RwSignal<i64>,
    /// Loaded events by position (`seq`).
    pub events: RwSignal<BTreeMap<i64, Arc<EventView>>>,
    positions: StoredValue<HashMap<i64, i64>>,
    pending: StoredValue<HashSet<i64>>,
}

impl EventStore {
    /// A store holding the first window the page received.
    pub fn new(conversation: String, total: i64, first: Vec<EventView>) -> Self {
        let store = EventStore {
            conversation: StoredValue::new(conversation),
            total: RwSignal::new(total),
            events: RwSignal::new(BTreeMap::new()),
            positions: StoredValue::new(HashMap::new()),
            pending: StoredValue::new(HashSet::new()),
        };
        store.insert(first);
        store
    }

    /// Adds the events of an answer.
    pub fn insert(self, events: Vec<EventView>) {
        if events.is_empty() {
            return;
        }
        self.positions.update_value(|p| {
            p.extend(events.iter().map(|e| (e.id, e.seq)));
        });
        self.events.update(|map| {
            map.extend(events.into_iter().map(|e| (e.seq, Arc::new(e))));
        });
    }

    /// The position of a loaded event.
    pub fn position(self, id: i64) -> Option<i64> {
        self.positions.with_value(|p| p.get(&id).copied())
    }

    /// A loaded event by id (tracks the store).
    pub fn by_id(self, id: i64) -> Option<Arc<EventView>> {
        let pos = self.position(id);
        self.events.with(|m| pos.and_then(|p| m.get(&p).cloned()))
    }

    /// Fetches the chunks holding positions `[from, to)` that are not loaded yet.
    pub fn load_range(self, from: i64, to: i64) {
        let total = self.total.get_untracked();
        let (from, to) = (from.max(0), to.min(total));
        if from >= to {
            return;
        }
        let missing: Vec<i64> = self.events.with_untracked(|m| {
            (from / CHUNK..=(to - 1) / CHUNK)
                .filter(|k| {
                    let (a, b) = (k * CHUNK, ((k + 1) * CHUNK).min(total));
                    m.range(a..b).count() < (b - a) as usize
                })
                .collect()
        });
        for k in missing {
            self.load_chunk(k);
        }
    }

    fn load_chunk(self, chunk: i64) {
        let fresh = self
            .pending
            .try_update_value(|p| p.insert(chunk))
            .unwrap_or(false);
        if !fresh {
            return;
        }
        let id = self.conversation.get_value();
        let window = EventWindow {
            anchor: WindowAnchor::Offset(chunk * CHUNK),
            limit: CHUNK as u32,
        };
        leptos::task::spawn_local(async move {
            let answer = api::conversations::window(&id, window).await;
            // The conversation may have been closed meanwhile.
            if self
                .pending
                .try_update_value(|p| p.remove(&chunk))
                .is_none()
            {
                return;
            }
            match answer {
                Ok(d) => self.insert(d.events),
                Err(e) => workspace().fail(e),
            }
        });
    }

    /// Fetches the window around an event (a link to a message far from what is loaded).
    pub async fn load_around(self, event_id: i64) -> ApiResult<()> {
        let id = self.conversation.get_value();
        let window = EventWindow {
            anchor: WindowAnchor::Around(event_id),
            limit: CHUNK as u32,
        };
        let d = api::conversations::window(&id, window).await?;
        self.insert(d.events);
        Ok(())
    }

    /// Fetches the events stored after the loaded end (announced live): the window after the
    /// last event when it is loaded, else from the old end; the count becomes the answer's.
    /// Answers the rest of the conversation's detail (its row, its newest event id).
    pub async fn load_new(self) -> ApiResult<ConversationDetail> {
        let total = self.total.get_untracked();
        let last = self
            .events
            .with_untracked(|m| m.get(&(total - 1)).map(|e| e.id));
        let anchor = match last {
            Some(id) => WindowAnchor::After(id),
            None => WindowAnchor::Offset(total),
        };
        let id = self.conversation.get_value();
        let window = EventWindow {
            anchor,
            limit: CHUNK as u32,
        };
        let mut detail = api::conversations::window(&id, window).await?;
        // The conversation may have been closed meanwhile.
        if self.conversation.try_get_value().is_none() {
            return Ok(detail);
        }
        self.insert(std::mem::take(&mut detail.events));
        self.total.try_set(detail.total_events);
        Ok(detail)
    }

    /// The next (or previous) shown event from the selected one, or from an end.
    pub fn step(
        self,
        from: Option<i64>,
        forward: bool,
        shown: impl Fn(&EventView) -> bool,
    ) -> Step {
        let dir = if forward { 1 } else { -1 };
        let total = self.total.get_untracked();
        let mut p = match from.and_then(|id| self.position(id)) {
            Some(p) => p + dir,
            None if forward => 0,
            None => total - 1,
        };
        self.events.with_untracked(|m| {
            while (0..total).contains(&p) {
                match m.get(&p) {
                    Some(e) if shown(e) => return Step::To(e.id),
                    Some(_) => p += dir,
                    None => return Step::Load(p),
                }
            }
            Step::End
        })
    }
}
