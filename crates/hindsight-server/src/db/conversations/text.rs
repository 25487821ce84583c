//! The inbox's text filter as SQL: whole words from each backend's word index, or a
//! substring from its trigram index; in an id window (the sample of an estimate), only that
//! window's messages.

use diesel::prelude::*;
use hindsight_types::{ConversationFilter, TextMode};

use super::filter::Plan;
use super::BoxedConversations;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};

use crate::db::connection::{Backend, MultiBackend};
use crate::db::schema::{conversations, events};
use crate::db::DbConnection;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

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
pub(in crate::db) fn matches_words(filter: &ConversationFilter, text: &str) -> bool {
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

/// Whether `text` is one word to PostgreSQL's `simple` parser (letters and digits only), which
/// the conversations' words answer alone: a phrase needs its words' positions in one message.
pub(in crate::db) fn is_one_word(text: &str) -> bool {
    let word = text.trim();
    !word.is_empty() && word.chars().all(char::is_alphanumeric)
}

/// `text` as an FTS5 phrase: a quoted string, its quotes doubled.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// Adds the filter's `text` condition to `q`, shaped by `plan`.
pub(super) fn with_text<'a>(
    mut q: BoxedConversations<'a>,
    f: &ConversationFilter,
    text: &'a str,
    plan: &Plan,
) -> BoxedConversations<'a> {
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Bool, Text};
    let backend = plan.backend;
    if matches_words(f, text) {
        // Each backend has its own word index (migration 2026-12-02-000061_word_index).
        q = match backend {
            // SQLite: FTS5 unicode61, its rowid (conversation_id << 24) | seq: the matching
            // conversations come from the index alone.
            // Probed (see `super::plan`): `+` keeps SQLite from reading the matches as the
            // rows to visit, so it walks the order's index and tests each conversation
            // against the matches, gathered once.
            // In an id window (a sample), the index's rowid range keeps the gather small.
            // Row by row on a page: each conversation's own rowid range of the index, a
            // seek in the word's posting list (about 35 µs a conversation at a million).
            Some(Backend::Sqlite) if plan.per_row && plan.ids.is_none() => q.filter(
                sql::<Bool>("EXISTS (SELECT 1 FROM user_words WHERE user_words MATCH ")
                    .bind::<Text, _>(fts_phrase(text))
                    .sql(
                        " AND rowid BETWEEN (conversations.id << 24) \
                     AND ((conversations.id << 24) | 16777215))",
                    ),
            ),
            Some(Backend::Sqlite) => match plan.window() {
                Some((first, last)) => q.filter(
                    sql::<Bool>(
                        "conversations.id IN (SELECT rowid >> 24 FROM user_words \
                         WHERE user_words MATCH ",
                    )
                    .bind::<Text, _>(fts_phrase(text))
                    .sql(" AND rowid BETWEEN ")
                    .bind::<BigInt, _>(first << 24)
                    .sql(" AND ")
                    .bind::<BigInt, _>((last << 24) | 0xFF_FFFF)
                    .sql(")"),
                ),
                None => q.filter(
                    sql::<Bool>(if plan.probe.contains(&"text") || plan.words_follow {
                        "+conversations.id IN (SELECT rowid >> 24 FROM user_words \
                         WHERE user_words MATCH "
                    } else {
                        "conversations.id IN (SELECT rowid >> 24 FROM user_words \
                         WHERE user_words MATCH "
                    })
                    .bind::<Text, _>(fts_phrase(text))
                    .sql(")"),
                ),
            },
            // PostgreSQL, probed (a common word, see `super::plan`), walking the order with
            // every condition row by row (`super::page_plan`) or in the estimate's sample:
            // each conversation's own rows of the user messages' table (migration
            // 2026-12-04-000140_postgres_user_messages), by its primary key. `OFFSET 0` keeps the
            // planner from turning the EXISTS into a join that gathers every matching message
            // from the GIN index before the newest could be picked; `IS TRUE` keeps it from
            // intersecting each conversation's rows with the GIN index's matches.
            // One word: the conversation's one row of its words (migration
            // 2026-12-07-000250_conversation_words), by its primary key.
            Some(Backend::Postgres)
                if (plan.probe.contains(&"text") || plan.sample || plan.per_row)
                    && plan.ids.is_none() =>
            {
                let holder = if is_one_word(text) {
                    "EXISTS (SELECT 1 FROM conversation_words w \
                     WHERE w.conversation_id = conversations.id \
                     AND (w.words @@ phraseto_tsquery('simple', hindsight_fold("
                } else {
                    "EXISTS (SELECT 1 FROM user_messages w \
                     WHERE w.conversation_id = conversations.id \
                     AND (w.words @@ phraseto_tsquery('simple', hindsight_fold("
                };
                q.filter(
                    sql::<Bool>(holder)
                        .bind::<Text, _>(text)
                        .sql("))) IS TRUE OFFSET 0)"),
                )
            }
            // PostgreSQL: one word from the conversations' words GIN index, a row per
            // conversation holding it; a phrase from the user messages' (its words must
            // follow each other in one message). Either names the conversation.
            Some(Backend::Postgres) => {
                let words = sql::<Bool>(if is_one_word(text) {
                    "conversations.id IN (SELECT w.conversation_id FROM conversation_words w \
                     WHERE w.words @@ phraseto_tsquery('simple', hindsight_fold("
                } else {
                    "conversations.id IN (SELECT w.conversation_id FROM user_messages w \
                     WHERE w.words @@ phraseto_tsquery('simple', hindsight_fold("
                })
                .bind::<Text, _>(text)
                .sql("))");
                match plan.window() {
                    Some((first, last)) => q.filter(
                        words
                            .sql(" AND w.conversation_id BETWEEN ")
                            .bind::<BigInt, _>(first)
                            .sql(" AND ")
                            .bind::<BigInt, _>(last)
                            .sql(")"),
                    ),
                    None => q.filter(words.sql(")")),
                }
            }
            // Portable SQL has no word index: the substring, a superset.
            None => q.filter(conversations::id.eq_any(substring_matches(text))),
        };
    } else {
        // Each backend has its own index for substrings (migration 2026-11-24-200000_scale).
        q = match backend {
            // SQLite, walked (a common substring, see `super::page_plan`): each conversation's
            // path of turns (`crate::sequence`), which holds its user messages lower-cased, read
            // by primary key and searched for a user line holding the text by the matcher the
            // sequence filter uses. The trigram index first reads every match ("refund" at a
            // million: 210,811 messages, 47 ms) or, sought per conversation as words are,
            // costs 260 µs a row: a substring is several trigrams, each a long posting list.
            // In an id window (the estimate's sample) the same: gathering every match from the
            // index would cost what the exact count costs, and the window's paths are read
            // faster than its messages (the inbox sample of "want", 69 % of a million: 22 ms,
            // against 56 ms scanning each window's events with `lower(text) LIKE`).
            // Only once every path is current: during an upgrade's rewrite the messages are read.
            Some(Backend::Sqlite)
                if plan.paths_current
                    && (plan.probe.contains(&"text") || plan.window().is_some()) =>
            {
                let in_path = "EXISTS (SELECT 1 FROM conversation_paths p \
                               WHERE p.conversation_id = conversations.id \
                               AND hindsight_sequence_match(";
                q.filter(
                    sql::<Bool>(in_path)
                        .bind::<Text, _>(crate::sequence::user_text_regex(text))
                        .sql(", p.steps))"),
                )
            }
            // SQLite, gathered: the FTS5 trigram index, case-insensitive; it needs 3
            // characters or more (the query parameter asks for them). Its rowid names the
            // conversation (migration 2026-12-04-000110_substring_index_key), so no match reads
            // its event; each match is then read by id and sorted ("refund": 140 ms). The
            // matching messages of one conversation in 64 check the budget (as in
            // `filter::filtered_on`): every match calling it cost "refund" 210,811 calls.
            // Not in an id window (a queue following an import, or a sample while paths are
            // rewritten): that window's own messages are fewer than the index's matches.
            Some(Backend::Sqlite) if text.chars().count() >= 3 && plan.window().is_none() => q
                .filter(
                    sql::<Bool>(
                        "conversations.id IN (SELECT rowid >> 24 FROM user_texts \
                     WHERE ((rowid >> 24) % 64 <> 0 OR hindsight_within_budget()) \
                     AND user_texts MATCH ",
                    )
                    .bind::<Text, _>(fts_phrase(text))
                    .sql(")"),
                ),
            // PostgreSQL, in the estimate's sample, an id window (a queue following an import)
            // or walking the order for a common substring (`super::page_plan`): each
            // conversation's own user messages (`OFFSET 0`: not turned into a join that
            // gathers every match).
            Some(Backend::Postgres)
                if plan.sample || plan.probe.contains(&"text") || plan.window().is_some() =>
            {
                q.filter(
                    sql::<Bool>(
                        "EXISTS (SELECT 1 FROM user_messages m \
                     WHERE m.conversation_id = conversations.id AND m.lowered LIKE ",
                    )
                    .bind::<Text, _>(like_contains(text))
                    .sql(" OFFSET 0)"),
                )
            }
            // PostgreSQL: the pg_trgm index on the user messages' lower-cased text (migration
            // 2026-12-04-000140_postgres_user_messages); its rows name their conversation.
            Some(Backend::Postgres) => q.filter(
                sql::<Bool>(
                    "conversations.id IN (SELECT m.conversation_id FROM user_messages m \
                     WHERE m.lowered LIKE ",
                )
                .bind::<Text, _>(like_contains(text))
                .sql(")"),
            ),
            // Portable SQL, or SQLite in an id window while paths are rewritten: a scan of the
            // user messages (of the window's conversations only, when there is one).
            _ => match plan.window() {
                Some((first, last)) => q.filter(conversations::id.eq_any(
                    substring_matches(text).filter(events::conversation_id.between(first, last)),
                )),
                None => q.filter(conversations::id.eq_any(substring_matches(text))),
            },
        };
    }
    q
}

