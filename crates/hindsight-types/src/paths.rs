//! The path explorer (issue 14): the conversations a filter matches as a layered graph of
//! their steps, with where they end and where the assistant falls back or is unsure.

use serde::{Deserialize, Serialize};

/// Most conversations the graph is drawn from: the filter's newest.
pub const PATH_SAMPLE: i64 = 20_000;

/// Deepest graph a client may ask for.
pub const MAX_PATH_DEPTH: u32 = 20;

/// Most branches a level may show before the rest are folded into "other".
pub const MAX_PATH_BRANCHES: u32 = 20;

/// The graph of the conversations' first steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathGraph {
    /// Conversations the graph is drawn from.
    pub conversations: i64,
    /// Whether the filter matched more conversations than [`PATH_SAMPLE`]: the graph is then
    /// of the newest of them.
    pub sampled: bool,
    /// Conversations with no step at all (not in any level).
    pub without_steps: i64,
    /// The levels, first step first; each level's nodes most travelled first, "other" last.
    pub levels: Vec<Vec<PathNode>>,
    /// Conversations going from a node of one level to a node of the next.
    pub edges: Vec<PathEdge>,
}

/// A step at one level of the graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathNode {
    /// The step as a sequence pattern step (`intent:greet`, `action:utter_greet`,
    /// `slot:city`, `intent:""` for a message without an intent, `action:""` for a bot
    /// message no action sent), or `other`.
    pub step: String,
    /// The less travelled steps of the level folded into one.
    pub other: bool,
    /// Conversations whose step at this level this is.
    pub conversations: i64,
    /// Of those, how many end here (this is their last step).
    pub ended: i64,
    /// Of those, how many have a user message here below the low-confidence bound.
    pub low_confidence: i64,
    /// A fallback: an intent or action named in [`PathSettings`].
    pub fallback: bool,
    /// The `seq=` pattern of the conversations through this node; for "other", the step
    /// `*!(…)`, none of the level's shown steps (none when a shown step is a wildcard, or the
    /// pattern would be too long).
    pub seq: Option<String>,
}

/// Conversations taking one step to the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathEdge {
    /// The level of the step they come from (they go to the next level).
    pub level: u32,
    /// The index of the node they come from, in its level.
    pub from: u32,
    /// The index of the node they go to, in the next level.
    pub to: u32,
    /// How many conversations.
    pub conversations: i64,
    /// The `seq=` pattern of the conversations along this edge (none when an end's node has
    /// none).
    pub seq: Option<String>,
}

/// Most names each list of [`PathSettings`] may hold (as any list of names).
pub const MAX_FALLBACK_NAMES: usize = crate::names::MAX_NAMES;

/// Longest name in [`PathSettings`] (as in any list of names).
pub const MAX_FALLBACK_NAME_CHARS: usize = crate::names::MAX_NAME_CHARS;

/// What the path explorer colours as a fallback (`GET`/`PUT /api/settings/paths`; admins
/// change it): a user message with one of these intents, an action of one of these names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathSettings {
    /// Intents that say the assistant did not understand (Rasa's `FallbackClassifier`
    /// predicts `nlu_fallback`).
    pub fallback_intents: Vec<String>,
    /// Actions that fall back (Rasa's `action_default_fallback`, `action_two_stage_fallback`).
    pub fallback_actions: Vec<String>,
}

impl Default for PathSettings {
    /// Rasa's own names: the intents `nlu_fallback` and `out_of_scope`, the actions
    /// `action_default_fallback` and `action_two_stage_fallback`.
    fn default() -> Self {
        PathSettings {
            fallback_intents: vec!["nlu_fallback".into(), "out_of_scope".into()],
            fallback_actions: vec![
                "action_default_fallback".into(),
                "action_two_stage_fallback".into(),
            ],
        }
    }
}

impl PathSettings {
    /// The settings with names trimmed and repeats dropped, or the field and what is wrong
    /// ([`crate::names::checked_names`], the check of every list of names).
    pub fn checked(self) -> Result<PathSettings, (&'static str, String)> {
        use crate::names::checked_names as names;
        Ok(PathSettings {
            fallback_intents: names("fallback_intents", self.fallback_intents)?,
            fallback_actions: names("fallback_actions", self.fallback_actions)?,
        })
    }
}
