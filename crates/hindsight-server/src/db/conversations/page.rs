//! How a page of the inbox is read: the plan (walk the order testing each row, or gather the
//! matches; on PostgreSQL a lone value's holders hashed or probed) and the statement of its
//! rows, by the plan.

use std::collections::HashMap;

use diesel::prelude::*;
use hindsight_types::{ConversationFilter, PageRequest};

use super::DEFAULT_PAGE_LIMIT;
use super::{estimate, filter, matches_words, order, BoxedConversations, ConversationRow, Cursor};
use crate::db::cached_sql::id_in;
use crate::db::schema::conversations;
use crate::db::DbConnection;

/// Whether a page of `walk` rows tests every condition row by row while walking its order
/// (SQLite's choice for a common filter, PostgreSQL's for a common lone value: `page_plan`),
/// rather than gathering.
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

/// How a page of `walk` rows is read on this backend. On PostgreSQL a lone feature value is
/// read as its maintained count says is cheapest ([`crate::db::plan::HoldersRead`]). Else
/// first the choices the facet counts and the word index's vocabulary allow
/// ([`crate::db::plan`]). When they leave the page gathering
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
    plan.channels_by_order = crate::db::plan::walk_channels(conn, filter, walk)?;
    Ok(plan)
}

/// [`page_plan`]'s choices for the conditions other than channels.
fn conditions_plan(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    walk: i64,
) -> QueryResult<filter::Plan> {
    let mut plan = filter::Plan::on(conn.backend());
    match crate::db::plan::lone_facet_read_on_postgres(conn, filter, walk)? {
        crate::db::plan::HoldersRead::Planner => {}
        crate::db::plan::HoldersRead::Hashed => {
            plan.hashed_holders = true;
            return Ok(plan);
        }
        crate::db::plan::HoldersRead::Probed => {
            plan.per_row = true;
            return Ok(plan);
        }
    }
    plan.probe = crate::db::plan::probe_kinds(conn, filter, walk)?;
    match crate::db::plan::read_words(conn, filter, walk)? {
        crate::db::plan::WordsRead::Gather => {}
        crate::db::plan::WordsRead::Probe => plan.probe.push("text"),
        // Words alone: nothing else to test, nothing for a sample to decide.
        crate::db::plan::WordsRead::PerRow => {
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
    if substring && crate::db::plan::only_text(filter) {
        if conn.backend() == crate::db::Backend::Sqlite {
            plan.paths_current = !crate::db::paths::rewrite_needed(conn)?;
            if !plan.paths_current {
                return Ok(plan);
            }
        }
        let backend = conn.backend();
        if crate::db::plan::substring_common_as_a_word(conn, filter, walk)?
            || estimate::page_walks(conn, filter, |density, population| {
                crate::db::plan::probe_substring(backend, walk, density, population)
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
        conn.backend() == crate::db::Backend::Postgres && filter.sequence.is_some();
    let words_on_postgres = conn.backend() == crate::db::Backend::Postgres
        && crate::db::plan::walks_words_on_postgres(filter);
    if !plan.probe.is_empty()
        || (conn.backend() != crate::db::Backend::Sqlite
            && !sequence_on_postgres
            && !words_on_postgres)
        || substring
        || !crate::db::plan::gathers(filter)
    {
        return Ok(plan);
    }
    let postings = crate::db::plan::shortest_posting_list(conn, filter)?;
    // Tags alone: their posting lists give the density exactly, where a sample of id windows
    // misses tags given to a run of conversations at once (bulk tagging): the bench's
    // `tag=bug` sampled as 0 % and gathered 20,000 ids (65 ms) rather than walk 5,000 rows
    // (7 ms). A rare slot value alone: its holders, counted for less than the sample costs.
    let exact_postings = match postings {
        Some(postings) if crate::db::plan::only_any_of_tags(filter) => Some(postings),
        _ => crate::db::plan::lone_slot_value_holders(conn, filter)?,
    };
    // Every match of a word is read when gathering (its index's matches are all read).
    let word_matches = crate::db::plan::word_matches(conn, filter)?.unwrap_or(0);
    // One channel in the newest-first order walks that channel's own index (see
    // `filter::filtered_on`): only its conversations are walked.
    let walked_share = crate::db::plan::channel_index_share(conn, filter)?;
    let walks = |density: f64, live: i64| {
        let per_row_cost = if filter.text.is_some() {
            crate::db::plan::per_row_words_cost(density, word_matches as f64 / live.max(1) as f64)
        } else if sequence_on_postgres {
            crate::db::plan::PROBE_SEQUENCE_COST_POSTGRES
        } else if filter.sequence.is_some() {
            crate::db::plan::PROBE_SEQUENCE_COST
        } else {
            crate::db::plan::PROBE_COST
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

/// The rows of a page, in its order (at most its limit), and whether more follow.
///
/// PostgreSQL reads the page's ids first and then their rows: the ids alone are read from
/// the order's index without visiting each walked conversation's row (an index-only scan),
/// where reading the rows while walking fetched every walked row from the table, one page of
/// it each (the newest-first order is not the rows' order on disk). SQLite keeps a row with
/// its id, so the one statement costs it nothing more. Whether more follow is told by the ids,
/// so that a conversation deleted between the two statements does not end the listing.
pub(super) fn load_page_rows(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    page: &PageRequest,
    after: Option<&Cursor>,
) -> QueryResult<(Vec<ConversationRow>, bool)> {
    let limit = page.limit.unwrap_or(DEFAULT_PAGE_LIMIT).max(0) as usize;
    let rows = page_rows(conn, filter, page, after)?;
    // Only PostgreSQL's walk visits the table apart from the index (see above), and only
    // conditions read from other tables make it walk far: otherwise the page's rows are
    // the first the index holds, and the second statement would cost more (0.3–0.5 ms at a
    // million) than it saves.
    let ids_first = conn.backend() == crate::db::Backend::Postgres
        && crate::db::plan::requires_other_tables(filter)
        && crate::db::plan::tests_no_row_column(filter);
    if !ids_first {
        let mut rows: Vec<ConversationRow> =
            rows.select(ConversationRow::as_select()).load(conn)?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        return Ok((rows, more));
    }
    let mut ids: Vec<i64> = rows.select(conversations::id).load(conn)?;
    let more = ids.len() > limit;
    ids.truncate(limit);
    let mut rows: Vec<ConversationRow> = conversations::table
        .filter(id_in(conn.backend(), "conversations.id", &ids))
        .select(ConversationRow::as_select())
        .load(conn)?;
    let position: HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|r| position.get(&r.id).copied());
    Ok((rows, more))
}

/// PostgreSQL's plan of the statement reading the first page of the filter's rows, as
/// [`super::list`] reads it ([`crate::db::explain`]); `None` on SQLite.
pub fn explain_page(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    page: &PageRequest,
) -> QueryResult<Option<String>> {
    let rows = page_rows(conn, filter, page, None)?.select(ConversationRow::as_select());
    crate::db::explain::plan_of(conn, rows)
}
