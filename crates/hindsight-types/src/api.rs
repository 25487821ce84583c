//! Request and response bodies of the REST API (see `openapi.yaml`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where a reviewer is with a conversation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Nobody has reviewed it yet.
    #[default]
    Unread,
    /// A reviewer is done with it.
    Reviewed,
    /// A reviewer will come back to it.
    SavedForLater,
}

impl ReviewStatus {
    /// Every status, in menu order.
    pub const ALL: [ReviewStatus; 3] = [
        ReviewStatus::Unread,
        ReviewStatus::SavedForLater,
        ReviewStatus::Reviewed,
    ];

    /// The spelling used in URLs, JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Unread => "unread",
            ReviewStatus::Reviewed => "reviewed",
            ReviewStatus::SavedForLater => "saved_for_later",
        }
    }
}

impl std::str::FromStr for ReviewStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        ReviewStatus::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(())
    }
}

/// A tag as shown on a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// Stable id.
    pub id: i64,
    /// Unique name (Rasa X calls it `value`).
    pub value: String,
    /// Colour as six hex digits without `#`, Rasa X's form.
    pub color: String,
}

/// A tag with how many conversations carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagWithUsage {
    /// The tag.
    #[serde(flatten)]
    pub tag: Tag,
    /// Conversations carrying it (not counting deleted ones).
    pub conversations: i64,
}

/// One row of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationSummary {
    /// The conversation id: Rasa's sender id.
    pub id: String,
    /// Input channel of the latest user message, when known.
    pub channel: Option<String>,
    /// Time of the first event.
    pub first_event_at: DateTime<Utc>,
    /// Time of the latest event.
    pub latest_event_at: DateTime<Utc>,
    /// Number of user messages.
    pub user_message_count: i64,
    /// Number of events of any type.
    pub event_count: i64,
    /// Distinct intents predicted, most frequent first.
    pub intents: Vec<String>,
    /// Distinct actions run.
    pub actions: Vec<String>,
    /// Lowest intent confidence of any user message.
    pub min_intent_confidence: Option<f64>,
    /// Lowest confidence of any predicted action.
    pub min_action_confidence: Option<f64>,
    /// Review status.
    pub review_status: ReviewStatus,
    /// Reviewed (or saved) earlier and new events arrived since.
    pub has_news: bool,
    /// Tags on the conversation.
    pub tags: Vec<Tag>,
    /// Whether any message is flagged.
    pub flagged: bool,
    /// Text of the first user message.
    pub first_user_message: Option<String>,
}

/// One page of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationPage {
    /// The rows, in the requested order.
    pub conversations: Vec<ConversationSummary>,
    /// How many conversations match the filter in all; -1 when the request said `total=false`.
    pub total: i64,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// The newest event id when this answer was computed: pass it as a bulk change's `as_of`
    /// to change only what was shown.
    #[serde(default)]
    pub snapshot: i64,
}

/// Count of conversations matching a filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationCount {
    /// How many match.
    pub total: i64,
}

/// How many conversations match a filter in each review status: the inbox's tabs, counted
/// in one pass (the filter's own review status is left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TabCounts {
    /// In every review status.
    pub all: i64,
    /// Not reviewed yet.
    pub unread: i64,
    /// Saved for later.
    pub saved_for_later: i64,
    /// Reviewed.
    pub reviewed: i64,
    /// `false` when the numbers are an estimate from a sample (only when the request allowed
    /// one with `estimate=true` and counting exactly would have kept it waiting): ask again
    /// without it for the exact numbers.
    pub exact: bool,
}

impl TabCounts {
    /// The count of one tab: a review status, or every status (`None`).
    pub fn of(&self, status: Option<ReviewStatus>) -> i64 {
        match status {
            None => self.all,
            Some(ReviewStatus::Unread) => self.unread,
            Some(ReviewStatus::SavedForLater) => self.saved_for_later,
            Some(ReviewStatus::Reviewed) => self.reviewed,
        }
    }
}

/// Who flagged a message, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageFlag {
    /// The flagged event.
    pub event_id: i64,
    /// Optional note.
    pub note: Option<String>,
    /// Username (or token name) of who flagged it.
    pub flagged_by: String,
    /// When.
    pub flagged_at: DateTime<Utc>,
}

