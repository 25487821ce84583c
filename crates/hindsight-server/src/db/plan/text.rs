//! Gather or probe for a text search: a filter of words read from the word index or tested
//! row by row as the page walks its order, and a common substring walked the same way.

use diesel::prelude::*;
use hindsight_types::ConversationFilter;

use super::{should_probe, PROBE_SUBSTRING_COST, PROBE_SUBSTRING_PATH_COST, PROBE_WORDS_COST};
use crate::db::cached_sql::verbatim_around;
use crate::db::connection::Backend;
use crate::db::schema::conversations;
use crate::db::DbConnection;

/// How a page of only words (and an order) reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordsRead {
    /// Every match gathered from the word index and sorted: a rare word.
    Gather,
    /// The order walked, each conversation tested against the word's matches (SQLite lists
    /// them once, `+id IN (…)`; PostgreSQL reads each conversation's messages).
    Probe,
    /// SQLite: the order walked, each conversation's own range of the word index sought
    /// (`EXISTS`), without listing the matches: a word so common that listing them costs
    /// more than the seeks of the few rows walked.
    PerRow,
}

/// What listing a word's matches once costs SQLite a match, relative to one id gathered (the
/// unit of [`PROBE_WORDS_COST`]): about 0.3 µs. Measured on the bench's million (its word
/// index in 7 segments): the page of 50 of "refund" (210,811 messages) 38 ms listed, 10 ms
/// sought per row; of "zürich" (about 100,000) 35 ms against 20 ms.
pub const WORDS_LIST_COST: f64 = 0.15;

/// How the page should read a filter of only words: walk the sort order and test each
/// conversation against them, rather than start from the matches and sort them all, when
/// they are common. The estimate is the fewest messages holding one of the words (an upper
/// bound of the conversations matching): on SQLite read from the word index's vocabulary, on
/// PostgreSQL from the statistics `ANALYZE` keeps of the word index's lexemes. A word neither
/// knows (spelled with accents the index folds, say, or too rare for PostgreSQL's most common
/// lexemes) counts as rare, so the page gathers, which is always right, only slower.
pub fn read_words(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    limit: i64,
) -> QueryResult<WordsRead> {
    if !only_text(filter) {
        return Ok(WordsRead::Gather);
    }
    let Some(fewest) = word_matches(conn, filter)? else {
        return Ok(WordsRead::Gather);
    };
    let total: Option<i64> = conversations::table
        .select(diesel::dsl::max(conversations::id))
        .first(conn)?;
    let total = total.unwrap_or(0);
    if !should_probe(total, limit, &[fewest], 1.0, PROBE_WORDS_COST) {
        return Ok(WordsRead::Gather);
    }
    let walked = (limit + 1) as f64 * total as f64 / fewest.max(1) as f64;
    Ok(
        if conn.backend() == Backend::Sqlite
            && walked * PROBE_WORDS_COST < fewest as f64 * WORDS_LIST_COST
        {
            WordsRead::PerRow
        } else {
            WordsRead::Probe
        },
    )
}

/// About how many user messages (SQLite) or conversations (PostgreSQL) hold the filter's
/// words (those of its rarest term, an upper bound of the conversations matching); `None` when
/// the filter has no word search.
pub fn word_matches(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<Option<i64>> {
    let Some(text) = filter.text.as_deref() else {
        return Ok(None);
    };
    if !crate::db::conversations::matches_words(filter, text) {
        return Ok(None);
    }
    let mut fewest = None::<i64>;
    for term in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
    {
        let n = messages_holding(conn, &term.to_lowercase())?;
        fewest = Some(fewest.map_or(n, |f| f.min(n)));
    }
    Ok(fewest)
}

/// Whether a substring alone is known, without a sample, to be common enough for the page to
/// walk its order (PostgreSQL): when the substring is one word of ASCII letters and digits,
/// the conversations holding that word (the word index's statistics) hold the substring too
/// (their messages lower-cased), so it is at least as common. `false` when that tells nothing
/// (SQLite, whose vocabulary counts messages rather than conversations; another substring; a
/// word the statistics do not list): the page then samples. At a million on PostgreSQL,
/// `refund` as a substring, over HTTP: 4.7 – 6.0 ms a page sampled, 3.3 – 3.8 known from the
/// word; a substring that is no word (`efun`) pays the statistics' read, 0.3 ms.
pub fn substring_common_as_a_word(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    limit: i64,
) -> QueryResult<bool> {
    let Some(text) = filter.text.as_deref() else {
        return Ok(false);
    };
    // Only PostgreSQL counts conversations per word (see `messages_holding`).
    if conn.backend() != Backend::Postgres
        || text.is_empty()
        || !text.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Ok(false);
    }
    let holders = messages_holding(conn, &text.to_ascii_lowercase())?;
    if holders == 0 {
        return Ok(false);
    }
    let total: Option<i64> = conversations::table
        .select(diesel::dsl::max(conversations::id))
        .first(conn)?;
    let total = total.unwrap_or(0).max(1);
    Ok(probe_substring(
        Backend::Postgres,
        limit,
        holders as f64 / total as f64,
        total,
    ))
}

