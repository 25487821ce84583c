//! Maintained counts of live conversations per (tag, review status), kept by triggers
//! (migration `2026-12-07-000260_tag_counts`): a filter of one tag (and review statuses) is
//! counted, in all and per tab, from a few rows rather than by reading each holder's row, the
//! page plan learns a tag's live holders at no cost, and the tags list its usage.

use std::collections::BTreeMap;

use diesel::prelude::*;
use hindsight_types::ConversationFilter;

use super::connection::Backend;
use super::schema::tags;
use super::DbConnection;

diesel::table! {
    /// Live conversations per tag and review status. On PostgreSQL a key may have several
    /// rows (changes are appended, see the migration): always sum them.
    tag_counts (tag_id, review_status) {
        tag_id -> BigInt,
        review_status -> Text,
        conversations -> BigInt,
    }
}

diesel::joinable!(tag_counts -> tags (tag_id));
diesel::allow_tables_to_appear_in_same_query!(tag_counts, tags);

/// Rows past which a PostgreSQL reader folds the appended changes back to one row per key
/// (beyond the keys themselves).
const COMPACT_ROWS: usize = 512;

/// The advisory lock of [`compact`]: "tag_cnts" as a number, far from any other of this
/// program's keys.
const COMPACT_LOCK: i64 = 0x7461_675f_636e_7473;

/// The one tag of a filter that holds nothing else but review statuses (and an order).
fn lone_tag(filter: &ConversationFilter) -> Option<&str> {
    let [tag] = filter.tags_any.as_slice() else {
        return None;
    };
    let rest = ConversationFilter {
        tags_any: Vec::new(),
        review_status: Vec::new(),
        sort: Default::default(),
        ..filter.clone()
    };
    (rest == ConversationFilter::default()).then_some(tag.as_str())
}

/// `(review status, live conversations)` of the tags named `names`, summed per status (a
/// conversation holding two of them counted twice); statuses with none may be missing.
fn by_status_of(conn: &mut DbConnection, names: &[String]) -> QueryResult<Vec<(String, i64)>> {
    let rows: Vec<(String, i64)> = tag_counts::table
        .inner_join(tags::table)
        .filter(tags::name.eq_any(names))
        .select((tag_counts::review_status, tag_counts::conversations))
        .order((tag_counts::tag_id, tag_counts::review_status))
        .load(conn)?;
    let read = rows.len();
    let mut sums: BTreeMap<String, i64> = BTreeMap::new();
    for (status, n) in rows {
        *sums.entry(status).or_default() += n;
    }
    fold_when_many(conn, read, sums.len() * names.len().max(1));
    Ok(sums.into_iter().collect())
}

/// The number of live conversations matching `filter` from the maintained counts, when it is
/// one tag and review statuses ([`lone_tag`]); `None` for any other filter.
pub fn total(conn: &mut DbConnection, filter: &ConversationFilter) -> QueryResult<Option<i64>> {
    let Some(tag) = lone_tag(filter) else {
        return Ok(None);
    };
    let asked = |status: &str| {
        filter.review_status.is_empty() || filter.review_status.iter().any(|s| s.as_str() == status)
    };
    let rows = by_status_of(conn, &[tag.to_owned()])?;
    Ok(Some(
        rows.iter().filter(|(s, _)| asked(s)).map(|(_, n)| n).sum(),
    ))
}

/// Live conversations per review status matching `filter` (its own review status left out)
/// from the maintained counts, when the rest is one tag; `None` otherwise.
pub fn by_status(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<Option<Vec<(String, i64)>>> {
    match lone_tag(filter) {
        Some(tag) => by_status_of(conn, &[tag.to_owned()]).map(Some),
        None => Ok(None),
    }
}

/// Live conversations holding the tags named `names`, summed over the tags: exact for one
/// tag, a bound for several (a conversation holding two counted twice).
pub fn live_holders(conn: &mut DbConnection, names: &[String]) -> QueryResult<i64> {
    Ok(by_status_of(conn, names)?.iter().map(|(_, n)| n).sum())
}

/// Live conversations per tag id, for the tags list (tags none carries are missing).
pub fn usage(conn: &mut DbConnection) -> QueryResult<BTreeMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = tag_counts::table
        .select((tag_counts::tag_id, tag_counts::conversations))
        .order((tag_counts::tag_id, tag_counts::review_status))
        .load(conn)?;
    let read = rows.len();
    let mut sums: BTreeMap<i64, i64> = BTreeMap::new();
    for (tag, n) in rows {
        *sums.entry(tag).or_default() += n;
    }
    fold_when_many(conn, read, sums.len() * 3);
    Ok(sums)
}

/// Folds PostgreSQL's appended rows when a reader read many more than the `keys` it summed
/// them into. Maintenance, not the answer: a failure (a lock timeout) leaves the rows to the
/// next reader.
fn fold_when_many(conn: &mut DbConnection, read: usize, keys: usize) {
    if read > keys + COMPACT_ROWS && conn.backend() == Backend::Postgres {
        if let Err(e) = super::write_transaction(conn, compact) {
            tracing::warn!(%e, "folding the tag counts failed");
        }
    }
}

/// Folds PostgreSQL's appended changes into one row per key, in the caller's transaction, as
/// [`super::counts::compact`] folds the inbox counts; nothing on SQLite.
pub fn compact(conn: &mut DbConnection) -> QueryResult<()> {
    super::counts::fold_appended(
        conn,
        COMPACT_LOCK,
        "WITH gone AS (DELETE FROM tag_counts RETURNING tag_id, review_status, conversations) \
         INSERT INTO tag_counts (tag_id, review_status, conversations) \
         SELECT tag_id, review_status, sum(conversations) FROM gone \
         GROUP BY tag_id, review_status HAVING sum(conversations) <> 0",
    )
}

/// Every key's count, summed: `(tag id, review status, live conversations)`, for checks.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String, i64)>> {
    let rows: Vec<(i64, String, i64)> = tag_counts::table
        .select((
            tag_counts::tag_id,
            tag_counts::review_status,
            tag_counts::conversations,
        ))
        .load(conn)?;
    let mut sums: BTreeMap<(i64, String), i64> = BTreeMap::new();
    for (tag, status, n) in rows {
        *sums.entry((tag, status)).or_default() += n;
    }
    Ok(sums
        .into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|((t, s), n)| (t, s, n))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_tag_and_statuses_are_answered() {
        let parse = |q: &str| ConversationFilter::from_query(q).unwrap();
        for q in [
            "tag=bug",
            "tag=bug&review_status=unread,reviewed",
            "tag=bug&sort=length",
        ] {
            assert_eq!(lone_tag(&parse(q)), Some("bug"), "{q}");
        }
        for q in [
            "",
            "tag=bug,later",
            "tag=bug&channel=rest",
            "tags_all=bug",
            "tag=bug&tags_none=later",
            "tag=bug&text=refund",
            "review_status=unread",
        ] {
            assert_eq!(lone_tag(&parse(q)), None, "{q}");
        }
    }
}