/// One event of a conversation, in recorded order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventView {
    /// Stable id: use it in links and for the story.
    pub id: i64,
    /// Position in the conversation, from 0.
    pub seq: i64,
    /// Rasa's event type (`user`, `bot`, `action`, `slot`, …).
    pub type_name: String,
    /// Rasa's timestamp, Unix seconds.
    pub timestamp: f64,
    /// Message text of `user` and `bot` events.
    pub text: Option<String>,
    /// Predicted intent of a `user` event.
    pub intent: Option<String>,
    /// Name of an `action` event, or slot name of a `slot` event.
    pub name: Option<String>,
    /// Policy that predicted an `action` event.
    pub policy: Option<String>,
    /// Intent or action confidence.
    pub confidence: Option<f64>,
    /// The flag on this message, when flagged.
    pub flag: Option<MessageFlag>,
    /// The event exactly as Rasa recorded it.
    pub event: Value,
}

/// A conversation with one window of its events (see [`crate::window::EventWindow`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationDetail {
    /// Its inbox row.
    pub summary: ConversationSummary,
    /// The events of the window, in the order Rasa recorded them.
    pub events: Vec<EventView>,
    /// How many events the conversation has in all.
    #[serde(default)]
    pub total_events: i64,
    /// Position (`seq`) of the window's first event; where it would start when it is empty.
    #[serde(default)]
    pub offset: i64,
    /// Pass as `before` to get the events just before this window; absent at the start.
    #[serde(default)]
    pub before: Option<i64>,
    /// Pass as `after` to get the events just after this window; absent at the end.
    #[serde(default)]
    pub after: Option<i64>,
    /// The newest event id of the whole conversation (a review covers up to it).
    #[serde(default)]
    pub latest_event_id: Option<i64>,
    /// Every flag of the conversation, in or out of the window.
    #[serde(default)]
    pub flags: Vec<MessageFlag>,
}

/// The story of a conversation up to an event and the slots at that point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoryAtEvent {
    /// Rasa 3 YAML story, as `YAMLStoryWriter` writes it.
    pub story: String,
    /// Value of every slot named in the conversation, at that event.
    pub slots: serde_json::Map<String, Value>,
    /// First and last line (from 1) of the story that the event itself wrote; absent when
    /// it writes none (e.g. `action_listen`).
    #[serde(default)]
    pub step_lines: Option<[u32; 2]>,
    /// Slots whose value changed in the event's turn (since the user message that opened it).
    #[serde(default)]
    pub changed_slots: Vec<String>,
}

/// A distinct value and how many conversations have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    /// The value.
    pub value: String,
    /// Conversations having it.
    pub count: i64,
}

/// A slot name with its distinct values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotFacet {
    /// Slot name.
    pub name: String,
    /// Conversations that set it.
    pub count: i64,
    /// Distinct values set (as filter text), most common first.
    pub values: Vec<FacetCount>,
}

/// Everything the filter menus offer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facets {
    /// Predicted intents.
    pub intents: Vec<FacetCount>,
    /// Actions run.
    pub actions: Vec<FacetCount>,
    /// Entities extracted.
    pub entities: Vec<FacetCount>,
    /// Policies that predicted actions.
    pub policies: Vec<FacetCount>,
    /// Input channels.
    pub channels: Vec<FacetCount>,
    /// Slots and their values.
    pub slots: Vec<SlotFacet>,
}

/// A line of input the import could not take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProblem {
    /// File, table or request the input came from.
    pub source: String,
    /// Line (or row id) within it, when known.
    pub line: Option<u64>,
    /// What was wrong.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    /// Conversations seen for the first time.
    pub conversations_created: u64,
    /// Existing conversations that received new events.
    pub conversations_updated: u64,
    /// Events stored.
    pub events_added: u64,
    /// Events already stored before (re-imports add nothing).
    pub events_skipped: u64,
    /// Conversations in the trash that received events: the events are stored and the
    /// conversation stays in the trash (a restore brings it back complete). The name is kept
    /// for API compatibility.
    pub conversations_skipped_deleted: u64,
    /// Input that could not be imported.
    pub problems: Vec<ImportProblem>,
}

/// Liveness and readiness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// Server version.
    pub version: String,
    /// The event broker consumer of this server process, when it runs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker: Option<crate::live::BrokerHealth>,
    /// While the sequence filter's paths are written after an upgrade (sequence filters and
    /// the path explorer answer 503 meanwhile): how far; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_rewrite: Option<PathRewriteHealth>,
}

/// How far the paths' rewrite after an upgrade is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathRewriteHealth {
    /// Conversations whose paths are written.
    pub written: u64,
    /// Conversations there were to write.
    pub total: u64,
}
