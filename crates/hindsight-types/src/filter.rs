//! [`ConversationFilter`]: the one type that selects conversations.
//!
//! The web app keeps it in its URL query, the server parses exactly that query, and saved
//! filter templates store it, so a filter means the same thing everywhere. Rasa X's query
//! names are accepted as aliases so existing scripts keep working.

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
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

fn split_list(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn parse_number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, FilterError> {
    value
        .trim()
        .parse()
        .map_err(|_| FilterError::new(key, format!("`{key}` must be a number, not `{value}`")))
}

fn parse_count(key: &str, value: &str) -> Result<i64, FilterError> {
    let n: i64 = parse_number(key, value)?;
    if n < 0 {
        return Err(FilterError::new(
            key,
            format!("`{key}` must not be negative, got {n}"),
        ));
    }
    Ok(n)
}

fn parse_confidence(key: &str, value: &str) -> Result<f64, FilterError> {
    let c: f64 = parse_number(key, value)?;
    if !(0.0..=1.0).contains(&c) {
        return Err(FilterError::new(
            key,
            format!("`{key}` must be between 0 and 1, got {value}"),
        ));
    }
    Ok(c)
}

pub(crate) fn parse_bool(key: &str, value: &str) -> Result<bool, FilterError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(FilterError::new(
            key,
            format!("`{key}` must be true or false, not `{value}`"),
        )),
    }
}

/// Accepts RFC 3339 (`2024-05-01T12:00:00Z`), a date (`2024-05-01`, midnight UTC) or Unix
/// seconds (`1714564800.5`, Rasa X's form).
fn parse_instant(key: &str, value: &str) -> Result<DateTime<Utc>, FilterError> {
    let v = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Ok(Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)));
    }
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() {
            let micros = (secs * 1e6).round() as i64;
            if let Some(t) = DateTime::<Utc>::from_timestamp_micros(micros) {
                return Ok(t);
            }
        }
    }
    Err(FilterError::new(
        key,
        format!("`{key}` must be an RFC 3339 time, a date or Unix seconds, not `{value}`"),
    ))
}

fn parse_time_of_day(key: &str, value: &str) -> Result<TimeOfDay, FilterError> {
    let bad = || {
        FilterError::new(
            key,
            format!("`{key}` must look like 22:00-06:00, not `{value}`"),
        )
    };
    let (from, to) = value.split_once('-').ok_or_else(bad)?;
    let time = |s: &str| NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| bad());
    Ok(TimeOfDay {
        from: time(from)?,
        to: time(to)?,
    })
}

fn parse_slot(value: &str) -> SlotFilter {
    match value.split_once(':') {
        Some((name, v)) => SlotFilter {
            name: name.trim().to_owned(),
            value: Some(v.to_owned()),
        },
        None => SlotFilter {
            name: value.trim().to_owned(),
            value: None,
        },
    }
}

