//! `GET /api/conversations/stats`: what a filter matches, counted per day and per intent
//! confidence, for the inbox's charts.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Bins of the intent-confidence histogram: `[0, 0.1)`, `[0.1, 0.2)`, …, `[0.9, 1.0]`.
pub const CONFIDENCE_BINS: usize = 10;

/// Counts of the conversations a filter matches (the same ones the listing lists).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConversationStats {
    /// Conversations matching in all (the listing's `total`).
    pub total: i64,
    /// Of them, reviewed.
    pub reviewed: i64,
    /// The server's time zone (`HINDSIGHT_TIMEZONE`), in which `days` are days.
    pub timezone: String,
    /// Every day from the first to the last day a matching conversation started on,
    /// days without any included (count 0), oldest first; empty when nothing matches.
    pub days: Vec<DayCount>,
    /// Conversations by their lowest intent confidence: bin `i` holds those at or above
    /// `i / 10` and below `(i + 1) / 10` (the last bin includes 1.0).
    pub confidence: Vec<i64>,
    /// Conversations without any intent confidence (no user message with one).
    pub no_confidence: i64,
}

/// The conversations that started on one day (in the server's time zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// The day.
    pub day: NaiveDate,
    /// When it begins.
    pub start: DateTime<Utc>,
    /// When the next day begins (23, 24 or 25 hours later).
    pub end: DateTime<Utc>,
    /// Matching conversations that started on it.
    pub conversations: i64,
    /// Of them, reviewed.
    pub reviewed: i64,
}
