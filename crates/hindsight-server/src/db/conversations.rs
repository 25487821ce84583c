//! The inbox listing: a [`ConversationFilter`] applied condition by condition to a boxed
//! query, with cursor paging that costs the same on page 2,000 as on page 1.

use base64::Engine;
use chrono::NaiveDateTime;
use diesel::dsl::not;
use diesel::prelude::*;
use hindsight_types::{
    ConversationFilter, ConversationPage, ConversationSummary, PageRequest, SortOrder, Tag,
    TextMode,
};
use serde::{Deserialize, Serialize};

use super::connection::{Backend, MultiBackend};
use super::schema::message_annotations;
use super::schema::{conversation_features, conversation_tags, conversations, events, tags};
use super::DbConnection;
use crate::error::{bad_request, AppResult};

/// Rows per page when the client does not say.
pub const DEFAULT_PAGE_LIMIT: i64 = 50;

type BoxedConversations<'a> = conversations::BoxedQuery<'a, MultiBackend>;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

/// `SELECT conversation_id FROM conversation_features WHERE kind = ? AND name IN (…)`.
type FeatureIds<'a> = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::Filter<
            conversation_features::table,
            diesel::dsl::Eq<conversation_features::kind, &'a str>,
        >,
        diesel::dsl::EqAny<conversation_features::name, &'a [String]>,
    >,
    conversation_features::conversation_id,
>;

/// `SELECT conversation_id FROM conversation_tags JOIN tags … WHERE tags.name IN (…)`.
type TaggedIds<'a> = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::InnerJoin<conversation_tags::table, tags::table>,
        diesel::dsl::EqAny<tags::name, &'a [String]>,
    >,
    conversation_tags::conversation_id,
>;

/// Conversations having a feature of `kind` named any of `names`. (Not boxed: diesel's
/// multi-backend cannot nest a boxed subquery.)
fn with_feature<'a>(kind: &'a str, names: &'a [String]) -> FeatureIds<'a> {
    conversation_features::table
        .filter(conversation_features::kind.eq(kind))
        .filter(conversation_features::name.eq_any(names))
        .select(conversation_features::conversation_id)
}

/// Conversations tagged with any of `names`.
fn with_tags(names: &[String]) -> TaggedIds<'_> {
    conversation_tags::table
        .inner_join(tags::table)
        .filter(tags::name.eq_any(names))
        .select(conversation_tags::conversation_id)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_contains(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Whether the filter's `text` is matched as words: the default, unless a substring was asked
/// for or the text holds no letter or digit (no word to look up: `?!` is then a substring).
pub(super) fn matches_words(filter: &ConversationFilter, text: &str) -> bool {
    filter.text_mode == TextMode::Words && text.chars().any(char::is_alphanumeric)
}

/// `SELECT conversation_id FROM events WHERE type_name = 'user' AND lower(text) LIKE …`.
type SubstringIds = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::Filter<events::table, diesel::dsl::Eq<events::type_name, &'static str>>,
        diesel::helper_types::Escape<diesel::dsl::Like<lower<events::text>, String>>,
    >,
    events::conversation_id,
>;

/// Conversations with a user message containing `text`, by portable SQL (a scan).
fn substring_matches(text: &str) -> SubstringIds {
    events::table
        .filter(events::type_name.eq("user"))
        .filter(lower(events::text).like(like_contains(text)).escape('\\'))
        .select(events::conversation_id)
}

/// `text` as an FTS5 phrase: a quoted string, its quotes doubled.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Applies every condition of the filter (not the order) to a query of live conversations,
/// with portable SQL only (the text filter then scans the user messages): prefer
/// [`filtered_for`], which uses the backend's text index.
pub fn filtered(filter: &ConversationFilter) -> BoxedConversations<'_> {
    filtered_on(filter, None, &[])
}

/// Applies every condition of the filter (not the order) to a query of live conversations on
/// `backend`.
pub fn filtered_for(backend: Backend, filter: &ConversationFilter) -> BoxedConversations<'_> {
    filtered_on(filter, Some(backend), &[])
}