impl ConversationFilter {
    /// Applies one query parameter. Returns `Ok(false)` when the key is not a filter key.
    pub fn apply_param(&mut self, key: &str, value: &str) -> Result<bool, FilterError> {
        match key {
            "min_user_messages" | "minimumUserMessages" => {
                self.min_user_messages = Some(parse_count(key, value)?)
            }
            "max_user_messages" | "maximumUserMessages" => {
                self.max_user_messages = Some(parse_count(key, value)?)
            }
            "channel" | "channels" | "input_channels" => self.channels.extend(split_list(value)),
            "environment" | "environments" => self.environments.extend(split_list(value)),
            "min_intent_confidence" | "minimumNluConfidence" => {
                self.min_intent_confidence = Some(parse_confidence(key, value)?)
            }
            "max_intent_confidence" | "maximumNluConfidence" => {
                self.max_intent_confidence = Some(parse_confidence(key, value)?)
            }
            "min_action_confidence" | "minimumConfidence" => {
                self.min_action_confidence = Some(parse_confidence(key, value)?)
            }
            "max_action_confidence" | "maximumConfidence" => {
                self.max_action_confidence = Some(parse_confidence(key, value)?)
            }
            "intent" | "intents" => self.intents.extend(split_list(value)),
            "exclude_intent" => self.exclude_intents.extend(split_list(value)),
            "action" | "actions" => self.actions.extend(split_list(value)),
            "exclude_action" => self.exclude_actions.extend(split_list(value)),
            "entity" | "entities" => self.entities.extend(split_list(value)),
            "exclude_entity" => self.exclude_entities.extend(split_list(value)),
            "policy" | "policies" => self.policies.extend(split_list(value)),
            "exclude_policy" => self.exclude_policies.extend(split_list(value)),
            // `slot` is repeated once per condition so values may hold commas; Rasa X's
            // `slots` is a comma-separated list.
            "slot" => {
                if !value.trim().is_empty() {
                    self.slots.push(parse_slot(value))
                }
            }
            "slots" => self.slots.extend(split_list(value).map(|s| parse_slot(&s))),
            "start" => self.start = Some(parse_instant(key, value)?),
            "until" => self.until = Some(parse_instant(key, value)?),
            "time_of_day" => self.time_of_day = Some(parse_time_of_day(key, value)?),
            "review_status" => {
                for s in split_list(value) {
                    let status = s.parse().map_err(|_| {
                        FilterError::new(
                            key,
                            format!(
                                "`{key}` must be one of unread, reviewed, saved_for_later, not `{s}`"
                            ),
                        )
                    })?;
                    self.review_status.push(status);
                }
            }
            "tags_any" | "tag" => self.tags_any.extend(split_list(value)),
            "tags_all" => self.tags_all.extend(split_list(value)),
            "tags_none" => self.tags_none.extend(split_list(value)),
            "flagged" | "is_flagged" => self.flagged = Some(parse_bool(key, value)?),
            "has_news" => self.has_news = Some(parse_bool(key, value)?),
            // Training data (issue 10).
            "annotated" => self.annotated = Some(parse_bool(key, value)?),
            "misclassified" => self.misclassified = Some(parse_bool(key, value)?),
            "text" => {
                // Double quotes around the text ask for a substring.
                let quoted = value.len() >= 2 && value.starts_with('"') && value.ends_with('"');
                let value = if quoted {
                    self.text_mode = TextMode::Substring;
                    &value[1..value.len() - 1]
                } else {
                    value
                };
                self.text = Some(value.to_owned()).filter(|s| !s.trim().is_empty());
                if let Some(text) = &self.text {
                    let chars = text.chars().count();
                    if chars < MIN_TEXT_CHARS {
                        return Err(FilterError::new(
                            key,
                            format!(
                                "`text` needs at least {MIN_TEXT_CHARS} characters, got {chars}: \
                                 the text index matches pieces of three, and a shorter text \
                                 would read every message"
                            ),
                        ));
                    }
                }
            }
            "text_mode" => {
                self.text_mode = match value {
                    "words" => TextMode::Words,
                    "substring" => TextMode::Substring,
                    _ => {
                        return Err(FilterError::new(
                            key,
                            format!("`text_mode` must be one of words, substring, not `{value}`"),
                        ))
                    }
                }
            }
            "sender_id" => self.sender_id = Some(value.to_owned()).filter(|s| !s.is_empty()),
            "discover_group" => {
                self.discover_group = match value.trim() {
                    "" => None,
                    _ => Some(parse_count(key, value)?),
                }
            }
            "seq" => {
                self.sequence = match value.trim() {
                    "" => None,
                    pattern => Some(pattern.parse().map_err(|e: crate::sequence::SequenceError| {
                        FilterError::new(key, format!("`seq` {e}"))
                    })?),
                }
            }
            // Review queues (issue 13): `score.QUESTION=VALUE,…`.
            key if key.starts_with("score.") => {
                let question = &key["score.".len()..];
                if question.trim().is_empty() {
                    return Err(FilterError::new(
                        key,
                        "`score.` needs a rubric question's id, e.g. `score.outcome=failure`",
                    ));
                }
                if !crate::queues::is_question_id(question) {
                    return Err(FilterError::new(
                        key,
                        format!("`{key}`: a rubric question's id is 1 to 64 lower-case letters, digits or `_`, starting with a letter"),
                    ));
                }
                let values: Vec<String> = split_list(value).collect();
                if !values.is_empty() {
                    match self.scores.iter_mut().find(|s| s.question == question) {
                        Some(s) => s.values.extend(values),
                        None => self.scores.push(ScoreFilter {
                            question: question.to_owned(),
                            values,
                        }),
                    }
                }
            }
            "sort" => {
                self.sort = value.parse().map_err(|_| {
                    FilterError::new(
                        key,
                        format!(
                            "`sort` must be one of latest, oldest, lowest_confidence, length, not `{value}`"
                        ),
                    )
                })?
            }
            _ => return Ok(false),
        }
        self.check_ranges(key)?;
        Ok(true)
    }

