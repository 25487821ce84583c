//! Review queues: conversations handed out to reviewers one at a time, sampled by rule and
//! scored against the queue's rubric, with progress and what the review found.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ConversationSummary;

/// What kind of answer a rubric question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// `true` (pass) or `false` (fail).
    PassFail,
    /// One of the question's `choices`.
    Label,
    /// An integer from 1 to 5.
    #[serde(rename = "scale_1_5")]
    Scale1To5,
    /// Free text.
    Text,
}

impl QuestionKind {
    /// The spelling in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::PassFail => "pass_fail",
            QuestionKind::Label => "label",
            QuestionKind::Scale1To5 => "scale_1_5",
            QuestionKind::Text => "text",
        }
    }
}

/// Whether `id` can be a rubric question's id: 1 to 64 lower-case letters, digits or `_`,
/// starting with a letter (so that it names a key of the stored answers as it is).
pub fn is_question_id(id: &str) -> bool {
    id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// One question of a queue's rubric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RubricQuestion {
    /// Stable key of the question (`outcome`): lower-case letters, digits and `_`.
    pub id: String,
    /// What the reviewer is asked.
    pub prompt: String,
    /// The kind of answer.
    pub kind: QuestionKind,
    /// The labels a `label` question offers (empty for the other kinds).
    #[serde(default)]
    pub choices: Vec<String>,
    /// Whether a review must answer it.
    #[serde(default)]
    pub required: bool,
}

/// Where a queue's conversations come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QueueSource {
    /// The conversations a saved filter matches: when the queue is created, then as they
    /// are imported.
    Filter {
        /// The saved filter's id.
        filter_id: i64,
    },
    /// Conversations added by id (`POST /api/queues/{queue_id}/conversations`).
    Explicit,
}

/// What stratified sampling groups conversations by: a value each conversation has one of,
/// taken when it joins the queue (conversations without one form the stratum `""`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StratifyBy {
    /// The input channel.
    Channel,
    /// The Rasa environment the event broker named (`app_id`).
    Environment,
    /// The intent of the conversation's first user message (a conversation has many
    /// intents, but one first: what the user came for).
    Intent,
    /// Any other value sent: refused when the rule is checked (a 400 naming `sampling.by`),
    /// never stored.
    #[serde(other)]
    Unsupported,
}

impl StratifyBy {
    /// The values a rule may name.
    pub const SUPPORTED: [StratifyBy; 3] = [
        StratifyBy::Channel,
        StratifyBy::Environment,
        StratifyBy::Intent,
    ];
}

/// The sample taken of one stratum: a share of it or a number of conversations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StratumRule {
    /// Share of the stratum, in (0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    /// Number of conversations of the stratum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
}

/// Which of the source's conversations the queue samples. Deterministic for a seed: a
/// conversation is in the sample when `xxh3(sender_id, seed)` scaled to [0, 1) is below the
/// share, and a count takes the stratum's conversations of the smallest hashes (of those
/// joining later, while the stratum holds fewer sampled than the count).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Sampling {
    /// Every conversation.
    #[default]
    All,
    /// A share of the conversations (a simple random sample).
    Share {
        /// In (0, 1].
        share: f64,
        /// The hash seed.
        #[serde(default)]
        seed: u64,
    },
    /// A share or a count per stratum.
    Stratified {
        /// What defines the strata.
        by: StratifyBy,
        /// The hash seed.
        #[serde(default)]
        seed: u64,
        /// The share of every stratum not named in `strata` (give this or `count`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        share: Option<f64>,
        /// The count of every stratum not named in `strata` (give this or `share`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count: Option<i64>,
        /// Per-stratum overrides, by stratum value.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        strata: BTreeMap<String, StratumRule>,
    },
}

/// The body of `POST /api/queues`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueInput {
    /// Unique name.
    pub name: String,
    /// Where the conversations come from.
    pub source: QueueSource,
    /// Which of them are reviewed (every one by default).
    #[serde(default)]
    pub sampling: Sampling,
    /// Usernames who may work the queue; empty: anyone with the reviewer role.
    #[serde(default)]
    pub assignees: Vec<String>,
    /// Different reviewers each conversation needs, 1 to 3.
    #[serde(default = "one")]
    pub reviewers_per_conversation: i64,
    /// How long `next` reserves a conversation for its reviewer.
    #[serde(default = "half_hour")]
    pub reservation_seconds: i64,
    /// Whether `next` hands out nothing for now.
    #[serde(default)]
    pub paused: bool,
    /// The questions a review answers.
    pub rubric: Vec<RubricQuestion>,
}

fn one() -> i64 {
    1
}

fn half_hour() -> i64 {
    1800
}

/// The body of `PATCH /api/queues/{queue_id}`: what is given changes. The source and the
/// sampling rule are fixed once the queue is filled.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueUpdate {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New assignees.
    #[serde(default)]
    pub assignees: Option<Vec<String>>,
    /// New number of reviewers per conversation.
    #[serde(default)]
    pub reviewers_per_conversation: Option<i64>,
    /// New reservation time.
    #[serde(default)]
    pub reservation_seconds: Option<i64>,
    /// Pause or resume.
    #[serde(default)]
    pub paused: Option<bool>,
    /// New rubric: once reviews exist, questions may be added and reworded, not removed or
    /// changed in kind, and labels may be added, not removed.
    #[serde(default)]
    pub rubric: Option<Vec<RubricQuestion>>,
}