/// [`filtered_for`], with the any-of filters of the `probe` kinds (and `text` for words)
/// tested row by row instead of driving the query: see [`super::plan`].
fn filtered_on<'a>(
    filter: &'a ConversationFilter,
    backend: Option<Backend>,
    probe: &[&str],
) -> BoxedConversations<'a> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    let f = filter;
    let mut q = conversations::table
        .filter(conversations::deleted_at.is_null())
        .into_boxed();
    if backend == Some(Backend::Sqlite) {
        // SQLite has no statement timeout: the conversations the query visits check the
        // request's time budget (see `db::connection`). First, so that SQLite tests it before
        // the other conditions and a long walk over non-matching rows is stopped too. Only
        // one row in 64 (by id) calls the function: a call costs about 100 ns, which made an
        // unfiltered count of 520,000 conversations 50 ms slower when every row called it.
        q = q.filter(sql::<Bool>(
            "(conversations.id % 64 <> 0 OR hindsight_within_budget())",
        ));
    }
    if let Some(n) = f.min_user_messages {
        q = q.filter(conversations::user_message_count.ge(n));
    }
    if let Some(n) = f.max_user_messages {
        q = q.filter(conversations::user_message_count.le(n));
    }
    if !f.channels.is_empty() {
        q = q.filter(conversations::channel.eq_any(&f.channels));
    }
    if !f.environments.is_empty() {
        q = q.filter(conversations::environment.eq_any(&f.environments));
    }
    if let Some(c) = f.min_intent_confidence {
        q = q.filter(conversations::min_intent_confidence.ge(c));
    }
    if let Some(c) = f.max_intent_confidence {
        q = q.filter(conversations::min_intent_confidence.le(c));
    }
    if let Some(c) = f.min_action_confidence {
        q = q.filter(conversations::min_action_confidence.ge(c));
    }
    if let Some(c) = f.max_action_confidence {
        q = q.filter(conversations::min_action_confidence.le(c));
    }
    for (kind, any, none) in [
        ("intent", &f.intents, &f.exclude_intents),
        ("action", &f.actions, &f.exclude_actions),
        ("entity", &f.entities, &f.exclude_entities),
        ("policy", &f.policies, &f.exclude_policies),
    ] {
        if !any.is_empty() && probe.contains(&kind) {
            q = q.filter(diesel::dsl::exists(
                conversation_features::table
                    .filter(conversation_features::conversation_id.eq(conversations::id))
                    .filter(conversation_features::kind.eq(kind))
                    .filter(conversation_features::name.eq_any(any)),
            ));
        } else if !any.is_empty() {
            q = q.filter(conversations::id.eq_any(with_feature(kind, any)));
        }
        if !none.is_empty() {
            q = q.filter(not(conversations::id.eq_any(with_feature(kind, none))));
        }
    }
    for slot in &f.slots {
        let named = conversation_features::table
            .filter(conversation_features::kind.eq("slot"))
            .filter(conversation_features::name.eq(&slot.name));
        q = match &slot.value {
            Some(value) => q.filter(
                conversations::id.eq_any(
                    named
                        .filter(conversation_features::value.eq(value))
                        .select(conversation_features::conversation_id),
                ),
            ),
            None => q.filter(
                conversations::id.eq_any(named.select(conversation_features::conversation_id)),
            ),
        };
    }
    // Activity in the range: the conversation's span overlaps it.
    if let Some(start) = f.start {
        q = q.filter(conversations::latest_event_at.ge(start.naive_utc()));
    }
    if let Some(until) = f.until {
        q = q.filter(conversations::first_event_at.le(until.naive_utc()));
    }
    if let Some(window) = f.time_of_day {
        let (from, to) = window.minutes();
        q = if from <= to {
            q.filter(
                conversations::start_minute_local
                    .ge(from)
                    .and(conversations::start_minute_local.lt(to)),
            )
        } else {
            q.filter(
                conversations::start_minute_local
                    .ge(from)
                    .or(conversations::start_minute_local.lt(to)),
            )
        };
    }
    if !f.review_status.is_empty() {
        let statuses: Vec<&'static str> = f.review_status.iter().map(|s| s.as_str()).collect();
        q = q.filter(conversations::review_status.eq_any(statuses));
    }
    if !f.tags_any.is_empty() {
        q = q.filter(conversations::id.eq_any(with_tags(&f.tags_any)));
    }
    for tag in &f.tags_all {
        q = q.filter(conversations::id.eq_any(with_tags(std::slice::from_ref(tag))));
    }
    if !f.tags_none.is_empty() {
        q = q.filter(not(conversations::id.eq_any(with_tags(&f.tags_none))));
    }
    if let Some(flagged) = f.flagged {
        q = q.filter(conversations::flagged.eq(flagged));
    }
    if let Some(news) = f.has_news {
        q = q.filter(conversations::has_news.eq(news));
    }
    // Training data (issue 10): conversations with (or without) annotated messages, or with
    // (or without) a corrected prediction.
    if let Some(annotated) = f.annotated {
        let ids = message_annotations::table.select(message_annotations::conversation_id);
        q = if annotated {
            q.filter(conversations::id.eq_any(ids))
        } else {
            q.filter(not(conversations::id.eq_any(ids)))
        };
    }
    if let Some(misclassified) = f.misclassified {
        let ids = message_annotations::table
            .filter(message_annotations::differs.eq(true))
            .select(message_annotations::conversation_id);
        q = if misclassified {
            q.filter(conversations::id.eq_any(ids))
        } else {
            q.filter(not(conversations::id.eq_any(ids)))
        };
    }
    if let Some(text) = f.text.as_deref().filter(|t| matches_words(f, t)) {
        // Each backend has its own word index (migration 2026-12-02-000061_word_index).
        q = match backend {
            // SQLite: FTS5 unicode61, its rowid (conversation_id << 24) | seq: the matching
            // conversations come from the index alone.
            // Probed (see `super::plan`): `+` keeps SQLite from reading the matches as the
            // rows to visit, so it walks the order's index and tests each conversation
            // against the matches, gathered once.
            Some(Backend::Sqlite) => q.filter(
                sql::<Bool>(if probe.contains(&"text") {
                    "+conversations.id IN (SELECT rowid >> 24 FROM user_words \
                     WHERE user_words MATCH "
                } else {
                    "conversations.id IN (SELECT rowid >> 24 FROM user_words \
                     WHERE user_words MATCH "
                })
                .bind::<Text, _>(fts_phrase(text))
                .sql(")"),
            ),
            // PostgreSQL: the GIN index of exactly this expression over user messages.
            Some(Backend::Postgres) => q.filter(
                sql::<Bool>(
                    "conversations.id IN (SELECT e.conversation_id FROM events e \
                     WHERE e.type_name = 'user' AND \
                     to_tsvector('simple', hindsight_fold(e.text)) @@ \
                     phraseto_tsquery('simple', hindsight_fold(",
                )
                .bind::<Text, _>(text)
                .sql(")))"),
            ),
            // Portable SQL has no word index: the substring, a superset.
            None => q.filter(conversations::id.eq_any(substring_matches(text))),
        };
    } else if let Some(text) = &f.text {
        // Each backend has its own index for substrings (migration 2026-11-24-200000_scale).
        q = match backend {
            // SQLite: the FTS5 trigram index, case-insensitive; it needs 3 characters or more
            // (the query parameter asks for them). Each matching message checks the budget.
            Some(Backend::Sqlite) if text.chars().count() >= 3 => q.filter(
                sql::<Bool>(
                    "conversations.id IN (SELECT e.conversation_id FROM events e \
                     WHERE hindsight_within_budget() AND e.id IN \
                     (SELECT rowid FROM user_texts WHERE user_texts MATCH ",
                )
                .bind::<Text, _>(fts_phrase(text))
                .sql("))"),
            ),
            // PostgreSQL: the pg_trgm index on lower(text) of user messages; the literal
            // 'user' lets the planner match the partial index even in a generic plan.
            Some(Backend::Postgres) => q.filter(
                sql::<Bool>(
                    "conversations.id IN (SELECT e.conversation_id FROM events e \
                     WHERE e.type_name = 'user' AND lower(e.text) LIKE ",
                )
                .bind::<Text, _>(like_contains(text))
                .sql(")"),
            ),
            _ => q.filter(conversations::id.eq_any(substring_matches(text))),
        };
    }
    if let Some(sender) = &f.sender_id {
        q = q.filter(conversations::sender_id.eq(sender));
    }
    q
}

