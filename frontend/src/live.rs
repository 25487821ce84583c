//! Live updates as the views see them: what the stream (`api::stream`) announced, collected
//! for a moment and handed out together, so that a burst of imports costs each view one
//! refresh, not one per event.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use hindsight_types::ChangeKind;
use leptos::prelude::*;

use crate::api::{self, stream::StreamEvent};

/// How long changes are collected before the views hear of them.
const FLUSH: Duration = Duration::from_millis(400);
/// Most new conversations remembered for the inbox's banner (it then says "1000+").
pub const MAX_NEW: usize = 1000;

/// Changes heard together.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Changes {
    /// Conversations created or given new events.
    pub touched: HashSet<String>,
    /// Conversations created, in the order announced.
    pub created: Vec<String>,
    /// Conversations whose comments were written, edited or deleted.
    pub commented: HashSet<String>,
    /// Changes may have been missed (the server said `resync`, or the connection was lost
    /// and opened again): anything may have changed.
    pub missed: bool,
}

impl Changes {
    /// Whether this conversation may have changed.
    pub fn touches(&self, id: &str) -> bool {
        self.missed || self.touched.contains(id)
    }

    /// Whether anything may have changed (comments aside: no list shows them).
    pub fn any(&self) -> bool {
        self.missed || !self.touched.is_empty()
    }

    /// Whether this conversation's comments may have changed.
    pub fn comments_of(&self, id: &str) -> bool {
        self.missed || self.commented.contains(id)
    }
}

/// The live signals, provided once as a context. `Copy`.
#[derive(Clone, Copy)]
pub struct Live {
    /// Whether the stream is open.
    pub connected: RwSignal<bool>,
    /// The latest changes (set at most once per [`FLUSH`]; every set notifies).
    pub changes: RwSignal<Arc<Changes>>,
    /// Conversations created since the inbox list last loaded (at most [`MAX_NEW`]).
    pub new_ids: RwSignal<Vec<String>>,
    /// Changes were missed since the inbox list last loaded: it may be out of date.
    pub stale: RwSignal<bool>,
    buffer: StoredValue<Changes>,
    armed: StoredValue<bool>,
    was_open: StoredValue<bool>,
}

impl Live {
    /// Creates the signals (once, in the app root).
    pub fn new() -> Self {
        Live {
            connected: RwSignal::new(false),
            changes: RwSignal::new(Arc::default()),
            new_ids: RwSignal::new(Vec::new()),
            stale: RwSignal::new(false),
            buffer: StoredValue::new(Changes::default()),
            armed: StoredValue::new(false),
            was_open: StoredValue::new(false),
        }
    }

    /// Keeps the stream open while someone is logged in (one per tab), closed otherwise.
    pub fn install(self) {
        let session = api::session();
        let signed_in = Memo::new(move |_| session.with(Option::is_some));
        Effect::new(move |_| {
            if signed_in.get() {
                self.was_open.set_value(false);
                api::stream::start(move |e| self.hear(e));
            } else {
                api::stream::stop();
                self.connected.set(false);
            }
        });
        // The offline banner's Retry: a stream waiting out its backoff tries at once too.
        Effect::watch(
            move || api::retries().get(),
            move |_, _, _| {
                if signed_in.get_untracked() && !self.connected.get_untracked() {
                    api::stream::start(move |e| self.hear(e));
                }
            },
            false,
        );
    }

    /// The inbox list loaded afresh: what it shows is current.
    pub fn list_loaded(self) {
        if self.new_ids.with_untracked(|ids| !ids.is_empty()) {
            self.new_ids.set(Vec::new());
        }
        if self.stale.get_untracked() {
            self.stale.set(false);
        }
    }

