//! Reading a filter (and a listing's paging) from a URL query string, with a clear error
//! naming the parameter that is wrong.

use chrono::{DateTime, NaiveTime, TimeZone, Utc};

use super::{
    ConversationFilter, FilterError, PageRequest, ScoreFilter, SlotFilter, TextMode, TimeOfDay,
    API_TOKEN_PARAM, MAX_OFFSET, MAX_PAGE_LIMIT, MIN_TEXT_CHARS,
};

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

pub(super) fn parse_time_of_day(key: &str, value: &str) -> Result<TimeOfDay, FilterError> {
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
