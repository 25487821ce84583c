//! App-wide state shared by the inbox, the conversation and the keyboard: provided once as
//! a context of `Copy` signals. Routes and the URL query are the source of truth for what
//! is shown; this holds what several components must agree on.

use std::collections::{HashMap, HashSet};

use hindsight_types::{
    Comment, ConversationFilter, ConversationSummary, FilterError, ReviewStatus, Tag,
};
use leptos::prelude::*;

use crate::api::{dec, enc};

/// Something the keyboard (or a button elsewhere) asks a component to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// j: open the next conversation of the list.
    NextConversation,
    /// k: open the previous conversation.
    PrevConversation,
    /// Arrow down: select the next message.
    NextMessage,
    /// Arrow up: select the previous message.
    PrevMessage,
    /// r: mark the open conversation reviewed.
    Reviewed,
    /// s: save it for later.
    SaveForLater,
    /// f: flag or unflag the selected message.
    Flag,
    /// t: open the tag picker.
    Tag,
    /// /: focus the search box.
    Search,
}

/// A message at the bottom of the screen, with an optional undo of a deletion.
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    /// What happened.
    pub message: String,
    /// Shown in red.
    pub error: bool,
    /// Conversation id whose deletion can be undone.
    pub undo_delete: Option<String>,
}

/// The shared signals.
#[derive(Clone, Copy)]
pub struct Workspace {
    /// Inbox rows loaded so far, in list order.
    pub rows: RwSignal<Vec<ConversationSummary>>,
    /// Whether more rows can be loaded (a `next_cursor` is known).
    pub has_more: RwSignal<bool>,
    /// Ask the list to load its next page (bumped by j at the end of the list).
    pub load_more: RwSignal<u32>,
    /// Bumped to reload the list from its first page.
    pub list_version: RwSignal<u32>,
    /// Bumped to refresh the tab counts.
    pub counts_version: RwSignal<u32>,
    /// Position the open conversation had in `rows` (kept after it leaves the list).
    pub last_index: RwSignal<Option<usize>>,
    /// The latest command and a serial number, so equal commands in a row still fire.
    pub command: RwSignal<(u32, Option<Command>)>,
    /// The toast being shown.
    pub toast: RwSignal<Option<Toast>>,
    /// Keyboard help overlay.
    pub help_open: RwSignal<bool>,
    /// Filter drawer.
    pub filters_open: RwSignal<bool>,
    /// Saved-filters menu.
    pub templates_open: RwSignal<bool>,
    /// Confidence under which intents and actions are marked low.
    pub threshold: RwSignal<f64>,
    /// Whether single-key shortcuts (j, k, r, s, f, t, /, ?) are on (WCAG 2.1.4).
    pub shortcuts_on: RwSignal<bool>,
}

const THRESHOLD_KEY: &str = "hindsight.threshold";
const SHORTCUTS_KEY: &str = "hindsight.shortcuts";

impl Workspace {
    /// Creates the signals (once, in the app root).
    pub fn new() -> Self {
        let stored = web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(THRESHOLD_KEY).ok().flatten())
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| (0.0..=1.0).contains(v));
        Workspace {
            rows: RwSignal::new(Vec::new()),
            has_more: RwSignal::new(false),
            load_more: RwSignal::new(0),
            list_version: RwSignal::new(0),
            counts_version: RwSignal::new(0),
            last_index: RwSignal::new(None),
            command: RwSignal::new((0, None)),
            toast: RwSignal::new(None),
            help_open: RwSignal::new(false),
            filters_open: RwSignal::new(false),
            templates_open: RwSignal::new(false),
            threshold: RwSignal::new(stored.unwrap_or(0.6)),
            shortcuts_on: RwSignal::new(
                web_sys::window()
                    .and_then(|w| w.local_storage().ok().flatten())
                    .and_then(|s| s.get_item(SHORTCUTS_KEY).ok().flatten())
                    .is_none_or(|v| v != "off"),
            ),
        }
    }

    /// Turns single-key shortcuts on or off, remembered in this browser.
    pub fn set_shortcuts(&self, on: bool) {
        self.shortcuts_on.set(on);
        if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = s.set_item(SHORTCUTS_KEY, if on { "on" } else { "off" });
        }
    }

    /// Sends a command to whichever component handles it.
    pub fn send(&self, command: Command) {
        self.command.update(|(n, c)| {
            *n += 1;
            *c = Some(command);
        });
    }

    /// Changes the low-confidence threshold and remembers it in this browser.
    pub fn set_threshold(&self, value: f64) {
        let value = value.clamp(0.0, 1.0);
        self.threshold.set(value);
        if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = s.set_item(THRESHOLD_KEY, &value.to_string());
        }
    }

    /// Shows a toast.
    pub fn notify(&self, message: impl Into<String>) {
        self.toast.set(Some(Toast {
            message: message.into(),
            error: false,
            undo_delete: None,
        }));
    }

    /// Shows a failure as a red toast.
    pub fn fail(&self, message: impl std::fmt::Display) {
        self.toast.set(Some(Toast {
            message: message.to_string(),
            error: true,
            undo_delete: None,
        }));
    }

    /// Applies a change to the list row of one conversation, if loaded.
    pub fn update_row(&self, id: &str, change: impl FnOnce(&mut ConversationSummary)) {
        self.rows.update(|rows| {
            if let Some(row) = rows.iter_mut().find(|r| r.id == id) {
                change(row);
            }
        });
    }
}