/// A review queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Queue {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Where its conversations come from.
    pub source: QueueSource,
    /// The saved filter's query when the queue was filled (`null` for an explicit source).
    pub source_query: Option<String>,
    /// The sampling rule.
    pub sampling: Sampling,
    /// Who may work it (empty: any reviewer).
    pub assignees: Vec<String>,
    /// Reviewers per conversation.
    pub reviewers_per_conversation: i64,
    /// Reservation time in seconds.
    pub reservation_seconds: i64,
    /// Paused.
    pub paused: bool,
    /// The rubric.
    pub rubric: Vec<RubricQuestion>,
    /// Live conversations the source offered (the population).
    pub population: i64,
    /// Live conversations sampled for review.
    pub sampled: i64,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// The body of `POST /api/queues/{queue_id}/conversations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConversationsInput {
    /// Conversation ids (sender ids).
    pub conversation_ids: Vec<String>,
}

/// What adding conversations to a queue did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueConversationsAdded {
    /// Conversations new to the queue.
    pub added: i64,
    /// Of those, how many the sampling rule took for review.
    pub sampled: i64,
    /// Conversations the queue held already (left as they were).
    pub already_present: i64,
}

/// A conversation reserved for the caller by `next`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueAssignment {
    /// The queue.
    pub queue_id: i64,
    /// The conversation's inbox row (its id is the sender id).
    pub conversation: ConversationSummary,
    /// When the reservation began.
    pub reserved_at: DateTime<Utc>,
    /// When it expires and the conversation returns to the queue.
    pub reserved_until: DateTime<Utc>,
    /// Reviews of this conversation completed by others so far.
    pub reviews_done: i64,
    /// Reviews it needs in all.
    pub reviews_needed: i64,
}

/// The body of `POST /api/queues/{queue_id}/conversations/{id}/review`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSubmission {
    /// Answers by question id: a boolean (pass_fail), a label (label), an integer 1–5
    /// (scale_1_5) or a string (text).
    pub answers: BTreeMap<String, Value>,
}

/// A completed review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueReview {
    /// The queue.
    pub queue_id: i64,
    /// The conversation (sender id).
    pub conversation_id: String,
    /// Who reviewed.
    pub reviewer: String,
    /// The answers by question id.
    pub answers: BTreeMap<String, Value>,
    /// When the reservation began.
    pub reserved_at: DateTime<Utc>,
    /// When the review was submitted.
    pub completed_at: DateTime<Utc>,
}

/// One reviewer's part of a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewerProgress {
    /// Username.
    pub reviewer: String,
    /// Reviews completed.
    pub done: i64,
    /// Conversations reserved now.
    pub reserved: i64,
    /// Conversations skipped.
    pub skipped: i64,
    /// Conversations still open that this reviewer may be handed.
    pub remaining: i64,
    /// Median seconds from reservation to submission.
    pub median_seconds: Option<f64>,
}

/// The estimated share of one answer in the source population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareEstimate {
    /// The answer (`true`/`false` for pass_fail, the label for label).
    pub value: String,
    /// Reviewed conversations with this answer.
    pub count: i64,
    /// Estimated share of the population.
    pub share: f64,
    /// Lower bound of the 95 % interval.
    pub low: f64,
    /// Upper bound of the 95 % interval.
    pub high: f64,
    /// The estimate times the population.
    pub estimated_conversations: f64,
}

/// Agreement between reviewers of the same conversations on one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// Pairs of answers compared (earlier reviewer, later reviewer of one conversation).
    pub pairs: i64,
    /// Share of pairs that agree.
    pub percent_agreement: f64,
    /// Cohen's kappa over the pairs (`null` when chance agreement is total).
    pub kappa: Option<f64>,
}

/// What the reviews found for one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionFindings {
    /// The question's id.
    pub id: String,
    /// Its kind.
    pub kind: QuestionKind,
    /// Sampled conversations with an answer to it.
    pub answered: i64,
    /// `wilson` (share or all), `stratified` (stratified), or `null` when the question has
    /// no estimate (scale, text).
    pub method: Option<String>,
    /// Per answer, its estimated share of the population (pass_fail and label questions);
    /// each conversation counts once, with its settled answer if a settlement gave one,
    /// else its most frequent answer (ties: the earliest).
    pub estimates: Vec<ShareEstimate>,
    /// With two or more reviewers per conversation.
    pub agreement: Option<Agreement>,
}

/// `GET /api/queues/{queue_id}/progress`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueProgress {
    /// The queue.
    pub queue_id: i64,
    /// Live conversations the source offered.
    pub population: i64,
    /// Live conversations sampled.
    pub sampled: i64,
    /// Reviews each conversation needs.
    pub reviewers_per_conversation: i64,
    /// Sampled conversations with all their reviews.
    pub conversations_complete: i64,
    /// Reviews completed.
    pub done: i64,
    /// Reviews under way (live reservations).
    pub reserved: i64,
    /// Reviews not yet handed out.
    pub remaining: i64,
    /// Median seconds from reservation to submission.
    pub median_seconds: Option<f64>,
    /// Per reviewer (assignees and everyone who worked the queue), by name.
    pub reviewers: Vec<ReviewerProgress>,
    /// Per rubric question.
    pub questions: Vec<QuestionFindings>,
}
