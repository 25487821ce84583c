//! [`ConversationFilter`]: the one type that selects conversations.
//!
//! The web app keeps it in its URL query, the server parses exactly that query, and saved
//! filter templates store it, so a filter means the same thing everywhere. Rasa X's query
//! names are accepted as aliases so existing scripts keep working.

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ReviewStatus, SequencePattern};

/// Which conversations to list, and in which order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConversationFilter {
    /// At least this many user messages.
    pub min_user_messages: Option<i64>,
    /// At most this many user messages.
    pub max_user_messages: Option<i64>,
    /// Any of these input channels.
    pub channels: Vec<String>,
    /// Any of these Rasa environments (the event broker's `app_id`).
    pub environments: Vec<String>,
    /// Lowest intent confidence in the conversation is at least this.
    pub min_intent_confidence: Option<f64>,
    /// Lowest intent confidence in the conversation is at most this.
    pub max_intent_confidence: Option<f64>,
    /// Lowest action confidence in the conversation is at least this.
    pub min_action_confidence: Option<f64>,
    /// Lowest action confidence in the conversation is at most this.
    pub max_action_confidence: Option<f64>,
    /// Any of these intents was predicted.
    pub intents: Vec<String>,
    /// None of these intents was predicted.
    pub exclude_intents: Vec<String>,
    /// Any of these actions ran.
    pub actions: Vec<String>,
    /// None of these actions ran.
    pub exclude_actions: Vec<String>,
    /// Any of these entities was extracted.
    pub entities: Vec<String>,
    /// None of these entities was extracted.
    pub exclude_entities: Vec<String>,
    /// Any of these policies predicted an action.
    pub policies: Vec<String>,
    /// None of these policies predicted an action.
    pub exclude_policies: Vec<String>,
    /// Every one of these slot conditions holds (the slot was set, or set to the value).
    pub slots: Vec<SlotFilter>,
    /// Latest activity at or after this instant.
    pub start: Option<DateTime<Utc>>,
    /// Latest activity at or before this instant.
    pub until: Option<DateTime<Utc>>,
    /// The conversation started inside this time-of-day window, in the server's configured
    /// time zone (`HINDSIGHT_TIMEZONE`), so daylight-saving changes are respected.
    pub time_of_day: Option<TimeOfDay>,
    /// Any of these review statuses.
    pub review_status: Vec<ReviewStatus>,
    /// Has at least one of these tags (by name).
    pub tags_any: Vec<String>,
    /// Has every one of these tags.
    pub tags_all: Vec<String>,
    /// Has none of these tags.
    pub tags_none: Vec<String>,
    /// Has (or has not) a flagged message.
    pub flagged: Option<bool>,
    /// Reviewed earlier and has received new events since.
    pub has_news: Option<bool>,
    /// Training data (issue 10): has (or has not) an annotated user message.
    pub annotated: Option<bool>,
    /// Training data (issue 10): has (or has not) a message whose annotation corrected the
    /// predicted intent (a misclassification).
    pub misclassified: Option<bool>,
    /// Review queues (issue 13): for each question, a review answered it with one of the
    /// values (`score.outcome=failure,partial`); every question listed must hold.
    pub scores: Vec<ScoreFilter>,
    /// A user message contains this text; at least [`MIN_TEXT_CHARS`] characters. How it
    /// matches is [`ConversationFilter::text_mode`].
    pub text: Option<String>,
    /// How `text` matches: as whole words (the default), or as a substring
    /// (`text_mode=substring`, or the text in double quotes: `text="refu"`).
    pub text_mode: TextMode,
    /// Exactly this sender (conversation) id.
    pub sender_id: Option<String>,
    /// Sequence filter (`seq=`, issue 14): the conversation's steps follow this pattern.
    pub sequence: Option<SequencePattern>,
    /// Discover (issue 15): a conversation holds a message of this group of unhandled
    /// messages (`discover_group=ID`, the group's id in `GET /api/discover`).
    pub discover_group: Option<i64>,
    /// Order of the listing.
    pub sort: SortOrder,
}

/// How the `text` filter matches a user message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextMode {
    /// The text's words, in order, as whole words of the message: case and accents ignored
    /// (`zurich` finds "Zürich"), word forms not (`refund` does not find "refunds"). Served by
    /// a word index, so a common word costs what a rare one does.
    #[default]
    Words,
    /// The text anywhere in the message, inside words too (case ignored, accents not).
    Substring,
}