/// Where the previous page ended, in the order's own key.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    /// The order the cursor belongs to.
    s: SortOrder,
    /// Sort key of the last row: a time (as micros), a count or a confidence.
    k: f64,
    /// Id of the last row: ties are broken by id.
    i: i64,
}

fn encode_cursor(c: &Cursor) -> String {
    let json = serde_json::to_vec(c).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

fn decode_cursor(text: &str, sort: SortOrder) -> AppResult<Cursor> {
    let bad = || bad_request("cursor", "`cursor` is not one this server gave out");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| bad())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if cursor.s != sort {
        return Err(bad_request(
            "cursor",
            "`cursor` belongs to another sort order",
        ));
    }
    Ok(cursor)
}

fn micros_to_naive(micros: f64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp_micros(micros as i64)
        .unwrap_or_default()
        .naive_utc()
}

/// Orders a query and skips to after the cursor. The bound on the sort key alone comes first,
/// so that the index seeks straight to the cursor (an `a < x OR (a = x AND id < y)` alone
/// would make it scan every row before it); the `OR` then only settles ties.
fn ordered<'a>(
    q: BoxedConversations<'a>,
    sort: SortOrder,
    after: Option<&Cursor>,
) -> BoxedConversations<'a> {
    use conversations::{id, latest_event_at, lowest_confidence, started_at, user_message_count};
    match sort {
        SortOrder::Latest => {
            let q = q.order((latest_event_at.desc(), id.desc()));
            match after {
                Some(c) => {
                    let t = micros_to_naive(c.k);
                    q.filter(latest_event_at.le(t))
                        .filter(latest_event_at.lt(t).or(id.lt(c.i)))
                }
                None => q,
            }
        }
        // On `started_at`, which no import changes: ordered by activity (latest_event_at), a
        // conversation already served would move past the cursor when it gains events and be
        // served again.
        SortOrder::Oldest => {
            let q = q.order((started_at.asc(), id.asc()));
            match after {
                Some(c) => {
                    let t = micros_to_naive(c.k);
                    q.filter(started_at.ge(t))
                        .filter(started_at.gt(t).or(id.gt(c.i)))
                }
                None => q,
            }
        }
        SortOrder::LowestConfidence => {
            let q = q.order((lowest_confidence.asc(), id.asc()));
            match after {
                Some(c) => q
                    .filter(lowest_confidence.ge(c.k))
                    .filter(lowest_confidence.gt(c.k).or(id.gt(c.i))),
                None => q,
            }
        }
        SortOrder::Length => {
            let q = q.order((user_message_count.desc(), id.desc()));
            match after {
                Some(c) => {
                    let n = c.k as i64;
                    q.filter(user_message_count.le(n))
                        .filter(user_message_count.lt(n).or(id.lt(c.i)))
                }
                None => q,
            }
        }
    }
}