    fn hear(self, event: StreamEvent) {
        match event {
            StreamEvent::Ready => {
                self.connected.set(true);
                // Opened again after a failure: what happened in between was not heard.
                if self.was_open.get_value() {
                    self.collect(|c| c.missed = true);
                }
                self.was_open.set_value(true);
            }
            StreamEvent::Lost => self.connected.set(false),
            StreamEvent::Resync => self.collect(|c| c.missed = true),
            StreamEvent::Conversation(change) => self.collect(|c| {
                if change.change == ChangeKind::Created {
                    c.created.push(change.id.clone());
                }
                c.touched.insert(change.id);
            }),
            StreamEvent::Comment(change) => self.collect(|c| {
                c.commented.insert(change.conversation_id);
            }),
        }
    }

    fn collect(self, add: impl FnOnce(&mut Changes)) {
        self.buffer.update_value(add);
        if !self.armed.get_value() {
            self.armed.set_value(true);
            set_timeout(move || self.flush(), FLUSH);
        }
    }

    fn flush(self) {
        self.armed.set_value(false);
        let changes = self
            .buffer
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        if changes.missed {
            self.stale.set(true);
        }
        if !changes.created.is_empty() {
            self.new_ids.update(|ids| {
                for id in &changes.created {
                    if ids.len() < MAX_NEW && !ids.contains(id) {
                        ids.push(id.clone());
                    }
                }
            });
        }
        self.changes.set(Arc::new(changes));
    }
}

/// Runs `refresh` after changes arrive, at most once per `every`: the first change at once,
/// later ones at the end of the period (one run for all of them). For the current owner's
/// lifetime.
pub fn refresh_on_changes(every: Duration, refresh: impl Fn() + Clone + 'static) {
    let live = live();
    let last = StoredValue::new(f64::NEG_INFINITY);
    let waiting = StoredValue::new(false);
    Effect::watch(
        move || live.changes.get(),
        move |changes, _, _| {
            if !changes.any() || waiting.get_value() {
                return;
            }
            let wait =
                (every.as_secs_f64() * 1000.0 - (js_sys::Date::now() - last.get_value())).max(0.0);
            waiting.set_value(true);
            let refresh = refresh.clone();
            set_timeout(
                move || {
                    // The view may be gone.
                    if waiting.try_set_value(false).is_none() {
                        last.set_value(js_sys::Date::now());
                        refresh();
                    }
                },
                Duration::from_millis(wait as u64),
            );
        },
        false,
    );
}

/// The live signals from context.
pub fn live() -> Live {
    expect_context::<Live>()
}

/// The banner's words for `n` new conversations (`n` counts up to [`MAX_NEW`]), or for a list
/// that may be out of date.
pub fn news_label(n: usize, stale: bool) -> Option<String> {
    match n {
        0 if stale => Some("The list may be out of date: reload".to_owned()),
        0 => None,
        1 => Some("1 new conversation".to_owned()),
        n if n >= MAX_NEW => Some(format!("{MAX_NEW}+ new conversations")),
        n => Some(format!("{n} new conversations")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_counts_new_conversations() {
        assert_eq!(news_label(0, false), None);
        assert_eq!(news_label(1, false).unwrap(), "1 new conversation");
        assert_eq!(news_label(3, true).unwrap(), "3 new conversations");
        assert_eq!(
            news_label(MAX_NEW, false).unwrap(),
            "1000+ new conversations"
        );
        assert!(news_label(0, true).unwrap().contains("out of date"));
    }

    #[test]
    fn missed_changes_touch_every_conversation() {
        let mut c = Changes::default();
        assert!(!c.any() && !c.touches("a"));
        c.touched.insert("a".into());
        assert!(c.any() && c.touches("a") && !c.touches("b"));
        c.missed = true;
        assert!(c.touches("b"));
    }

    #[test]
    fn comments_changed_are_news_for_their_conversation_only() {
        let mut c = Changes::default();
        c.commented.insert("a".into());
        assert!(c.comments_of("a") && !c.comments_of("b"));
        // No list shows comments: the inbox need not reload for them.
        assert!(!c.any() && !c.touches("a"));
        c.missed = true;
        assert!(c.comments_of("b"));
    }
}