/// The conversation being shown, and what can be done to it. `Copy`, so any handler can
/// hold it; its signals live as long as the conversation view.
#[derive(Clone, Copy)]
pub struct OpenConversation {
    /// Its id.
    pub id: StoredValue<String>,
    /// Its inbox row, kept current after each change.
    pub summary: RwSignal<ConversationSummary>,
    /// Ids of its flagged events.
    pub flags: RwSignal<HashSet<i64>>,
    /// The notes of its flags, by event id (flags without a note are absent).
    pub notes: RwSignal<HashMap<i64, String>>,
    /// Its comments, on it and on its messages, oldest first.
    pub comments: RwSignal<Vec<Comment>>,
    /// The newest event shown: a review covers up to it, later events stay news.
    pub seen_event_id: StoredValue<Option<i64>>,
    /// Whether the tag picker is open.
    pub tag_open: RwSignal<bool>,
    /// The shared signals.
    pub ws: Workspace,
}

impl OpenConversation {
    /// Sets the review status; a row that no longer matches the tab leaves the list.
    pub fn set_status(self, status: ReviewStatus, filter_query: String) {
        let id = self.id.get_value();
        let seen = self.seen_event_id.get_value();
        leptos::task::spawn_local(async move {
            if let Err(e) = crate::api::conversations::set_review_status(&id, status, seen).await {
                return self.ws.fail(e);
            }
            self.summary.update(|s| {
                s.review_status = status;
                s.has_news = false;
            });
            let filter = filter_from_query(&filter_query).unwrap_or_default();
            if !filter.review_status.is_empty() && !filter.review_status.contains(&status) {
                self.ws.rows.update(|rows| rows.retain(|r| r.id != id));
            } else {
                self.ws.update_row(&id, |r| {
                    r.review_status = status;
                    r.has_news = false;
                });
            }
            self.ws.counts_version.update(|v| *v += 1);
            self.ws.notify(match status {
                ReviewStatus::Reviewed => "Marked reviewed.",
                ReviewStatus::SavedForLater => "Saved for later.",
                ReviewStatus::Unread => "Marked unread.",
            });
        });
    }

    /// Flags an event, or removes its flag.
    pub fn toggle_flag(self, event_id: i64) {
        let id = self.id.get_value();
        let flagged = self.flags.with_untracked(|f| f.contains(&event_id));
        leptos::task::spawn_local(async move {
            let result = if flagged {
                crate::api::conversations::unflag(&id, event_id).await
            } else {
                crate::api::conversations::flag(&id, event_id, None).await
            };
            if let Err(e) = result {
                return self.ws.fail(e);
            }
            self.flags.update(|f| {
                if flagged {
                    f.remove(&event_id);
                } else {
                    f.insert(event_id);
                }
            });
            self.notes.update(|n| {
                n.remove(&event_id);
            });
            let any = self.flags.with_untracked(|f| !f.is_empty());
            self.summary.update(|s| s.flagged = any);
            self.ws.update_row(&id, |r| r.flagged = any);
            self.ws.notify(if flagged {
                "Flag removed."
            } else {
                "Message flagged."
            });
        });
    }

