//! `GET /api/conversations/export`: its parameters and the shape of one exported conversation.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::{ConversationSummary, MessageFlag};
use crate::filter::{parse_bool, ConversationFilter, FilterError};

/// How an export is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// JSON lines: one [`ExportedConversation`] per line.
    #[default]
    Jsonl,
    /// CSV: a header row, then one row per conversation ([`CSV_COLUMNS`]).
    Csv,
}

impl ExportFormat {
    /// The spelling in the `format` parameter and the file name's extension.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Csv => "csv",
        }
    }
}

/// The columns of a CSV export, in order. `events` is there only with `events=true`.
pub const CSV_COLUMNS: [&str; 17] = [
    "id",
    "channel",
    "first_event_at",
    "latest_event_at",
    "user_message_count",
    "event_count",
    "intents",
    "actions",
    "min_intent_confidence",
    "min_action_confidence",
    "review_status",
    "has_news",
    "flagged",
    "flagged_event_ids",
    "tags",
    "first_user_message",
    "events",
];

/// What an export writes besides the filter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// JSON lines or CSV.
    pub format: ExportFormat,
    /// Whether every event goes along (each event's original JSON).
    pub events: bool,
}

impl ExportOptions {
    /// Applies one export parameter; `Ok(false)` when the key is not one.
    pub fn apply_param(&mut self, key: &str, value: &str) -> Result<bool, FilterError> {
        match key {
            "format" => {
                self.format = match value.trim() {
                    "jsonl" | "ndjson" => ExportFormat::Jsonl,
                    "csv" => ExportFormat::Csv,
                    other => {
                        return Err(FilterError {
                            field: "format".into(),
                            message: format!("`format` is jsonl or csv, not `{other}`"),
                        })
                    }
                }
            }
            "events" => self.events = parse_bool(key, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Parses an export's whole query string: the inbox filter (as `GET /api/conversations`
/// takes it, paging aside), `format` and `events`. `api_token` is left to authentication.
pub fn parse_export_query(query: &str) -> Result<(ConversationFilter, ExportOptions), FilterError> {
    let mut options = ExportOptions::default();
    let filter = ConversationFilter::from_query_with(query, |key, value| {
        Ok(options.apply_param(key, value)? || key == "api_token")
    })?;
    Ok((filter, options))
}

/// One line of a JSON-lines export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportedConversation {
    /// The conversation's inbox row.
    #[serde(flatten)]
    pub summary: ConversationSummary,
    /// Every flagged message of the conversation, by event id.
    pub flags: Vec<MessageFlag>,
    /// With `events=true`: every event in recorded order, each its original JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_format_events_and_the_filter() {
        let (filter, options) =
            parse_export_query("format=csv&events=true&flagged=true&api_token=x").unwrap();
        assert_eq!(options.format, ExportFormat::Csv);
        assert!(options.events);
        assert_eq!(filter.flagged, Some(true));
        let (_, options) = parse_export_query("").unwrap();
        assert_eq!(options, ExportOptions::default());
    }

    #[test]
    fn names_the_bad_parameter() {
        for (q, field) in [
            ("format=xml", "format"),
            ("events=maybe", "events"),
            ("min_user_messages=x", "min_user_messages"),
            ("limit=5", "limit"),
        ] {
            assert_eq!(parse_export_query(q).unwrap_err().field, field, "{q}");
        }
    }
}
