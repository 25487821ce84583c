//! The inbox listing: a [`ConversationFilter`] applied condition by condition to a boxed
//! query, with cursor paging that costs the same on page 2,000 as on page 1.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hindsight_types::{
    ConversationFilter, ConversationPage, ConversationSummary, PageRequest, ReviewStatus, Tag,
};

use super::cached_sql::id_in;
use super::connection::MultiBackend;
use super::schema::{conversation_features, conversation_tags, conversations, tags};
use super::DbConnection;

mod complement;
mod estimate;
mod filter;
mod order;
mod score;
mod sequence;
mod text;

pub use estimate::{estimate_by_status, Estimate, SampleSize};
pub use filter::{filtered, filtered_among, filtered_for};
pub use order::{Cursor, CursorError};
pub(super) use text::matches_words;

/// Rows per page when the client does not say.
pub const DEFAULT_PAGE_LIMIT: i64 = 50;

type BoxedConversations<'a> = conversations::BoxedQuery<'a, MultiBackend>;

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

/// Most intents and actions listed on one inbox row.
const ROW_NAMES: usize = 8;

/// `(conversation id, tag id, name, colour)`, by conversation then name.
pub type TagRow = (i64, i64, String, String);
/// `(conversation id, kind, name)` of intents and actions, by conversation, most frequent first.
pub type NameRow = (i64, String, String);

/// The tags, intents and actions of the conversations `ids`, in two queries: what an inbox
/// row and an exported conversation show beside the conversation's own columns.
pub fn tags_and_names(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<(Vec<TagRow>, Vec<NameRow>)> {
    let backend = conn.backend();
    let tag_rows = conversation_tags::table
        .inner_join(tags::table)
        .filter(id_in(backend, "conversation_tags.conversation_id", ids))
        .order((conversation_tags::conversation_id, tags::name))
        .select((
            conversation_tags::conversation_id,
            tags::id,
            tags::name,
            tags::color,
        ))
        .load(conn)?;
    let name_rows = conversation_features::table
        .filter(id_in(backend, "conversation_features.conversation_id", ids))
        .filter(
            conversation_features::kind
                .eq("intent")
                .or(conversation_features::kind.eq("action")),
        )
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
    Ok((tag_rows, name_rows))
}

/// The summary of one conversation from its row and its rows of [`tags_and_names`].
pub fn summary(
    row: &ConversationRow,
    tag_rows: &[TagRow],
    name_rows: &[NameRow],
) -> ConversationSummary {
    let tags = tag_rows
        .iter()
        .map(|(_, id, value, color)| Tag {
            id: *id,
            value: value.clone(),
            color: color.clone(),
        })
        .collect();
    let names = |kind: &str| -> Vec<String> {
        name_rows
            .iter()
            .filter(|f| f.1 == kind)
            .take(ROW_NAMES)
            .map(|f| f.2.clone())
            .collect()
    };
    ConversationSummary {
        intents: names("intent"),
        actions: names("action"),
        id: row.sender_id.clone(),
        channel: row.channel.clone(),
        first_event_at: row.first_event_at.and_utc(),
        latest_event_at: row.latest_event_at.and_utc(),
        user_message_count: row.user_message_count,
        event_count: row.event_count,
        min_intent_confidence: row.min_intent_confidence,
        min_action_confidence: row.min_action_confidence,
        review_status: row.review_status.parse().unwrap_or_default(),
        has_news: row.has_news,
        tags,
        flagged: row.flagged,
        first_user_message: row.first_user_message.clone(),
    }
}

/// Rows of `rows` grouped by their first field, the conversation id (they come sorted by it).
pub fn by_conversation<T>(rows: &[T], id: impl Fn(&T) -> i64) -> HashMap<i64, &[T]> {
    let mut out = HashMap::new();
    for chunk in rows.chunk_by(|a, b| id(a) == id(b)) {
        out.insert(id(&chunk[0]), chunk);
    }
    out
}

/// Turns rows into inbox summaries, loading their tags, intents and actions in two queries.
pub fn summarise(
    conn: &mut DbConnection,
    rows: Vec<ConversationRow>,
) -> QueryResult<Vec<ConversationSummary>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let (tag_rows, name_rows) = tags_and_names(conn, &ids)?;
    let tags = by_conversation(&tag_rows, |t| t.0);
    let names = by_conversation(&name_rows, |n| n.0);
    Ok(rows
        .into_iter()
        .map(|r| {
            let tags = tags.get(&r.id).copied().unwrap_or_default();
            summary(&r, tags, names.get(&r.id).copied().unwrap_or_default())
        })
        .collect())
}