    /// Flags an event with a note, or changes the note of its flag (an empty note clears
    /// it; the flag stays).
    pub fn save_flag_note(self, event_id: i64, note: String) {
        let id = self.id.get_value();
        let note = Some(note.trim().to_owned()).filter(|n| !n.is_empty());
        let was_flagged = self.flags.with_untracked(|f| f.contains(&event_id));
        leptos::task::spawn_local(async move {
            if let Err(e) = crate::api::conversations::flag(&id, event_id, note.clone()).await {
                return self.ws.fail(e);
            }
            self.flags.update(|f| {
                f.insert(event_id);
            });
            self.notes.update(|n| match note {
                Some(note) => {
                    n.insert(event_id, note);
                }
                None => {
                    n.remove(&event_id);
                }
            });
            self.summary.update(|s| s.flagged = true);
            self.ws.update_row(&id, |r| r.flagged = true);
            self.ws.notify(if was_flagged {
                "Flag note saved."
            } else {
                "Message flagged."
            });
        });
    }

    /// Shows the conversation's tags as the server answered them.
    pub fn set_tags(self, tags: Vec<Tag>) {
        let id = self.id.get_value();
        self.summary.update(|s| s.tags = tags.clone());
        self.ws.update_row(&id, |r| r.tags = tags);
    }

    /// Removes a tag from the conversation.
    pub fn remove_tag(self, tag: Tag) {
        let id = self.id.get_value();
        leptos::task::spawn_local(async move {
            match crate::api::tags::remove_from(&id, tag.id).await {
                Ok(()) => {
                    let tags = self.summary.with_untracked(|s| {
                        s.tags.iter().filter(|t| t.id != tag.id).cloned().collect()
                    });
                    self.set_tags(tags);
                }
                Err(e) => self.ws.fail(e),
            }
        });
    }
}

/// The workspace from context.
pub fn workspace() -> Workspace {
    expect_context::<Workspace>()
}

/// Reads the filter from the URL query (without `?`).
pub fn filter_from_query(search: &str) -> Result<ConversationFilter, FilterError> {
    ConversationFilter::from_query(search)
}

/// The route of a conversation, or of one of its messages, keeping the inbox query.
pub fn conversation_href(id: &str, event_id: Option<i64>, query: &str) -> String {
    let mut href = format!("/conversations/{}", enc(id));
    if let Some(e) = event_id {
        href.push_str(&format!("/messages/{e}"));
    }
    with_query(href, query)
}

/// Appends `?query` when there is one.
pub fn with_query(path: String, query: &str) -> String {
    if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    }
}

/// Conversation id and selected event id from a path such as
/// `/conversations/{id}/messages/{event_id}`.
pub fn parse_route(pathname: &str) -> (Option<String>, Option<i64>) {
    let mut parts = pathname.trim_matches('/').split('/');
    if parts.next() != Some("conversations") {
        return (None, None);
    }
    let id = parts.next().filter(|s| !s.is_empty()).map(dec);
    let event = match (parts.next(), parts.next()) {
        (Some("messages"), Some(e)) => e.parse().ok(),
        _ => None,
    };
    (id, event)
}

/// `next` if it is a path of this app to go to after logging in, else None: it must start with
/// one `/` (not `//host` or `/\host`, which browsers read as another site), hold no
/// backslash, whitespace or control character (browsers drop tabs and newlines, turning
/// `/\t/host` into `//host`), and not lead back to `/login`.
pub fn safe_next(next: &str) -> Option<&str> {
    let mut chars = next.chars();
    let ok = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control())
        && !next.starts_with("/login");
    ok.then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_app_are_followed_after_login() {
        assert_eq!(safe_next("/"), Some("/"));
        assert_eq!(
            safe_next("/conversations/a%20b?intent=greet"),
            Some("/conversations/a%20b?intent=greet")
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/login?next=/",
            "/a\\b",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn routes_round_trip() {
        let href = conversation_href("a b/c", Some(42), "intent=greet");
        assert_eq!(href, "/conversations/a%20b%2Fc/messages/42?intent=greet");
        let path = href.split('?').next().unwrap();
        assert_eq!(parse_route(path), (Some("a b/c".into()), Some(42)));
        assert_eq!(parse_route("/conversations/x"), (Some("x".into()), None));
        assert_eq!(parse_route("/"), (None, None));
        assert_eq!(parse_route("/admin"), (None, None));
    }
}