/// About how many user messages (SQLite) or conversations (PostgreSQL) hold `term`
/// (lower-cased), 0 when the index does not know.
fn messages_holding(conn: &mut DbConnection, term: &str) -> QueryResult<i64> {
    use diesel::sql_types::{BigInt, Nullable, Text};
    #[derive(QueryableByName)]
    struct Docs {
        #[diesel(sql_type = BigInt)]
        doc: i64,
    }
    // Each backend keeps its word index's statistics its own way (migration
    // 2026-12-02-000061_word_index).
    let docs: Option<i64> = match conn.backend() {
        // FTS5's vocabulary table: exact document counts, read from the index, whose terms
        // have lost their diacritics (`remove_diacritics 2`).
        Backend::Sqlite => diesel::sql_query("SELECT doc FROM user_words_vocab WHERE term = ?")
            .bind::<Text, _>(without_diacritics(term))
            .get_result::<Docs>(conn)
            .optional()?
            .map(|d| d.doc),
        // The share of conversations holding a lexeme, for the most common ones (the
        // statistics of the conversations' words, migration 2026-12-07-000250_conversation_words),
        // times their rows. Kept prepared: planning the `pg_stats` view costs more than
        // reading it.
        Backend::Postgres => diesel::select(verbatim_around::<Nullable<BigInt>>(
            "(SELECT CAST(s.freq * GREATEST(c.reltuples, 0) AS BIGINT) \
             FROM pg_class c, \
             (SELECT unnest(most_common_elems::text::text[]) AS term, \
                     unnest(most_common_elem_freqs) AS freq \
              FROM pg_stats WHERE tablename = 'conversation_words' AND attname = 'words') s \
             WHERE c.relname = 'conversation_words' AND s.term = hindsight_fold(",
            term,
            ") LIMIT 1)",
        ))
        .get_result::<Option<i64>>(conn)?,
    };
    Ok(docs.unwrap_or(0))
}

/// `term` without its diacritics, as FTS5's `unicode61` tokenizer folds it ("zürich" →
/// "zurich"): the canonical decomposition without its combining marks.
fn without_diacritics(term: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    term.nfd().filter(|c| !is_combining_mark(*c)).collect()
}

/// Whether PostgreSQL may walk the page's order for this filter, testing each row: words
/// with any-of features and plain columns (length, confidence, dates, time of day, review
/// status), nothing else. Its planner cannot estimate a word together with features: four
/// conditions with "refund" at a million (5,345 matches) joined the features' posting lists
/// and probed the word for 13,393 of them (560 ms for the page), where walking the newest
/// first tests 18,700 rows in 20 ms. Other conditions stay with its planner.
pub fn walks_words_on_postgres(filter: &ConversationFilter) -> bool {
    let rest = ConversationFilter {
        text: None,
        text_mode: Default::default(),
        sort: Default::default(),
        intents: Vec::new(),
        actions: Vec::new(),
        entities: Vec::new(),
        policies: Vec::new(),
        min_user_messages: None,
        max_user_messages: None,
        min_intent_confidence: None,
        max_intent_confidence: None,
        min_action_confidence: None,
        max_action_confidence: None,
        start: None,
        until: None,
        time_of_day: None,
        review_status: Vec::new(),
        ..filter.clone()
    };
    let words = filter
        .text
        .as_deref()
        .is_some_and(|t| crate::db::conversations::matches_words(filter, t));
    words && !only_text(filter) && rest == ConversationFilter::default()
}

/// Whether the filter holds nothing but its text (and its order).
pub fn only_text(filter: &ConversationFilter) -> bool {
    let rest = ConversationFilter {
        text: None,
        text_mode: Default::default(),
        sort: Default::default(),
        ..filter.clone()
    };
    filter.text.is_some() && rest == ConversationFilter::default()
}

/// Whether the page should walk the sort order testing each conversation for a substring,
/// from the share of the conversations it matches (`density`, from a sample) among
/// `population`: a common substring alone. What a walked row costs differs by backend:
/// PostgreSQL reads and searches the conversation's messages, SQLite its path of turns.
pub fn probe_substring(backend: Backend, limit: i64, density: f64, population: i64) -> bool {
    let matches = (density * population as f64).round() as i64;
    // Which backend: the cost of a walked row was measured on each (see the constants).
    let probe_cost = match backend {
        Backend::Postgres => PROBE_SUBSTRING_COST,
        Backend::Sqlite => PROBE_SUBSTRING_PATH_COST,
    };
    should_probe(population, limit, &[matches], 1.0, probe_cost)
}

#[cfg(test)]
mod tests {
    use super::without_diacritics;

    #[test]
    fn diacritics_are_folded_as_the_word_index_folds_them() {
        assert_eq!(without_diacritics("zürich"), "zurich");
        assert_eq!(without_diacritics("münchen"), "munchen");
        assert_eq!(without_diacritics("crème brûlée"), "creme brulee");
        assert_eq!(without_diacritics("refund"), "refund");
    }
}