/// The columns of an inbox row stored on the conversation itself.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = conversations)]
pub struct ConversationRow {
    /// Internal id.
    pub id: i64,
    /// Rasa sender id.
    pub sender_id: String,
    /// Latest input channel.
    pub channel: Option<String>,
    /// First event time.
    pub first_event_at: NaiveDateTime,
    /// Latest event time.
    pub latest_event_at: NaiveDateTime,
    /// User messages.
    pub user_message_count: i64,
    /// Events.
    pub event_count: i64,
    /// Lowest intent confidence.
    pub min_intent_confidence: Option<f64>,
    /// Lowest action confidence.
    pub min_action_confidence: Option<f64>,
    /// Sort key of the lowest-confidence order.
    pub lowest_confidence: f64,
    /// First user message.
    pub first_user_message: Option<String>,
    /// Review status as stored.
    pub review_status: String,
    /// News since review.
    pub has_news: bool,
    /// Any flagged message.
    pub flagged: bool,
    /// When the conversation started as first imported: the `oldest` order's key, never
    /// changed.
    pub started_at: NaiveDateTime,
}

impl ConversationRow {
    fn cursor(&self, sort: SortOrder) -> Cursor {
        let k = match sort {
            SortOrder::Latest => self.latest_event_at.and_utc().timestamp_micros() as f64,
            SortOrder::Oldest => self.started_at.and_utc().timestamp_micros() as f64,
            SortOrder::LowestConfidence => self.lowest_confidence,
            SortOrder::Length => self.user_message_count as f64,
        };
        Cursor {
            s: sort,
            k,
            i: self.id,
        }
    }
}

/// Most intents and actions listed on one inbox row.
const ROW_NAMES: usize = 8;

