//! Disagreements between the reviewers of a queue's conversations, and their settlement:
//! final answers that the queue's findings take for the conversation.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{QuestionKind, QueueReview};

/// One question a conversation's reviews answered differently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisputedQuestion {
    /// The question's id.
    pub id: String,
    /// Its kind (`pass_fail`, `label` or `scale_1_5`: a free text is not compared).
    pub kind: QuestionKind,
    /// Each reviewer's answer, by username (reviewers who left it open are absent).
    pub answers: BTreeMap<String, Value>,
}

/// A conversation whose completed reviews disagree, not settled yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disagreement {
    /// The conversation (sender id).
    pub conversation_id: String,
    /// Its completed reviews.
    pub reviews_done: i64,
    /// The reviews the queue asks for per conversation.
    pub reviews_needed: i64,
    /// When its latest review was submitted (the listing's order, newest first).
    pub last_review_at: DateTime<Utc>,
    /// The questions answered differently, in the rubric's order.
    pub questions: Vec<DisputedQuestion>,
    /// Every completed review of the conversation with all its answers, earliest first.
    pub reviews: Vec<QueueReview>,
}

/// A page of `GET /api/queues/{queue_id}/disagreements`, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisagreementPage {
    /// The disagreements of this page.
    pub disagreements: Vec<Disagreement>,
    /// Disagreements not settled, in all.
    pub total: i64,
    /// Disagreements settled so far.
    pub settled: i64,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// A settled disagreement: the answers the findings take for the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueSettlement {
    /// The queue.
    pub queue_id: i64,
    /// The conversation (sender id).
    pub conversation_id: String,
    /// Who settled it.
    pub settled_by: String,
    /// The final answers by question id.
    pub answers: BTreeMap<String, Value>,
    /// When.
    pub settled_at: DateTime<Utc>,
}