impl TextMode {
    /// The query-string spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TextMode::Words => "words",
            TextMode::Substring => "substring",
        }
    }
}

/// A review queue's rubric answers to one question: `score.QUESTION=VALUE[,VALUE…]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreFilter {
    /// The rubric question's id (`outcome`).
    pub question: String,
    /// Any of these answers as stored: `true`/`false`, a label, `1`–`5`, a text.
    pub values: Vec<String>,
}

/// One slot condition: `NAME` (the slot was set to anything but null) or `NAME:VALUE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotFilter {
    /// Slot name.
    pub name: String,
    /// The value as text (strings bare, other JSON values as JSON), or any value when absent.
    pub value: Option<String>,
}

/// A local time-of-day window; `from > to` wraps midnight (22:00–06:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeOfDay {
    /// Start of the window, inclusive.
    pub from: NaiveTime,
    /// End of the window, exclusive.
    pub to: NaiveTime,
}

impl TimeOfDay {
    /// Minutes after midnight of both ends.
    pub fn minutes(&self) -> (i64, i64) {
        use chrono::Timelike;
        let m = |t: NaiveTime| i64::from(t.hour() * 60 + t.minute());
        (m(self.from), m(self.to))
    }

    /// Whether a minute of the day lies in the window.
    pub fn contains_minute(&self, minute: i64) -> bool {
        let (from, to) = self.minutes();
        if from <= to {
            (from..to).contains(&minute)
        } else {
            minute >= from || minute < to
        }
    }
}

/// Order of the conversation listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Newest activity first.
    #[default]
    Latest,
    /// Earliest-started first: by when each conversation started as first imported, a key
    /// no import changes, so cursor paging neither repeats nor skips while events arrive.
    Oldest,
    /// Lowest confidence (intent or action) first.
    LowestConfidence,
    /// Most user messages first.
    Length,
}

impl SortOrder {
    /// All orders, for menus.
    pub const ALL: [SortOrder; 4] = [
        SortOrder::Latest,
        SortOrder::Oldest,
        SortOrder::LowestConfidence,
        SortOrder::Length,
    ];

    /// The query-string spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Latest => "latest",
            SortOrder::Oldest => "oldest",
            SortOrder::LowestConfidence => "lowest_confidence",
            SortOrder::Length => "length",
        }
    }
}

impl std::str::FromStr for SortOrder {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        SortOrder::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or(())
    }
}

/// Paging of a listing: `limit` with either an opaque `cursor` or an `offset`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// Rows per page (1–500); the server's default when absent.
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows to skip (Rasa X's paging), at most [`MAX_OFFSET`]; `cursor` pages any depth.
    pub offset: Option<i64>,
    /// `total=false`: the page is not held by counting every match (its `total` is then -1;
    /// `/api/conversations/count` gives it), so a large inbox's page comes back at once.
    pub skip_total: bool,
}

/// Largest page a client may ask for.
pub const MAX_PAGE_LIMIT: i64 = 500;

/// Largest `offset`: the database walks every skipped row, so deep pages go by `cursor`.
pub const MAX_OFFSET: i64 = 10_000;

/// Fewest characters (not bytes) of a `text` filter: both backends' text indexes work on
/// three-character pieces (SQLite's FTS5 trigrams, PostgreSQL's pg_trgm), so a shorter text
/// would read every user message, and it is in nearly every conversation anyway.
pub const MIN_TEXT_CHARS: usize = 3;

/// A query parameter the filter could not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FilterError {
    /// The parameter, as the client spelled it.
    pub field: String,
    /// What was wrong with it.
    pub message: String,
}

impl FilterError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        FilterError {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// The query parameter an API token may be sent in (instead of `Authorization`): every
/// route accepts it, so the inbox's query parsers skip it rather than call it unknown.
pub const API_TOKEN_PARAM: &str = "api_token";

impl ConversationFilter {
    /// Whether no condition is set (the sort order does not count).
    pub fn is_empty(&self) -> bool {
        ConversationFilter {
            sort: SortOrder::Latest,
            ..self.clone()
        } == ConversationFilter::default()
    }
}

mod parse;
mod write;

pub(crate) use parse::parse_bool;
pub use parse::{parse_listing_query, parse_tab_counts_query};

#[cfg(test)]
mod tests;