/// How many live conversations match the filter: from the maintained counts when the filter
/// holds only channels and review statuses ([`super::counts`]), else counted.
pub fn count(conn: &mut DbConnection, filter: &ConversationFilter) -> QueryResult<i64> {
    if let Some(n) = super::counts::total(conn, filter)? {
        return Ok(n);
    }
    if let Some(rows) = sequence::count_by_status_in_process(conn, filter)? {
        return Ok(rows.iter().map(|(_, n)| n).sum());
    }
    let rest = ConversationFilter {
        review_status: Vec::new(),
        ..filter.clone()
    };
    if let Some(rows) = complement::by_status_as_difference(conn, &rest)? {
        let asked = |status: &str| {
            filter.review_status.is_empty()
                || filter.review_status.iter().any(|s| s.as_str() == status)
        };
        return Ok(rows.iter().filter(|(s, _)| asked(s)).map(|(_, n)| n).sum());
    }
    filtered_for(conn.backend(), filter)
        .count()
        .get_result(conn)
}

/// How many live conversations match the filter (its own review status left out) in each
/// review status, as `(status, count)` rows (a status with none may be missing): from the
/// maintained counts when the rest holds only channels, else counted in one grouped pass,
/// which costs about what one count of the filter costs.
pub fn count_by_status(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<Vec<(String, i64)>> {
    if let Some(rows) = super::counts::by_status(conn, filter)? {
        return Ok(rows);
    }
    counted_by_status(conn, filter)
}

/// [`count_by_status`] counted over the conversations, for a caller that has already found
/// the filter not answered by the maintained counts.
fn counted_by_status(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<Vec<(String, i64)>> {
    let rest = ConversationFilter {
        review_status: Vec::new(),
        ..filter.clone()
    };
    if let Some(rows) = sequence::count_by_status_in_process(conn, &rest)? {
        return Ok(rows);
    }
    if let Some(rows) = complement::by_status_as_difference(conn, &rest)? {
        return Ok(rows);
    }
    by_status(filtered_for(conn.backend(), &rest), conn)
}

/// The live conversations of `query` per review status, in one pass: a conditional count per
/// status (diesel cannot group a boxed query).
pub(super) fn by_status(
    query: BoxedConversations<'_>,
    conn: &mut DbConnection,
) -> QueryResult<Vec<(String, i64)>> {
    use diesel::dsl::sql;
    use diesel::sql_types::BigInt;
    let [a, b, c] = ReviewStatus::ALL.map(|s| {
        // The statuses are this program's own constants, not input.
        sql::<BigInt>(&format!(
            "count(CASE WHEN conversations.review_status = '{}' THEN 1 END)",
            s.as_str()
        ))
    });
    let counts: (i64, i64, i64) = query.select((a, b, c)).get_result(conn)?;
    Ok(ReviewStatus::ALL
        .iter()
        .map(|s| s.as_str().to_owned())
        .zip([counts.0, counts.1, counts.2])
        .collect())
}

/// The share of the sample at or below which a filter is rare enough to try counting exactly
/// (0.5 %: 5,000 of a million conversations): its matches are few to gather, so the exact
/// count usually fits the time limit, and an estimate from a few matches would be coarse.
pub const RARE_SHARE: f64 = 0.005;

/// The tab counts, exact or estimated (the flag: `true` when exact).
///
/// On SQLite the sample comes first (a few milliseconds): when it held every conversation it
/// is the exact count; when the filter is rare in it, the exact count is tried within
/// `limit`; otherwise, or when the limit is reached, the estimate answers. (SQLite checks the
/// limit only on the conversations a query visits, so an exact count tried first would gather
/// a common condition's matches before it could be stopped.) On PostgreSQL the exact count is
/// tried first: `statement_timeout` stops it anywhere, and a sample of 32 windows costs
/// PostgreSQL more than a small exact count (226 ms against 10 ms at 20,000 conversations).
pub fn count_by_status_or_estimate(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    limit: std::time::Duration,
) -> QueryResult<(Vec<(String, i64)>, bool)> {
    if let Some(rows) = super::counts::by_status(conn, filter)? {
        return Ok((rows, true));
    }
    // An exclusion of a rare value costs what counting its holders costs: exact at once
    // when that fits the limit.
    let rest = ConversationFilter {
        review_status: Vec::new(),
        ..filter.clone()
    };
    let difference = |c: &mut DbConnection| complement::by_status_as_difference(c, &rest);
    if let Some(rows) = super::connection::within(conn, limit, difference)?.flatten() {
        return Ok((rows, true));
    }
    // Within the limit, one statement: a sequence pattern's count in the server
    // (`counted_by_status`) lists its candidates first, which no limit of tens of ms leaves
    // time for; with it, `just bench` at a million conversations measured PostgreSQL's view of
    // the two patterns with a common step at 163 ms (p50), against 46 – 51 ms the run before.
    let exact = |conn: &mut DbConnection| {
        super::connection::within(conn, limit, |c| {
            by_status(filtered_for(c.backend(), &rest), c)
        })
    };
    if conn.backend() == super::Backend::Postgres {
        if let Some(rows) = exact(conn)? {
            return Ok((rows, true));
        }
        let size = if filter.text.is_some() || filter.sequence.is_some() {
            SampleSize::INBOX_SLOW_ROWS_POSTGRES
        } else {
            SampleSize::INBOX
        };
        let estimate = estimate_by_status(conn, filter, size)?;
        return Ok((estimate.by_status, estimate.complete));
    }
    let estimate = estimate_by_status(conn, filter, SampleSize::INBOX)?;
    if estimate.complete {
        return Ok((estimate.by_status, true));
    }
    if estimate.matched_in_sample as f64 <= RARE_SHARE * estimate.sampled as f64 {
        if let Some(rows) = exact(conn)? {
            return Ok((rows, true));
        }
    }
    Ok((estimate.by_status, false))
}

/// Whether a page of `walk` rows tests every condition row by row while walking its order
/// (SQLite's choice for a common filter, `page_plan`), rather than gathering.
pub fn reads_row_by_row(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    walk: i64,
) -> QueryResult<bool> {
    Ok(page_plan(conn, filter, walk)?.per_row)
}

/// Whether a page of `walk` rows tests the text filter on each conversation while walking its
/// order (a common word, or on PostgreSQL a common substring: `page_plan`), rather than
/// gathering its matches from the index.
pub fn probes_text(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    walk: i64,
) -> QueryResult<bool> {
    Ok(page_plan(conn, filter, walk)?.probe.contains(&"text"))
}

/// Conversations in the sample that decides how a page is read (16 windows of 64 ids).
const PAGE_SAMPLE: SampleSize = SampleSize {
    windows: 16,
    ids_per_window: 64,
};

/// How a page of `walk` rows is read on this backend. First the choices the facet counts and
/// the word index's vocabulary allow ([`super::plan`]). When they leave the page gathering
/// (other conditions' shares are unknown) on SQLite, a small sample measures the filter's
/// density: a common filter walks the order's index testing every condition row by row (a
/// few thousand rows for a page), a rare one gathers its matches. A common substring alone is
/// walked too.
fn page_plan(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    walk: i64,
) -> QueryResult<filter::Plan> {
    let mut plan = conditions_plan(conn, filter, walk)?;
    plan.channels_by_order = super::plan::walk_channels(conn, filter, walk)?;
    Ok(plan)
}

/// [`page_plan`]'s choices for the conditions other than channels.
fn conditions_plan(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    walk: i64,
) -> QueryResult<filter::Plan> {
    let mut plan = filter::Plan::on(conn.backend());
    plan.probe = super::plan::probe_kinds(conn, filter, walk)?;
    if super::plan::probe_words(conn, filter, walk)? {
        plan.probe.push("text");
    }
    let substring = filter
        .text
        .as_deref()
        .is_some_and(|t| !matches_words(filter, t));
    // A substring's matches come from its trigram index (149,444 conversations for "refund"
    // at a million). Gathered, each is then read by id and sorted: 140 ms on SQLite, 1.2 s and
    // more on PostgreSQL. A common one alone is walked in the order instead, judged from a
    // small sample of its density: PostgreSQL tests each conversation's messages, SQLite
    // tests each row against the index's matches read once (47 ms: see `text::with_text`).
    if substring && super::plan::only_text(filter) {
        let sample = estimate_by_status(conn, filter, PAGE_SAMPLE)?;
        if super::plan::probe_substring(
            conn.backend(),
            walk,
            sample.matched_in_sample,
            sample.sampled,
            sample.population,
        ) {
            plan.probe.push("text");
        }
        return Ok(plan);
    }
    // PostgreSQL's planner weighs its own choices, but not a sequence pattern's path test (an
    // expression it cannot estimate): gathering tests every candidate's path before the newest
    // can be picked (91,762 candidates of `intent:intent_000 > action:utter_001` at a million,
    // 1.8 s), so a pattern's page is judged from the sample as on SQLite.
    let sequence_on_postgres =
        conn.backend() == super::Backend::Postgres && filter.sequence.is_some();
    let words_on_postgres =
        conn.backend() == super::Backend::Postgres && super::plan::walks_words_on_postgres(filter);
    if !plan.probe.is_empty()
        || (conn.backend() != super::Backend::Sqlite && !sequence_on_postgres && !words_on_postgres)
        || substring
        || !super::plan::gathers(filter)
    {
        return Ok(plan);
    }
    let postings = super::plan::shortest_posting_list(conn, filter)?;
    let (density, live) = match postings {
        // Tags alone: their posting lists give the density exactly, where a sample of id
        // windows misses tags given to a run of conversations at once (bulk tagging): the
        // bench's `tag=bug` sampled as 0 % and gathered 20,000 ids (65 ms) rather than walk
        // 5,000 rows (7 ms).
        Some(postings) if super::plan::only_any_of_tags(filter) => {
            let live: i64 = crate::db::counts::by_status(conn, &ConversationFilter::default())?
                .unwrap_or_default()
                .iter()
                .map(|(_, n)| n)
                .sum();
            (postings as f64 / live.max(1) as f64, live)
        }
        _ => {
            let sample = estimate_by_status(conn, filter, PAGE_SAMPLE)?;
            let sampled = sample.sampled.max(1) as f64;
            (sample.matched_in_sample as f64 / sampled, sample.population)
        }
    };
    // Every match of a word is read when gathering (its index's matches are all read).
    let word_matches = super::plan::word_matches(conn, filter)?.unwrap_or(0);
    let per_row_cost = if filter.text.is_some() {
        super::plan::per_row_words_cost(density, word_matches as f64 / live.max(1) as f64)
    } else if sequence_on_postgres {
        super::plan::PROBE_SEQUENCE_COST_POSTGRES
    } else if filter.sequence.is_some() {
        super::plan::PROBE_SEQUENCE_COST
    } else {
        super::plan::PROBE_COST
    };
    // Gathering reads at least the filter's matches, at least the shortest posting list it
    // starts from, and every match of a word.
    let gathered = (density * live as f64)
        .max(postings.unwrap_or(0) as f64)
        .max(word_matches as f64);
    // One channel in the newest-first order walks that channel's own index (see
    // `filter::filtered_on`): only its conversations are walked.
    let walked_share = super::plan::channel_index_share(conn, filter)?;
    plan.per_row =
        density > 0.0 && ((walk + 1) as f64 / density) * walked_share * per_row_cost < gathered;
    // Gathering with a common word and a feature or tag: SQLite cannot tell how many messages
    // a word matches and drove the query from the word's 149,444 conversations, reading
    // each one's row (four conditions with "refund" at a million: 260 ms); the shorter
    // posting list drives instead and each of its rows is looked up in the word's matches.
    plan.words_follow = postings.is_some_and(|p| p < word_matches);
    Ok(plan)
}

/// One page of the inbox with its total, after the cursor `after` (decoded from
/// `page.cursor` by the caller: [`Cursor::decode`]).
pub fn list(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    page: &PageRequest,
    after: Option<&Cursor>,
) -> QueryResult<ConversationPage> {
    let limit = page.limit.unwrap_or(DEFAULT_PAGE_LIMIT);
    let walk = limit + page.offset.unwrap_or(0);
    let plan = page_plan(conn, filter, walk)?;
    let filtered = filter::filtered_on(filter, &plan);
    let mut q = order::ordered(filtered, filter.sort, after).limit(limit + 1);
    if let Some(offset) = page.offset {
        q = q.offset(offset);
    }
    let mut rows: Vec<ConversationRow> = q.select(ConversationRow::as_select()).load(conn)?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last()
            .map(|r| order::encode_cursor(&r.cursor(filter.sort)))
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
pub fn is_empty(conn: &mut DbConnection) -> QueryResult<bool> {
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

/// The row of a conversation, live or in the trash, by internal id.
pub fn get_row(conn: &mut DbConnection, id: i64) -> QueryResult<Option<ConversationRow>> {
    conversations::table
        .find(id)
        .select(ConversationRow::as_select())
        .first(conn)
        .optional()
}
