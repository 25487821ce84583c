//! Working out what a batch adds to each conversation, without writing: the conversations'
//! stored rows loaded in a few queries, then per conversation its new events (re-imported ones
//! skipped), summary columns, feature counts and path.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use diesel::prelude::*;
use hindsight_types::ImportSummary;

use super::LOOKUP_CHUNK;
use crate::db::bulk::NewEvent;
use crate::db::row_names::RowNames;
use crate::db::schema::{conversation_features, conversations, events};
use crate::db::DbConnection;
use crate::ingest::{EventFacts, IncomingConversation, IngestOptions};

/// The summary columns of a conversation.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = conversations)]
#[diesel(treat_none_as_null = true)]
pub(super) struct SummaryColumns {
    pub(super) channel: Option<String>,
    pub(super) first_event_at: NaiveDateTime,
    pub(super) latest_event_at: NaiveDateTime,
    pub(super) start_minute_local: i64,
    pub(super) start_day_local: i64,
    pub(super) user_message_count: i64,
    pub(super) event_count: i64,
    pub(super) min_intent_confidence: Option<f64>,
    pub(super) min_action_confidence: Option<f64>,
    pub(super) lowest_confidence: f64,
    pub(super) first_user_message: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = conversations)]
pub(super) struct ExistingConversation {
    pub(super) id: i64,
    pub(super) sender_id: String,
    pub(super) review_status: String,
    pub(super) has_news: bool,
    pub(super) deleted_at: Option<NaiveDateTime>,
    pub(super) deleted_by: Option<String>,
    #[diesel(embed)]
    pub(super) summary: SummaryColumns,
}

/// Converts Rasa's Unix seconds to naive UTC.
pub fn naive_utc(timestamp: f64) -> NaiveDateTime {
    DateTime::<Utc>::from_timestamp_micros((timestamp * 1e6).round() as i64)
        .unwrap_or_default()
        .naive_utc()
}

/// Minute of the day of `at` (naive UTC) in `tz`.
pub fn local_minute(at: NaiveDateTime, tz: chrono_tz::Tz) -> i64 {
    let local = at.and_utc().with_timezone(&tz);
    i64::from(local.hour() * 60 + local.minute())
}

/// The date of `at` (naive UTC) in `tz`, as days since 1970-01-01: the key of the maintained
/// day counts (`db::stats`).
pub fn local_day(at: NaiveDateTime, tz: chrono_tz::Tz) -> i64 {
    let local = at.and_utc().with_timezone(&tz).date_naive();
    (local - DateTime::UNIX_EPOCH.date_naive()).num_days()
}

fn min_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

impl SummaryColumns {
    pub(super) fn empty(at: NaiveDateTime) -> Self {
        SummaryColumns {
            channel: None,
            first_event_at: at,
            latest_event_at: at,
            start_minute_local: 0,
            start_day_local: 0,
            user_message_count: 0,
            event_count: 0,
            min_intent_confidence: None,
            min_action_confidence: None,
            lowest_confidence: 1.0,
            first_user_message: None,
        }
    }

    pub(super) fn add(&mut self, type_name: &str, at: NaiveDateTime, facts: &EventFacts) {
        if self.event_count == 0 {
            self.first_event_at = at;
            self.latest_event_at = at;
        }
        self.first_event_at = self.first_event_at.min(at);
        self.latest_event_at = self.latest_event_at.max(at);
        self.event_count += 1;
        match type_name {
            "user" => {
                self.user_message_count += 1;
                self.min_intent_confidence = min_opt(self.min_intent_confidence, facts.confidence);
                if facts.input_channel.is_some() {
                    self.channel.clone_from(&facts.input_channel);
                }
                if self.first_user_message.is_none() {
                    self.first_user_message.clone_from(&facts.text);
                }
            }
            "action" => {
                self.min_action_confidence = min_opt(self.min_action_confidence, facts.confidence)
            }
            _ => {}
        }
        self.lowest_confidence =
            min_opt(self.min_intent_confidence, self.min_action_confidence).unwrap_or(1.0);
    }
}