/// On PostgreSQL, how many live conversations hold the filter's text when the filter is that
/// text alone ([`crate::db::plan::only_text`]: no review status either, whose tabs need each
/// match's conversation), counted by [`lone_text_count`]; `None` for any other filter or
/// backend.
pub(in crate::db) fn lone_text_total(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Total {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let Some(statement) = lone_text_count(conn.backend(), filter) else {
        return Ok(None);
    };
    statement.get_result::<Total>(conn).map(|t| Some(t.n))
}

/// The statement counting a text alone on PostgreSQL, from the text's own rows: the distinct
/// conversations its index names, less those of them in the trash (one column, `n`).
///
/// Why: as a condition on the conversations the count joined every match to its
/// conversation's row to learn it is live (a hash over every live conversation's index
/// entry, or a lookup per match), the larger part of its cost. At a million conversations in
/// psql with the serving settings: the substring "refund" (199,781 messages of 149,444
/// conversations) 696 ms → 250–280; the word "refund" 206 (looked up) → 63. The trash is
/// subtracted rather than anti-joined so that no planner setting an exact count runs under
/// (hash joins off for a lone word's tabs) can turn it into a test of each match against the
/// whole trash; one statement, one snapshot. SQLite's own counts of a text are within their
/// budget and stay as they are.
pub(in crate::db) fn lone_text_count<'a>(
    backend: Backend,
    filter: &ConversationFilter,
) -> Option<BoxedSqlQuery<'a, MultiBackend, SqlQuery>> {
    if backend != Backend::Postgres || !crate::db::plan::only_text(filter) {
        return None;
    }
    let text = filter.text.as_deref()?;
    // The rows holding the text and their test, as `with_text` tests them.
    let (rows, distinct, test, value) = if !matches_words(filter, text) {
        (
            "user_messages",
            "DISTINCT ",
            "m.lowered LIKE $1",
            like_contains(text),
        )
    } else if is_one_word(text) {
        // One row per conversation.
        (
            "conversation_words",
            "",
            "m.words @@ phraseto_tsquery('simple', hindsight_fold($1))",
            text.to_owned(),
        )
    } else {
        (
            "user_messages",
            "DISTINCT ",
            "m.words @@ phraseto_tsquery('simple', hindsight_fold($1))",
            text.to_owned(),
        )
    };
    let statement = format!(
        "SELECT (SELECT count({distinct}m.conversation_id) FROM {rows} m WHERE {test}) - \
         (SELECT count({distinct}m.conversation_id) FROM conversations c JOIN {rows} m \
         ON m.conversation_id = c.id WHERE c.deleted_at IS NOT NULL AND {test}) AS n"
    );
    Some(
        diesel::sql_query(statement)
            .into_boxed()
            .bind::<diesel::sql_types::Text, _>(value),
    )
}
