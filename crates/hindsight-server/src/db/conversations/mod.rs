//! The inbox listing: a [`ConversationFilter`] applied condition by condition to a boxed
//! query, with cursor paging that costs the same on page 2,000 as on page 1.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hindsight_types::{
    ConversationFilter, ConversationPage, ConversationSummary, PageRequest, Tag,
};

use super::cached_sql::id_in;
use super::connection::MultiBackend;
use super::row_names::RowNames;
use super::schema::{conversation_row_names, conversation_tags, conversations, tags};
use super::DbConnection;

pub(crate) mod complement;
mod count;
mod estimate;
mod filter;
mod holders;
mod order;
mod score;
mod sequence;
mod tested_apart;
mod text;

use count::by_status;
pub use count::{
    count, count_as_planned, count_by_status, count_by_status_exactly, count_by_status_or_estimate,
    count_exactly, count_planned_apart, explain_count, RARE_SHARE,
};
pub use estimate::{estimate_by_status, Estimate, SampleSize};
pub use filter::{filtered, filtered_among, filtered_for};
pub use order::{Cursor, CursorError};
pub use tested_apart::{candidates_tested_apart, retain_matching};
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

/// `(conversation id, tag id, name, colour)`, by conversation then name.
pub type TagRow = (i64, i64, String, String);
/// A conversation's intents and actions as its inbox row lists them, by conversation id.
pub type NameRow = (i64, RowNames);

/// The tags, intents and actions of the conversations `ids`: what an inbox row and an
/// exported conversation show beside the conversation's own columns.
pub fn tags_and_names(
    conn: &mut DbConnection,
    ids: &[i64],
) -> QueryResult<(Vec<TagRow>, Vec<NameRow>)> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    let backend = conn.backend();
    // One statement for both, a row per conversation's names (no tag) and per tag: on
    // PostgreSQL each statement costs a round trip and an executor start (two by 50 ids:
    // 0.4 ms each within a page's 2.5).
    let names = conversation_row_names::table
        .filter(id_in(
            backend,
            "conversation_row_names.conversation_id",
            ids,
        ))
        .select((
            conversation_row_names::conversation_id,
            None::<i64>.into_sql::<Nullable<BigInt>>(),
            conversation_row_names::names,
            "".into_sql::<Text>(),
        ));
    let tag_rows = conversation_tags::table
        .inner_join(tags::table)
        .filter(id_in(backend, "conversation_tags.conversation_id", ids))
        .select((
            conversation_tags::conversation_id,
            tags::id.nullable(),
            tags::name,
            tags::color,
        ));
    // Each backend's own connection: diesel's connection over both has no UNION.
    let rows: Vec<(i64, Option<i64>, String, String)> = match conn {
        DbConnection::Sqlite(c) => names.union_all(tag_rows).load(c)?,
        DbConnection::Pg(c) => names.union_all(tag_rows).load(c)?,
    };
    let mut tags = Vec::new();
    let mut stored_names = Vec::with_capacity(ids.len());
    for (conversation, tag, name, color) in rows {
        match tag {
            Some(tag) => tags.push((conversation, tag, name, color)),
            None => stored_names.push((conversation, name)),
        }
    }
    // By conversation, then by name (bytewise, on either backend).
    tags.sort_unstable_by(|a: &TagRow, b: &TagRow| (a.0, &a.2).cmp(&(b.0, &b.2)));
    let mut name_rows: Vec<NameRow> = crate::db::row_names::from_stored(conn, ids, stored_names)?
        .into_iter()
        .collect();
    name_rows.sort_unstable_by_key(|r| r.0);
    Ok((tags, name_rows))
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
    let names = name_rows.first().map(|r| r.1.clone()).unwrap_or_default();
    ConversationSummary {
        intents: names.intents,
        actions: names.actions,
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
    match super::plan::lone_facet_read_on_postgres(conn, filter, walk)? {
        super::plan::HoldersRead::Planner => {}
        super::plan::HoldersRead::Hashed => {
            plan.hashed_holders = true;
            return Ok(plan);
        }
        super::plan::HoldersRead::Probed => {
            plan.per_row = true;
            return Ok(plan);
        }
    }
    plan.probe = super::plan::probe_kinds(conn, filter, walk)?;
    match super::plan::read_words(conn, filter, walk)? {
        super::plan::WordsRead::Gather => {}
        super::plan::WordsRead::Probe => plan.probe.push("text"),
        // Words alone: nothing else to test, nothing for a sample to decide.
        super::plan::WordsRead::PerRow => {
            plan.per_row = true;
            return Ok(plan);
        }
    }
    let substring = filter
        .text
        .as_deref()
        .is_some_and(|t| !matches_words(filter, t));
    // A substring's matches come from its trigram index (149,444 conversations for "refund"
    // at a million). Gathered, each is then read by id and sorted: 140 ms on SQLite, 1.2 s and
    // more on PostgreSQL. A common one alone is walked in the order instead, judged from a
    // small sample of its density: PostgreSQL tests each conversation's messages, SQLite
    // each conversation's path of turns (see `text::with_text`).
    // SQLite walks only once every path is current (not during an upgrade's rewrite).
    if substring && super::plan::only_text(filter) {
        if conn.backend() == super::Backend::Sqlite {
            plan.paths_current = !crate::db::paths::rewrite_needed(conn)?;
            if !plan.paths_current {
                return Ok(plan);
            }
        }
        let backend = conn.backend();
        if super::plan::substring_common_as_a_word(conn, filter, walk)?
            || estimate::page_walks(conn, filter, |density, population| {
                super::plan::probe_substring(backend, walk, density, population)
            })?
        {
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
    // Tags alone: their posting lists give the density exactly, where a sample of id windows
    // misses tags given to a run of conversations at once (bulk tagging): the bench's
    // `tag=bug` sampled as 0 % and gathered 20,000 ids (65 ms) rather than walk 5,000 rows
    // (7 ms). A rare slot value alone: its holders, counted for less than the sample costs.
    let exact_postings = match postings {
        Some(postings) if super::plan::only_any_of_tags(filter) => Some(postings),
        _ => super::plan::lone_slot_value_holders(conn, filter)?,
    };
    // Every match of a word is read when gathering (its index's matches are all read).
    let word_matches = super::plan::word_matches(conn, filter)?.unwrap_or(0);
    // One channel in the newest-first order walks that channel's own index (see
    // `filter::filtered_on`): only its conversations are walked.
    let walked_share = super::plan::channel_index_share(conn, filter)?;
    let walks = |density: f64, live: i64| {
        let per_row_cost = if filter.text.is_some() {
            super::plan::per_row_words_cost(density, word_matches as f64 / live.max(1) as f64)
        } else if sequence_on_postgres {
            super::plan::PROBE_SEQUENCE_COST_POSTGRES
        } else if filter.sequence.is_some() {
            super::plan::PROBE_SEQUENCE_COST
        } else {
            super::plan::PROBE_COST
        };
        // Gathering reads at least the filter's matches, at least the shortest posting list
        // it starts from, and every match of a word.
        let gathered = (density * live as f64)
            .max(postings.unwrap_or(0) as f64)
            .max(word_matches as f64);
        density > 0.0 && ((walk + 1) as f64 / density) * walked_share * per_row_cost < gathered
    };
    plan.per_row = match exact_postings {
        Some(postings) => {
            let live: i64 = crate::db::counts::by_status(conn, &ConversationFilter::default())?
                .unwrap_or_default()
                .iter()
                .map(|(_, n)| n)
                .sum();
            walks(postings as f64 / live.max(1) as f64, live)
        }
        None => estimate::page_walks(conn, filter, walks)?,
    };
    // Gathering with a common word and a feature or tag: SQLite cannot tell how many messages
    // a word matches and drove the query from the word's 149,444 conversations, reading
    // each one's row (four conditions with "refund" at a million: 260 ms); the shorter
    // posting list drives instead and each of its rows is looked up in the word's matches.
    plan.words_follow = postings.is_some_and(|p| p < word_matches);
    Ok(plan)
}

/// The statement of a page's rows (one more than asked for, to know whether another page
/// follows), read as [`page_plan`] chose for the filter.
fn page_rows<'a>(
    conn: &mut DbConnection,
    filter: &'a ConversationFilter,
    page: &PageRequest,
    after: Option<&Cursor>,
) -> QueryResult<BoxedConversations<'a>> {
    let limit = page.limit.unwrap_or(DEFAULT_PAGE_LIMIT);
    let walk = limit + page.offset.unwrap_or(0);
    let plan = page_plan(conn, filter, walk)?;
    // How the page was read, for whoever asks why one is slow (`RUST_LOG=hindsight_server::db=debug`).
    tracing::debug!(?plan, "inbox page");
    let mut q =
        order::ordered(filter::filtered_on(filter, &plan), filter.sort, after).limit(limit + 1);
    if let Some(offset) = page.offset {
        q = q.offset(offset);
    }
    Ok(q)
}

