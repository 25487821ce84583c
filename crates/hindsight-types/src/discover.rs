//! Discover (issue 15): groups of user messages the assistant likely did not handle.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a Discover run reads: which conversations, and which of their user messages count
/// as likely unhandled (a message is when any rule holds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscoverSettings {
    /// The inbox filter, as a saved filter stores it (`channel=web&start=…`): only the
    /// conversations it matches are read.
    pub query: String,
    /// A message predicted as one of these intents. Absent: the path explorer's fallback
    /// intents ([`crate::PathSettings`], `GET /api/settings/paths`) when the run starts; a
    /// started run holds the names it used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intents: Option<Vec<String>>,
    /// A message whose intent confidence is below this (0 to 1; 0 turns the rule off).
    pub below_confidence: f64,
    /// A message followed by one of these actions … Absent: the path explorer's fallback
    /// actions, as for `intents`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_actions: Option<Vec<String>>,
    /// … before this many more user messages (1: before the next one; 0 turns the rule off).
    pub fallback_within_turns: i64,
    /// A message the user rephrased right after: the next user message is at least this
    /// similar (0 to 1, character trigrams; 0 turns the rule off).
    pub rephrase_similarity: f64,
    /// Fewest messages of a group (2 to 1,000).
    pub min_group_size: i64,
    /// Most messages read (1 to 200,000): the newest conversations' first.
    pub max_candidates: i64,
}

impl Default for DiscoverSettings {
    fn default() -> Self {
        DiscoverSettings {
            query: String::new(),
            intents: None,
            below_confidence: 0.5,
            fallback_actions: None,
            fallback_within_turns: 1,
            rephrase_similarity: 0.6,
            min_group_size: 5,
            max_candidates: 100_000,
        }
    }
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscoverRunState {
    /// Reading and grouping.
    Running,
    /// Done: its groups are stored.
    Finished,
    /// Stopped by an error (or by the server stopping): see `error`.
    Failed,
}

impl DiscoverRunState {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DiscoverRunState::Running => "running",
            DiscoverRunState::Finished => "finished",
            DiscoverRunState::Failed => "failed",
        }
    }
}

impl std::str::FromStr for DiscoverRunState {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "running" => Ok(DiscoverRunState::Running),
            "finished" => Ok(DiscoverRunState::Finished),
            "failed" => Ok(DiscoverRunState::Failed),
            _ => Err(()),
        }
    }
}

/// One run of Discover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscoverRun {
    /// Its id.
    pub id: i64,
    /// Where it is.
    pub state: DiscoverRunState,
    /// What it read.
    pub settings: DiscoverSettings,
    /// Who started it: a username or token name, or `refresh` when `automatic`.
    pub started_by: String,
    /// Whether the server's refresher started it, because conversations arrived since the
    /// run before (with that run's settings), rather than a person.
    pub automatic: bool,
    /// When.
    pub started_at: DateTime<Utc>,
    /// When it finished or failed.
    pub finished_at: Option<DateTime<Utc>>,
    /// Likely unhandled messages it found (before grouping).
    pub candidates: i64,
    /// Whether it stopped reading at `max_candidates`.
    pub truncated: bool,
    /// Why it failed.
    pub error: Option<String>,
}

/// Why a group was dismissed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DismissReason {
    /// The assistant already knows this goal (or it is planned).
    Known,
    /// Not a goal: spam, tests, gibberish.
    Noise,
}

impl DismissReason {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DismissReason::Known => "known",
            DismissReason::Noise => "noise",
        }
    }
}

/// `POST /api/discover/groups/{id}/dismiss`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DismissInput {
    /// Why.
    pub reason: DismissReason,
}

/// A dismissal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dismissal {
    /// Why.
    pub reason: DismissReason,
    /// Who.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// How many of a group's messages were predicted as one intent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntentCount {
    /// The predicted intent (`None`: no prediction).
    pub intent: Option<String>,
    /// Messages.
    pub count: i64,
}