    fn check_ranges(&self, key: &str) -> Result<(), FilterError> {
        let inverted =
            |lo: Option<f64>, hi: Option<f64>| matches!((lo, hi), (Some(l), Some(h)) if l > h);
        if matches!((self.min_user_messages, self.max_user_messages), (Some(l), Some(h)) if l > h)
            || inverted(self.min_intent_confidence, self.max_intent_confidence)
            || inverted(self.min_action_confidence, self.max_action_confidence)
            || matches!((self.start, self.until), (Some(s), Some(u)) if s > u)
        {
            return Err(FilterError::new(
                key,
                format!("`{key}` makes an empty range: its minimum is above its maximum"),
            ));
        }
        Ok(())
    }

    /// Parses a URL query string (without the `?`). Unknown keys are errors unless `extra`
    /// accepts them (the caller's own parameters, such as paging).
    pub fn from_query_with(
        query: &str,
        mut extra: impl FnMut(&str, &str) -> Result<bool, FilterError>,
    ) -> Result<Self, FilterError> {
        let mut filter = ConversationFilter::default();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            // A credential, not a filter: the server reads it before the route runs.
            if key == "api_token" {
                continue;
            }
            if filter.apply_param(&key, &value)? || extra(&key, &value)? {
                continue;
            }
            return Err(FilterError::new(
                &key,
                format!("unknown query parameter `{key}`"),
            ));
        }
        Ok(filter)
    }

    /// Parses a URL query string that holds only filter parameters.
    pub fn from_query(query: &str) -> Result<Self, FilterError> {
        Self::from_query_with(query, |_, _| Ok(false))
    }

    /// The canonical query string (without `?`), omitting what is at its default.
    pub fn to_query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        let mut num = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                q.append_pair(k, &v);
            }
        };
        num(
            "min_user_messages",
            self.min_user_messages.map(|n| n.to_string()),
        );
        num(
            "max_user_messages",
            self.max_user_messages.map(|n| n.to_string()),
        );
        num(
            "min_intent_confidence",
            self.min_intent_confidence.map(|n| n.to_string()),
        );
        num(
            "max_intent_confidence",
            self.max_intent_confidence.map(|n| n.to_string()),
        );
        num(
            "min_action_confidence",
            self.min_action_confidence.map(|n| n.to_string()),
        );
        num(
            "max_action_confidence",
            self.max_action_confidence.map(|n| n.to_string()),
        );
        num(
            "start",
            self.start
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        );
        num(
            "until",
            self.until
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
        );
        num(
            "time_of_day",
            self.time_of_day
                .map(|w| format!("{}-{}", w.from.format("%H:%M"), w.to.format("%H:%M"))),
        );
        num("flagged", self.flagged.map(|b| b.to_string()));
        num("has_news", self.has_news.map(|b| b.to_string()));
        num("annotated", self.annotated.map(|b| b.to_string()));
        num("misclassified", self.misclassified.map(|b| b.to_string()));
        num("text", self.text.clone());
        num(
            "text_mode",
            (self.text.is_some() && self.text_mode != TextMode::Words)
                .then(|| self.text_mode.as_str().to_owned()),
        );
        num("sender_id", self.sender_id.clone());
        num("seq", self.sequence.as_ref().map(ToString::to_string));
        num("discover_group", self.discover_group.map(|g| g.to_string()));
        let mut list = |k: &str, vs: &[String]| {
            if !vs.is_empty() {
                q.append_pair(k, &vs.join(","));
            }
        };
        list("channel", &self.channels);
        list("environment", &self.environments);
        list("intent", &self.intents);
        list("exclude_intent", &self.exclude_intents);
        list("action", &self.actions);
        list("exclude_action", &self.exclude_actions);
        list("entity", &self.entities);
        list("exclude_entity", &self.exclude_entities);
        list("policy", &self.policies);
        list("exclude_policy", &self.exclude_policies);
        list("tags_any", &self.tags_any);
        list("tags_all", &self.tags_all);
        list("tags_none", &self.tags_none);
        let statuses: Vec<String> = self
            .review_status
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect();
        list("review_status", &statuses);
        for slot in &self.slots {
            match &slot.value {
                Some(v) => q.append_pair("slot", &format!("{}:{}", slot.name, v)),
                None => q.append_pair("slot", &slot.name),
            };
        }
        for s in &self.scores {
            q.append_pair(&format!("score.{}", s.question), &s.values.join(","));
        }
        if self.sort != SortOrder::Latest {
            q.append_pair("sort", self.sort.as_str());
        }
        q.finish()
    }

    /// Whether no condition is set (the sort order does not count).
    pub fn is_empty(&self) -> bool {
        ConversationFilter {
            sort: SortOrder::Latest,
            ..self.clone()
        } == ConversationFilter::default()
    }
}

