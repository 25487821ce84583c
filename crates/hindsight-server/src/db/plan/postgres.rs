//! PostgreSQL's own reads of a page: a lone feature value's holders as their maintained count
//! says is cheapest, and a page's ids first from the order's index where no condition needs
//! the conversation's row (`conversations::page`).

use diesel::prelude::*;
use hindsight_types::ConversationFilter;

use crate::db::connection::Backend;
use crate::db::schema::conversations;
use crate::db::DbConnection;

/// How PostgreSQL reads the conversations holding a lone feature value (`intent=X`,
/// `slot=city:city-7`) for a page in the newest-first order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HoldersRead {
    /// As its planner chooses (a rare value: every holder looked up and sorted).
    #[default]
    Planner,
    /// Every holder read into a hash, then the order's index walked (ids only) and each
    /// entry looked up in the hash.
    Hashed,
    /// The order's index walked, each entry's feature looked up by its key (fenced probes).
    Probed,
}

/// Microseconds PostgreSQL spends per holder looked up by id and sorted (the gather; at a
/// million, `slot=city:city-7`'s 5,995 holders in 16.7 ms: `bench/RESULTS.md` at 075df33),
/// per posting read into a hash, per index entry walked without its row, and per walked
/// entry whose feature is probed by key (at a million; the last two from the same report's
/// plans of `tag=bug`: 2,864 entries in 0.52 ms index-only, and `estimate`'s measure).
const POSTGRES_GATHERED_HOLDER_US: f64 = 2.8;
const POSTGRES_HASHED_POSTING_US: f64 = 0.37;
const POSTGRES_WALKED_ENTRY_US: f64 = 0.18;
const POSTGRES_PROBED_ENTRY_US: f64 = 3.5;

/// How PostgreSQL should read a lone feature value's holders for a page of `walk` rows in the
/// newest-first order, from their maintained count. Its planner weighs the gather against
/// walking with a probe per entry, but it misjudges how many hold a slot's value
/// (`slot=city:city-7`: 16 expected, 5,995 held, every one looked up: 18.7 ms of a 22 ms
/// page), and it never hashes them: a hash of a few thousand postings costs a millisecond,
/// and then the walk costs next to nothing per entry.
pub fn lone_facet_read_on_postgres(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    walk: i64,
) -> QueryResult<HoldersRead> {
    use hindsight_types::SortOrder;
    if conn.backend() != Backend::Postgres || filter.sort != SortOrder::Latest {
        return Ok(HoldersRead::Planner);
    }
    let Some(holders) = crate::db::facets::feature_total(conn, filter)? else {
        return Ok(HoldersRead::Planner);
    };
    // The largest id bounds the conversations (the trash included) at no cost.
    let population: Option<i64> = conversations::table
        .select(diesel::dsl::max(conversations::id))
        .first(conn)?;
    Ok(cheapest_holders_read(
        holders,
        population.unwrap_or(0),
        walk,
    ))
}

/// [`lone_facet_read_on_postgres`]'s choice for `holders` of `population` conversations.
pub fn cheapest_holders_read(holders: i64, population: i64, walk: i64) -> HoldersRead {
    if holders <= 0 || population <= 0 {
        return HoldersRead::Planner;
    }
    let (holders, population) = (holders as f64, population as f64);
    let walked = ((walk + 1) as f64 * population / holders).min(population);
    let gathered = holders * POSTGRES_GATHERED_HOLDER_US;
    let hashed = holders * POSTGRES_HASHED_POSTING_US + walked * POSTGRES_WALKED_ENTRY_US;
    let probed = walked * (POSTGRES_WALKED_ENTRY_US + POSTGRES_PROBED_ENTRY_US);
    if gathered <= hashed && gathered <= probed {
        HoldersRead::Planner
    } else if hashed <= probed {
        HoldersRead::Hashed
    } else {
        HoldersRead::Probed
    }
}

/// Whether the filter keeps only conversations found in another table (holding a feature,
/// a tag, a word, a path…): a page walking its order may pass many conversations for each it
/// lists. An exclusion alone (`exclude_intent`, `tags_none`) usually lets most through.
pub fn requires_other_tables(filter: &ConversationFilter) -> bool {
    let f = filter;
    !(f.intents.is_empty()
        && f.actions.is_empty()
        && f.entities.is_empty()
        && f.policies.is_empty()
        && f.slots.is_empty()
        && f.tags_any.is_empty()
        && f.tags_all.is_empty()
        && f.annotated != Some(true)
        && f.misclassified != Some(true)
        && f.scores.is_empty()
        && f.text.is_none()
        && f.discover_group.is_none()
        && f.sequence.is_none())
}

/// Whether every condition of the filter is answered without the conversation's own row:
/// by another table (features, tags, words, paths…) or by a column that the indexes walking
/// an order hold beside it (channel, review status, flags, the dates). Then PostgreSQL can walk
/// the page's order in an index alone, visiting no row of the table (see
/// `conversations::page::load_page_rows`); a condition on the length, a confidence, the time
/// of day, the environment or the sender is read from each walked row.
pub fn tests_no_row_column(filter: &ConversationFilter) -> bool {
    let f = filter;
    f.min_user_messages.is_none()
        && f.max_user_messages.is_none()
        && f.environments.is_empty()
        && f.min_intent_confidence.is_none()
        && f.max_intent_confidence.is_none()
        && f.min_action_confidence.is_none()
        && f.max_action_confidence.is_none()
        && f.time_of_day.is_none()
        && f.sender_id.is_none()
        // A pattern's confidence bound is tested on the row (`conversations::sequence`).
        && f.sequence
            .as_ref()
            .is_none_or(|p| crate::sequence::lowest_confidence_below(p).is_none())
}