pub(super) type FeatureKey = (String, String, String);

pub(super) fn features_of(facts: &EventFacts, type_name: &str) -> Vec<FeatureKey> {
    let mut out = Vec::new();
    let mut push = |kind: &str, name: &str, value: &str| {
        out.push((kind.to_owned(), name.to_owned(), value.to_owned()))
    };
    match type_name {
        "user" => {
            if let Some(intent) = &facts.intent {
                push("intent", intent, "");
            }
            for entity in &facts.entities {
                push("entity", entity, "");
            }
        }
        "action" => {
            if let Some(name) = &facts.name {
                push("action", name, "");
            }
            if let Some(policy) = &facts.policy {
                push("policy", policy, "");
            }
        }
        "slot" => {
            if let (Some(name), Some(value)) = (&facts.name, &facts.slot_value) {
                push("slot", name, value);
            }
        }
        _ => {}
    }
    out
}

/// What one conversation of a batch adds.
pub(super) struct Planned {
    pub(super) sender_id: String,
    pub(super) prior: Option<ExistingConversation>,
    pub(super) columns: SummaryColumns,
    pub(super) events: Vec<NewEvent>,
    /// Features with their new occurrence counts, and whether a row exists already.
    pub(super) features: Vec<(FeatureKey, i64, bool)>,
    /// The conversation's path with the new events' steps (issue 14's sequence filter), and
    /// whether a row exists already.
    pub(super) path: (String, bool),
    /// The inbox row's names to write, when they are new or changed
    /// ([`crate::db::row_names`]).
    pub(super) row_names: Option<String>,
}

/// What is stored of the conversations in a batch, loaded in a few queries.
#[derive(Default)]
pub(super) struct Stored {
    pub(super) conversations: HashMap<String, ExistingConversation>,
    pub(super) hashes: HashMap<i64, HashMap<i64, usize>>,
    pub(super) next_seq: HashMap<i64, i64>,
    pub(super) features: HashMap<i64, HashMap<FeatureKey, i64>>,
    pub(super) paths: HashMap<i64, String>,
}

pub(super) fn load_stored(conn: &mut DbConnection, senders: &[&str]) -> QueryResult<Stored> {
    let mut stored = Stored::default();
    for chunk in senders.chunks(LOOKUP_CHUNK) {
        for row in conversations::table
            .filter(conversations::sender_id.eq_any(chunk))
            .select(ExistingConversation::as_select())
            .load(conn)?
        {
            stored.conversations.insert(row.sender_id.clone(), row);
        }
    }
    let ids: Vec<i64> = stored.conversations.values().map(|c| c.id).collect();
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        stored.paths.extend(crate::db::paths::load(conn, chunk)?);
        let rows: Vec<(i64, i64, i64)> = events::table
            .filter(events::conversation_id.eq_any(chunk))
            .select((events::conversation_id, events::seq, events::content_hash))
            .load(conn)?;
        for (cid, seq, hash) in rows {
            *stored
                .hashes
                .entry(cid)
                .or_default()
                .entry(hash)
                .or_default() += 1;
            let next = stored.next_seq.entry(cid).or_default();
            *next = (*next).max(seq + 1);
        }
        let rows: Vec<(i64, String, String, String, i64)> = conversation_features::table
            .filter(conversation_features::conversation_id.eq_any(chunk))
            .select((
                conversation_features::conversation_id,
                conversation_features::kind,
                conversation_features::name,
                conversation_features::value,
                conversation_features::occurrences,
            ))
            .load(conn)?;
        for (cid, kind, name, value, n) in rows {
            stored
                .features
                .entry(cid)
                .or_default()
                .insert((kind, name, value), n);
        }
    }
    Ok(stored)
}