impl PageRequest {
    /// Applies one paging parameter; `Ok(false)` when the key is not one.
    pub fn apply_param(&mut self, key: &str, value: &str) -> Result<bool, FilterError> {
        match key {
            "limit" => {
                let n: i64 = parse_number(key, value)?;
                if !(1..=MAX_PAGE_LIMIT).contains(&n) {
                    return Err(FilterError::new(
                        key,
                        format!("`limit` must be between 1 and {MAX_PAGE_LIMIT}, got {n}"),
                    ));
                }
                self.limit = Some(n);
            }
            "offset" => {
                let n = parse_count(key, value)?;
                if n > MAX_OFFSET {
                    return Err(FilterError::new(
                        key,
                        format!(
                            "`offset` must be at most {MAX_OFFSET}, got {n}: page deeper with \
                             `cursor` (send each page's `next_cursor`)"
                        ),
                    ));
                }
                self.offset = Some(n);
            }
            "cursor" => self.cursor = Some(value.to_owned()).filter(|s| !s.is_empty()),
            "total" => self.skip_total = !parse_bool(key, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The query parameter an API token may be sent in (instead of `Authorization`): every
/// route accepts it, so the inbox's query parsers skip it rather than call it unknown.
pub const API_TOKEN_PARAM: &str = "api_token";

/// Parses a listing's whole query string: filter plus paging.
pub fn parse_listing_query(query: &str) -> Result<(ConversationFilter, PageRequest), FilterError> {
    let mut page = PageRequest::default();
    let filter = ConversationFilter::from_query_with(query, |k, v| {
        Ok(k == API_TOKEN_PARAM || page.apply_param(k, v)?)
    })?;
    if page.cursor.is_some() && page.offset.is_some() {
        return Err(FilterError::new(
            "cursor",
            "send either `cursor` or `offset`, not both",
        ));
    }
    Ok((filter, page))
}

/// Parses the tab counts' query string: the filter, and `estimate` (whether an estimate may
/// answer when counting exactly would keep the inbox waiting; default `false`).
pub fn parse_tab_counts_query(query: &str) -> Result<(ConversationFilter, bool), FilterError> {
    let mut estimate = false;
    let filter = ConversationFilter::from_query_with(query, |k, v| {
        if k == "estimate" {
            estimate = parse_bool(k, v)?;
            return Ok(true);
        }
        Ok(k == API_TOKEN_PARAM)
    })?;
    Ok((filter, estimate))
}

#[cfg(test)]
mod tests;