/// Turns rows into inbox summaries, loading their tags, intents and actions in two queries.
pub fn summarise(
    conn: &mut DbConnection,
    rows: Vec<ConversationRow>,
) -> AppResult<Vec<ConversationSummary>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let tag_rows: Vec<(i64, i64, String, String)> = conversation_tags::table
        .inner_join(tags::table)
        .filter(conversation_tags::conversation_id.eq_any(&ids))
        .order((conversation_tags::conversation_id, tags::name))
        .select((
            conversation_tags::conversation_id,
            tags::id,
            tags::name,
            tags::color,
        ))
        .load(conn)?;
    let feature_rows: Vec<(i64, String, String)> = conversation_features::table
        .filter(conversation_features::conversation_id.eq_any(&ids))
        .filter(conversation_features::kind.eq_any(["intent", "action"]))
        .order((
            conversation_features::conversation_id,
            conversation_features::occurrences.desc(),
            conversation_features::name,
        ))
        .select((
            conversation_features::conversation_id,
            conversation_features::kind,
            conversation_features::name,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let tags = tag_rows
                .iter()
                .filter(|t| t.0 == r.id)
                .map(|(_, id, value, color)| Tag {
                    id: *id,
                    value: value.clone(),
                    color: color.clone(),
                })
                .collect();
            let names = |kind: &str| -> Vec<String> {
                feature_rows
                    .iter()
                    .filter(|f| f.0 == r.id && f.1 == kind)
                    .take(ROW_NAMES)
                    .map(|f| f.2.clone())
                    .collect()
            };
            ConversationSummary {
                intents: names("intent"),
                actions: names("action"),
                id: r.sender_id,
                channel: r.channel,
                first_event_at: r.first_event_at.and_utc(),
                latest_event_at: r.latest_event_at.and_utc(),
                user_message_count: r.user_message_count,
                event_count: r.event_count,
                min_intent_confidence: r.min_intent_confidence,
                min_action_confidence: r.min_action_confidence,
                review_status: r.review_status.parse().unwrap_or_default(),
                has_news: r.has_news,
                tags,
                flagged: r.flagged,
                first_user_message: r.first_user_message,
            }
        })
        .collect())
}

/// How many live conversations match the filter: from the maintained counts when the filter
/// holds only channels and review statuses ([`super::counts`]), else counted.
pub fn count(conn: &mut DbConnection, filter: &ConversationFilter) -> AppResult<i64> {
    if let Some(n) = super::counts::total(conn, filter)? {
        return Ok(n);
    }
    Ok(filtered_for(conn.backend(), filter)
        .count()
        .get_result(conn)?)
}

/// One page of the inbox with its total.
pub fn list(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    page: &PageRequest,
) -> AppResult<ConversationPage> {
    let limit = page.limit.unwrap_or(DEFAULT_PAGE_LIMIT);
    let after = page
        .cursor
        .as_deref()
        .map(|c| decode_cursor(c, filter.sort))
        .transpose()?;
    let walk = limit + page.offset.unwrap_or(0);
    let mut probe = super::plan::probe_kinds(conn, filter, walk)?;
    if super::plan::probe_words(conn, filter, walk)? {
        probe.push("text");
    }
    let filtered = filtered_on(filter, Some(conn.backend()), &probe);
    let mut q = ordered(filtered, filter.sort, after.as_ref()).limit(limit + 1);
    if let Some(offset) = page.offset {
        q = q.offset(offset);
    }
    let mut rows: Vec<ConversationRow> = q.select(ConversationRow::as_select()).load(conn)?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| encode_cursor(&r.cursor(filter.sort)))
    } else {
        None
    };
    let total = if page.skip_total {
        -1
    } else {
        count(conn, filter)?
    };
    Ok(ConversationPage {
        conversations: summarise(conn, rows)?,
        total,
        next_cursor,
        // The caller reads the snapshot mark before the page (see `routes::conversations`).
        snapshot: 0,
    })
}

/// The row of one live conversation, by sender id.
pub fn find_live(conn: &mut DbConnection, sender_id: &str) -> QueryResult<Option<ConversationRow>> {
    conversations::table
        .filter(conversations::sender_id.eq(sender_id))
        .filter(conversations::deleted_at.is_null())
        .select(ConversationRow::as_select())
        .first(conn)
        .optional()
}

/// Locks the conversation's row until the transaction ends, so that two changes to one
/// conversation (two reviewers tagging it, a flag and a new event) run one after the other.
/// An update that changes nothing, because it locks on both backends: PostgreSQL takes the
/// row lock, and on SQLite the transaction holds the database's write lock already.
pub fn lock(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(conversations::table.find(id))
        .set(conversations::updated_at.eq(conversations::updated_at))
        .execute(conn)
        .map(drop)
}

/// Whether the database holds no conversation at all (deleted ones included).
pub fn is_empty(conn: &mut DbConnection) -> AppResult<bool> {
    let any: Option<i64> = conversations::table
        .select(conversations::id)
        .first(conn)
        .optional()?;
    Ok(any.is_none())
}

/// The internal id of a conversation, live or in the trash, by sender id.
pub fn find_any(conn: &mut DbConnection, sender_id: &str) -> QueryResult<Option<i64>> {
    conversations::table
        .filter(conversations::sender_id.eq(sender_id))
        .select(conversations::id)
        .first(conn)
        .optional()
}