/// Works out what a conversation adds, without touching the database.
pub(super) fn plan(
    conv: IncomingConversation,
    prior: Option<ExistingConversation>,
    stored: &mut Stored,
    now: NaiveDateTime,
    opts: &IngestOptions,
    summary: &mut ImportSummary,
) -> Planned {
    let cid = prior.as_ref().map(|p| p.id);
    let mut columns = match &prior {
        Some(p) => p.summary.clone(),
        None => SummaryColumns::empty(
            conv.events
                .iter()
                .find_map(|e| e.timestamp())
                .map_or(now, naive_utc),
        ),
    };
    let hashes = cid
        .and_then(|c| stored.hashes.remove(&c))
        .unwrap_or_default();
    let known_features = cid
        .and_then(|c| stored.features.remove(&c))
        .unwrap_or_default();
    let mut seq = cid
        .and_then(|c| stored.next_seq.get(&c).copied())
        .unwrap_or(0);
    let stored_path = cid.and_then(|c| stored.paths.remove(&c));
    let path_exists = stored_path.is_some();
    let mut path = stored_path.unwrap_or_else(|| crate::sequence::EMPTY_PATH.to_owned());
    let mut seen: HashMap<i64, usize> = HashMap::new();
    let mut feature_counts: HashMap<FeatureKey, i64> = HashMap::new();
    let mut last_time = columns.latest_event_at;
    let mut events_out = Vec::new();
    for event in conv.events {
        let hash = event.content_hash();
        let occurrence = seen.entry(hash).or_default();
        *occurrence += 1;
        if *occurrence <= hashes.get(&hash).copied().unwrap_or(0) {
            summary.events_skipped += 1;
            continue;
        }
        // Rasa always writes a timestamp; an event posted without one takes its predecessor's.
        let timestamp = event
            .timestamp()
            .unwrap_or_else(|| last_time.and_utc().timestamp_micros() as f64 / 1e6);
        let at = naive_utc(timestamp);
        last_time = at;
        let type_name = event.type_name().to_owned();
        let facts = event.facts;
        crate::sequence::append_step(&mut path, &type_name, &facts);
        columns.add(&type_name, at, &facts);
        for key in features_of(&facts, &type_name) {
            *feature_counts.entry(key).or_default() += 1;
        }
        events_out.push(NewEvent {
            conversation_id: 0,
            seq,
            type_name,
            timestamp,
            text: facts.text,
            intent: facts.intent,
            name: facts.name,
            policy: facts.policy,
            confidence: facts.confidence,
            content_hash: hash,
            data: event.raw,
        });
        seq += 1;
    }
    summary.events_added += events_out.len() as u64;
    columns.start_minute_local = local_minute(columns.first_event_at, opts.timezone);
    columns.start_day_local = local_day(columns.first_event_at, opts.timezone);
    let features: Vec<(FeatureKey, i64, bool)> = feature_counts
        .into_iter()
        .map(|(key, n)| match known_features.get(&key) {
            Some(old) => (key, old + n, true),
            None => (key, n, false),
        })
        .collect();
    let row_names = row_names_to_write(prior.is_none(), &features, &known_features);
    Planned {
        sender_id: conv.sender_id,
        prior,
        columns,
        events: events_out,
        features,
        path: (path, path_exists),
        row_names,
    }
}

/// The inbox row's names of a conversation to write ([`crate::db::row_names`]): always for a
/// new one, for a stored one when the batch changed one of its intents or actions. From every
/// intent and action it has: those the batch counted (`features`, their new totals) and the
/// other stored ones.
fn row_names_to_write(
    new: bool,
    features: &[(FeatureKey, i64, bool)],
    known: &HashMap<FeatureKey, i64>,
) -> Option<String> {
    let names_kind = |key: &FeatureKey| key.0 == "intent" || key.0 == "action";
    if !new && !features.iter().any(|(key, _, _)| names_kind(key)) {
        return None;
    }
    let counted: HashMap<&FeatureKey, i64> = features.iter().map(|(k, n, _)| (k, *n)).collect();
    let unchanged = known.iter().filter(|(key, _)| !counted.contains_key(key));
    let all = counted
        .iter()
        .map(|(key, n)| (*key, *n))
        .chain(unchanged.map(|(key, n)| (key, *n)))
        .map(|((kind, name, _), n)| (kind.as_str(), name.as_str(), n));
    Some(RowNames::of(all).to_stored())
}