/// A message standing for its group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepresentativeMessage {
    /// The user event's id.
    pub event_id: i64,
    /// Its conversation (Rasa sender id).
    pub sender_id: String,
    /// Its text.
    pub text: String,
    /// The predicted intent.
    pub intent: Option<String>,
    /// Its confidence.
    pub confidence: Option<f64>,
}

/// One group of similar, likely unhandled messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscoverGroup {
    /// Its id: `discover_group=ID` in the inbox lists its conversations.
    pub id: i64,
    /// Its most characteristic terms, joined.
    pub label: String,
    /// The terms (words or word pairs), most characteristic first.
    pub terms: Vec<String>,
    /// Messages.
    pub size: i64,
    /// Distinct conversations (Rasa senders) they came from.
    pub senders: i64,
    /// Messages per day over the 14 days before the run, oldest first (by event time).
    pub daily: Vec<i64>,
    /// Messages in the last 7 days before the run.
    pub last_7_days: i64,
    /// Messages in the 7 days before those.
    pub previous_7_days: i64,
    /// Rank key: `size × (last_7_days + 1) / (previous_7_days + 1)`.
    pub score: f64,
    /// Messages whose text (case, accents and punctuation folded) is already a saved NLU
    /// example (an annotated message).
    pub covered: i64,
    /// `covered / size`.
    pub covered_share: f64,
    /// The intents the assistant predicted for its messages, most frequent first: a group
    /// split across intents is a confusion rather than a new goal.
    pub intents: Vec<IntentCount>,
    /// Up to 5 messages of distinct texts, closest to the group's centre first.
    pub representatives: Vec<RepresentativeMessage>,
    /// The inbox query listing its conversations (`discover_group=ID`).
    pub inbox_query: String,
    /// Set once dismissed: its messages stay out of later runs.
    pub dismissed: Option<Dismissal>,
}

/// `GET /api/discover`: the latest finished run and its groups, by score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscoverResult {
    /// The latest finished run (`None`: none yet).
    pub run: Option<DiscoverRun>,
    /// Seconds since it finished.
    pub age_seconds: Option<i64>,
    /// Its groups, highest score first.
    pub groups: Vec<DiscoverGroup>,
    /// A run under way, if any.
    pub running: Option<DiscoverRun>,
    /// How often the server checks for conversations that arrived since the latest run and,
    /// if any did, runs again with its settings (seconds); `None`: it does not.
    pub refresh_every_secs: Option<u64>,
}

/// One of a group's messages, as `GET /api/discover/groups/{group_id}/messages` lists them
/// (those of conversations in the trash left out).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMessage {
    /// The message and its prediction.
    #[serde(flatten)]
    pub message: RepresentativeMessage,
    /// The intent it is annotated with, when it is already an NLU example.
    pub annotated_intent: Option<String>,
}

/// A page of a group's messages, by conversation then event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMessagePage {
    /// The messages.
    pub messages: Vec<GroupMessage>,
    /// The next page's `cursor`; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// The body of `POST /api/discover/groups/{group_id}/label`: the group's messages saved as
/// NLU examples of one intent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelGroupInput {
    /// The intent the messages are examples of (a retrieval intent as `faq/ask_price`).
    pub intent: String,
    /// Messages (event ids) left out: those that do not belong to the intent.
    #[serde(default)]
    pub exclude: Vec<i64>,
    /// Whether messages annotated before take this intent too (their entities stay as
    /// annotated). Default: they keep their annotation.
    #[serde(default)]
    pub replace_annotated: bool,
}

/// What labelling a group did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupLabelled {
    /// The intent.
    pub intent: String,
    /// Messages annotated now (replaced annotations included).
    pub annotated: i64,
    /// Of those, messages whose earlier annotation named another intent.
    pub replaced: i64,
    /// Messages left as they were: annotated before (with this intent, or with another when
    /// `replace_annotated` is false).
    pub kept: i64,
    /// Messages left out as asked.
    pub excluded: i64,
    /// The group, its coverage by NLU examples counted again.
    pub group: DiscoverGroup,
}
