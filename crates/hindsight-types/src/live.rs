//! Live conversations: Rasa's event broker (issue 16) and the server-sent event stream.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What happened to a conversation, as `GET /api/stream` announces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// Its first events were stored.
    Created,
    /// More events were stored.
    Updated,
}

/// One conversation changed by stored events (the data of a `conversation` stream event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationChange {
    /// The conversation's id (Rasa's sender id).
    pub id: String,
    /// Created or updated.
    pub change: ChangeKind,
    /// Events this change added.
    pub events_added: i64,
}

/// What happened to a comment, as `GET /api/stream` announces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentChangeKind {
    /// It was written.
    Created,
    /// Its text was edited.
    Updated,
    /// It was deleted.
    Deleted,
}

/// One comment written, edited or deleted (the data of a `comment` stream event): enough
/// for an open conversation to know its comments changed and fetch them again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentChange {
    /// The conversation commented on (Rasa's sender id).
    pub conversation_id: String,
    /// The comment's id.
    pub comment_id: i64,
    /// The event commented on; absent for a comment on the whole conversation.
    #[serde(default)]
    pub event_id: Option<i64>,
    /// Created, updated or deleted.
    pub change: CommentChangeKind,
    /// Who did it (username, or `token:NAME`).
    pub actor: String,
}

/// Something `GET /api/stream` announces; the stream's event name says which
/// ([`StreamEvent::name`]) and its data is the inner value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// A `conversation` event.
    Conversation(ConversationChange),
    /// A `comment` event.
    Comment(CommentChange),
}

impl StreamEvent {
    /// The server-sent event's name.
    pub fn name(&self) -> &'static str {
        match self {
            StreamEvent::Conversation(_) => "conversation",
            StreamEvent::Comment(_) => "comment",
        }
    }

    /// The event's data, as JSON.
    pub fn data(&self) -> String {
        match self {
            StreamEvent::Conversation(c) => serde_json::to_string(c),
            StreamEvent::Comment(c) => serde_json::to_string(c),
        }
        .unwrap_or_default()
    }
}

/// A short-lived ticket that opens `GET /api/stream` (EventSource cannot send headers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamTicket {
    /// Pass as `?ticket=` to `GET /api/stream`.
    pub ticket: String,
    /// Seconds the ticket can open a stream.
    pub expires_in: i64,
}

/// The event broker consumer as `GET /api/health` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrokerHealth {
    /// `connecting`, `consuming`, `reconnecting` (broker unreachable) or
    /// `database_unavailable` (messages stay queued until the database answers).
    pub state: String,
    /// The queue consumed.
    pub queue: String,
    /// Messages waiting in the queue, as last counted (a few seconds old at most).
    pub lag: Option<u64>,
    /// Messages imported and acknowledged since the server started.
    pub messages_stored: u64,
    /// Messages that could not be imported (kept in `GET /api/ingest-errors`).
    pub messages_rejected: u64,
    /// When the last batch was committed.
    pub last_commit_at: Option<DateTime<Utc>>,
    /// The last connection or database problem, while there is one.
    pub last_error: Option<String>,
}

/// A broker message that can never be imported, kept for an admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestError {
    /// Row id (newest first in listings).
    pub id: i64,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Where it came from (`broker`).
    pub source: String,
    /// Why it cannot be imported.
    pub reason: String,
    /// The body as text (invalid UTF-8 replaced); exact bytes in `body_base64`.
    pub body: String,
    /// The body's exact bytes, base64.
    pub body_base64: String,
    /// The message's properties and headers.
    pub properties: serde_json::Value,
}

/// A page of ingest errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestErrorPage {
    /// Newest first.
    pub errors: Vec<IngestError>,
    /// How many there are in all.
    pub total: i64,
}

/// A `rasa export` run seen on the broker (its `rasa-export-process-id` header).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRun {
    /// The run's process id, as Rasa put it in the header.
    pub id: String,
    /// Its Rasa environment (`app_id`), when named.
    pub environment: Option<String>,
    /// When its first and latest messages arrived.
    pub first_seen_at: DateTime<Utc>,
    /// When its latest message arrived.
    pub last_seen_at: DateTime<Utc>,
    /// Messages received (a message redelivered after a crash counts again).
    pub messages: i64,
    /// Conversations it touched.
    pub conversations: i64,
    /// Its events' earliest timestamp (Unix seconds).
    pub first_event_timestamp: Option<f64>,
    /// The latest event timestamp reached: `rasa export` publishes in timestamp order, so
    /// this is how far the run has come.
    pub last_event_timestamp: Option<f64>,
}