/// The rows of a page, in its order.
///
/// PostgreSQL reads the page's ids first and then their rows: the ids alone are read from
/// the order's index without visiting each walked conversation's row (an index-only scan),
/// where reading the rows while walking fetched every walked row from the table, one page of
/// it each (the newest-first order is not the rows' order on disk). SQLite keeps a row with
/// its id, so the one statement costs it nothing more.
fn load_page_rows(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    page: &PageRequest,
    after: Option<&Cursor>,
) -> QueryResult<Vec<ConversationRow>> {
    let rows = page_rows(conn, filter, page, after)?;
    // Only PostgreSQL's walk visits the table apart from the index (see above), and only
    // conditions read from other tables make it walk far: otherwise the page's rows are
    // the first the index holds, and the second statement would cost more (0.3–0.5 ms at a
    // million) than it saves.
    let ids_first = conn.backend() == super::Backend::Postgres
        && super::plan::requires_other_tables(filter)
        && super::plan::tests_no_row_column(filter);
    if !ids_first {
        return rows.select(ConversationRow::as_select()).load(conn);
    }
    let ids: Vec<i64> = rows.select(conversations::id).load(conn)?;
    let mut rows: Vec<ConversationRow> = conversations::table
        .filter(id_in(conn.backend(), "conversations.id", &ids))
        .select(ConversationRow::as_select())
        .load(conn)?;
    let position: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|r| position.get(&r.id).copied());
    Ok(rows)
}

/// PostgreSQL's plan of the statement reading the first page of the filter's rows, as
/// [`list`] reads it ([`crate::db::explain`]); `None` on SQLite.
pub fn explain_page(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    page: &PageRequest,
) -> QueryResult<Option<String>> {
    let rows = page_rows(conn, filter, page, None)?.select(ConversationRow::as_select());
    crate::db::explain::plan_of(conn, rows)
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
    let mut rows = load_page_rows(conn, filter, page, after)?;
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
