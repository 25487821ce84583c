//! Gather or probe: how the inbox page tests many-valued filters (words on both backends).
//!
//! An any-of filter on intents, actions, entities or policies can run two ways:
//! - *gather*: `id IN (SELECT conversation_id FROM conversation_features WHERE …)`: SQLite
//!   collects every matching id, then sorts them. It costs the number of matches: about
//!   100 ms for 90,000 of a million conversations, and nothing for a rare value.
//! - *probe*: `EXISTS (SELECT 1 FROM conversation_features WHERE conversation_id = c.id …)`:
//!   SQLite walks the sort order's index and tests each conversation on its primary key until
//!   the page is full. It costs the rows walked, `page / density`: a fraction of a
//!   millisecond for a common value, but seconds for a value that matches nothing.
//!
//! SQLite's planner does not weigh the two (it always gathers for `IN` and always probes for
//! `EXISTS`), so the page query chooses from the maintained facet counts. Only when every other
//! condition's share is known too (channels; the rest of the filter empty) is the density
//! estimate trustworthy; otherwise it gathers, as the count does. PostgreSQL's planner makes
//! this choice itself from its statistics for features, so they always get the plain `IN`;
//! but it never probes a word (it cannot weigh the GIN index's matches against testing each
//! conversation's messages), so a filter of common words alone is probed on both backends.

use diesel::prelude::*;
use hindsight_types::ConversationFilter;

use super::connection::Backend;
use super::facets::facet_counts;
use super::schema::conversations;
use super::DbConnection;

mod postgres;
mod text;

pub use postgres::{
    cheapest_holders_read, lone_facet_read_on_postgres, requires_other_tables, tests_no_row_column,
    HoldersRead,
};
pub use text::{
    only_text, probe_substring, read_words, substring_common_as_a_word, walks_words_on_postgres,
    word_matches, WordsRead, WORDS_LIST_COST,
};

/// Cost of one row walked in the sort index and probed, relative to one id gathered.
/// Measured on the million-conversation bench database since features are stored by
/// conversation (`2026-12-03-000095`): a walked row probed on a feature's or a tag's primary
/// key 1.9–2.3 µs, an id gathered from a posting list and sorted 1.1–1.5 µs (it was 4 µs
/// against 1 µs when each probe went through a separate primary-key index).
pub const PROBE_COST: f64 = 2.0;

/// Cost of one row walked and tested against a word filter in the word index (a seek in the
/// word's posting list), relative to one id gathered: about 35 µs against 2 µs a match.
pub const PROBE_WORDS_COST: f64 = 18.0;

/// What testing one conversation's user messages for a substring costs PostgreSQL (its
/// messages read and each lower-cased and searched), relative to one conversation gathered from
/// the trigram index: 20–50 µs against 8–20 µs a match at a million conversations.
pub const PROBE_SUBSTRING_COST: f64 = 4.0;

/// What testing one conversation's path for a substring costs SQLite (the path read by
/// primary key and searched by the sequence filter's matcher: see `conversations::text`),
/// relative to one conversation gathered from the trigram index. Measured at a million: a page
/// of 500 of `text=luggage&text_mode=substring` (9.6 % of conversations) walks about 4,700
/// rows more than a page of 50 and takes 27 ms more than the rows it lists cost (5.8 µs a
/// row), where gathering "refund" read 149,444 conversations in 140 ms (0.94 µs each).
pub const PROBE_SUBSTRING_PATH_COST: f64 = 6.0;

/// What walking the order and testing one conversation against a sequence pattern costs
/// PostgreSQL, in the same unit. Gathering a pattern's candidates also tests each one's path
/// with PostgreSQL's regular expressions and reads it through a correlated probe (about 8 µs
/// each for the 1,200 characters of a candidate of `intent:intent_000 > action:utter_001`,
/// 100,000 conversations, against 1–2 µs a posting read), so a gathered posting costs about
/// as much as a walked row (its features probed one by one, fenced: see
/// `conversations::sequence`). Measured at 100,000 demo conversations, page of 100: walking
/// `intent:intent_003 > intent:intent_000 > action:utter_002` (1.4 % of conversations) 108 ms
/// against 352 ms gathered, `intent:intent_000 > action:utter_001` (7 %) 55 ms against 329 ms;
/// gathering grows with the conversations, walking does not.
pub const PROBE_SEQUENCE_COST_POSTGRES: f64 = 1.0;

/// What testing one conversation against a sequence pattern costs, in the same unit: its
/// features' probes and its path's expression (measured at 100,000 demo conversations:
/// about 2 µs a conversation, twice a feature's probe).
pub const PROBE_SEQUENCE_COST: f64 = 4.0;

/// What walking the order and testing every condition costs a row, in the unit of one id
/// gathered, when the filter holds a word. The word is tested last — SQLite codes a correlated
/// subquery after the plain columns, and the filter writes the text after the features — so
/// only the rows the other conditions let through pay for the seek in the word's posting list:
/// their share is the filter's density over the word's share (the two taken as independent).
/// Measured at a million conversations: a word with three other conditions passing about 5 %
/// of the rows walks a row in 2–4 µs, where the word alone costs 35 µs a row; costing every row
/// as the word alone made the page of 100 gather the word's 149,444 conversations (217 ms).
pub fn per_row_words_cost(density: f64, word_share: f64) -> f64 {
    let others_pass = if word_share > 0.0 {
        (density / word_share).min(1.0)
    } else {
        1.0
    };
    PROBE_COST + PROBE_WORDS_COST * others_pass
}

/// The feature kinds (`intent`, `action`, `entity`, `policy`) whose any-of filter the page
/// query should probe rather than gather; empty for a plain gather.
pub fn probe_kinds(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    limit: i64,
) -> QueryResult<Vec<&'static str>> {
    let kinds = any_of_kinds(filter);
    // Only SQLite: see the module's comment.
    if kinds.is_empty() || conn.backend() != Backend::Sqlite || !only_known_shares(filter) {
        return Ok(Vec::new());
    }
    // The largest id bounds the conversations (the trash included) at no cost.
    let total: Option<i64> = conversations::table
        .select(diesel::dsl::max(conversations::id))
        .first(conn)?;
    let total = total.unwrap_or(0);
    // Every count the estimate needs, in one read of the facet table.
    let counts = facet_counts_of(conn, &kinds, &filter.channels)?;
    let total_of = |kind: &str, names: &[String]| -> i64 {
        counts
            .iter()
            .filter(|(k, n, _)| k == kind && names.contains(n))
            .map(|(_, _, c)| c)
            .sum()
    };
    let matches: Vec<i64> = kinds
        .iter()
        .map(|(kind, names)| total_of(kind, names))
        .collect();
    let channel_share = if filter.channels.is_empty() {
        1.0
    } else {
        total_of("channel", &filter.channels) as f64 / total.max(1) as f64
    };
    Ok(
        if should_probe(total, limit, &matches, channel_share, PROBE_COST) {
            kinds.into_iter().map(|(kind, _)| kind).collect()
        } else {
            Vec::new()
        },
    )
}

/// The share of all conversations a row-by-row page walks when its one channel's index keeps
/// the newest-first order (SQLite; see `conversations::filter::filtered_on`): that channel's
/// share, from the maintained counts; 1 otherwise.
pub fn channel_index_share(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<f64> {
    use hindsight_types::SortOrder;
    if filter.channels.len() != 1
        || filter.sort != SortOrder::Latest
        || conn.backend() != Backend::Sqlite
    {
        return Ok(1.0);
    }
    Ok(channels_held(conn, &filter.channels)?.0)
}

/// The share of all conversations (by the largest id) the live conversations of `channels`
/// make, and how many they are, from the maintained counts.
fn channels_held(conn: &mut DbConnection, channels: &[String]) -> QueryResult<(f64, i64)> {
    let total: Option<i64> = conversations::table
        .select(diesel::dsl::max(conversations::id))
        .first(conn)?;
    let holding: i64 = facet_counts_of(conn, &[], channels)?
        .iter()
        .map(|(_, _, n)| n)
        .sum();
    let share = holding as f64 / total.unwrap_or(0).max(1) as f64;
    Ok((share.min(1.0), holding))
}

/// Whether walking the sort index with probes is cheaper than gathering every match: the
/// rows walked are `limit / density`, the density being the product of each condition's
/// share (taken as independent); gathering reads each feature filter's matches.
fn should_probe(
    total: i64,
    limit: i64,
    matches: &[i64],
    channel_share: f64,
    probe_cost: f64,
) -> bool {
    if total <= 0 || matches.is_empty() {
        return false;
    }
    let total_f = total as f64;
    let density = matches
        .iter()
        .map(|&m| (m as f64 / total_f).min(1.0))
        .product::<f64>()
        * channel_share.min(1.0);
    if density <= 0.0 {
        return false;
    }
    let walked = ((limit + 1) as f64 / density).min(total_f);
    let gathered: f64 = matches.iter().map(|&m| m as f64).sum();
    walked * probe_cost < gathered
}

/// The fewest ids a gathered page would collect before sorting: the shortest posting list
/// among the filter's conditions whose size is maintained or cheap to read (any-of features
/// from the facet counts, any-of tags from theirs: live holders, where gathering also reads
/// the trashed ones' postings); `None` when it holds none of them.
/// The filter's own matches can be far fewer (an intent in 10 % of conversations and a
/// channel in 5 %): gathering still reads the whole intent.
pub fn shortest_posting_list(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<Option<i64>> {
    let mut shortest: Option<i64> = feature_postings(conn, filter)?
        .into_iter()
        .map(|(_, postings)| postings)
        .min();
    // The intents and actions a sequence pattern needs are gathered the same way.
    if let Some(pattern) = &filter.sequence {
        let required: Vec<(&'static str, [String; 1])> = pattern
            .required_features()
            .into_iter()
            .filter(|(kind, _)| *kind != "slot")
            .map(|(kind, name)| (kind, [name.to_owned()]))
            .collect();
        let kinds: Vec<(&'static str, &[String])> = required
            .iter()
            .map(|(kind, name)| (*kind, name.as_slice()))
            .collect();
        if !kinds.is_empty() {
            let counts = facet_counts_of(conn, &kinds, &[])?;
            for (kind, [name]) in &required {
                let postings = counts
                    .iter()
                    .find(|(k, n, _)| k == kind && n == name)
                    .map_or(0, |(_, _, c)| *c);
                shortest = Some(shortest.map_or(postings, |s| s.min(postings)));
            }
        }
    }
    if !filter.tags_any.is_empty() {
        let postings = super::tag_counts::live_holders(conn, &filter.tags_any)?;
        shortest = Some(shortest.map_or(postings, |s| s.min(postings)));
    }
    Ok(shortest)
}

/// For each feature kind the filter asks any of (`intent=a,b`), how many conversations hold
/// one of its names (a conversation holding two counted twice): from the maintained facet
/// counts, in one read.
pub fn feature_postings(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<Vec<(&'static str, i64)>> {
    let kinds = any_of_kinds(filter);
    let postings = postings_of(conn, &kinds)?;
    Ok(kinds.iter().map(|(kind, _)| *kind).zip(postings).collect())
}

/// For each feature a sequence pattern's steps require (`intent:a > action:b`), how many
/// conversations hold it, from the maintained facet counts in one read; empty without a
/// pattern.
pub fn step_feature_postings(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<Vec<((&'static str, String), i64)>> {
    let Some(pattern) = &filter.sequence else {
        return Ok(Vec::new());
    };
    let required = pattern.required_features();
    let names: Vec<[String; 1]> = required.iter().map(|(_, n)| [n.to_string()]).collect();
    let kinds: Vec<(&'static str, &[String])> = required
        .iter()
        .zip(&names)
        .map(|((kind, _), names)| (*kind, names.as_slice()))
        .collect();
    let postings = postings_of(conn, &kinds)?;
    Ok(required
        .into_iter()
        .map(|(kind, name)| (kind, name.to_owned()))
        .zip(postings)
        .collect())
}

/// For each (kind, any of names), how many conversations hold one of the names (a
/// conversation holding two counted twice), from the facet counts in one read.
fn postings_of(
    conn: &mut DbConnection,
    kinds: &[(&'static str, &[String])],
) -> QueryResult<Vec<i64>> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let counts = facet_counts_of(conn, kinds, &[])?;
    Ok(kinds
        .iter()
        .map(|(kind, names)| {
            counts
                .iter()
                .filter(|(k, n, _)| k == kind && names.contains(n))
                .map(|(_, _, c)| c)
                .sum()
        })
        .collect())
}

/// Whether the filter holds a condition the plain page gathers (`IN` a subquery): features,
/// their exclusions, slots, tags, annotations, scores, text, a Discover group, or a sequence that needs steps.
pub fn gathers(filter: &ConversationFilter) -> bool {
    let f = filter;
    !(f.intents.is_empty()
        && f.actions.is_empty()
        && f.entities.is_empty()
        && f.policies.is_empty()
        && f.exclude_intents.is_empty()
        && f.exclude_actions.is_empty()
        && f.exclude_entities.is_empty()
        && f.exclude_policies.is_empty()
        && f.slots.is_empty()
        && f.tags_any.is_empty()
        && f.tags_all.is_empty()
        && f.tags_none.is_empty()
        && f.annotated.is_none()
        && f.misclassified.is_none()
        && f.scores.is_empty()
        && f.text.is_none()
        && f.discover_group.is_none()
        && f.sequence
            .as_ref()
            .is_none_or(|p| p.required_features().is_empty()))
}

/// The any-of feature filters of `filter`, by kind.
pub fn any_of_kinds(filter: &ConversationFilter) -> Vec<(&'static str, &[String])> {
    [
        ("intent", &filter.intents),
        ("action", &filter.actions),
        ("entity", &filter.entities),
        ("policy", &filter.policies),
    ]
    .into_iter()
    .filter(|(_, names)| !names.is_empty())
    .map(|(kind, names)| (kind, names.as_slice()))
    .collect()
}

/// Whether the filter holds nothing but any-of features and channels (and its order), the
/// conditions whose share the facet counts tell.
fn only_known_shares(filter: &ConversationFilter) -> bool {
    let rest = ConversationFilter {
        intents: Vec::new(),
        actions: Vec::new(),
        entities: Vec::new(),
        policies: Vec::new(),
        channels: Vec::new(),
        sort: Default::default(),
        ..filter.clone()
    };
    rest == ConversationFilter::default()
}

/// Whether the page should walk its order's index and test the channel on each row, rather
/// than read the channels' conversations from their index and sort them: SQLite only (it
/// always takes the channel's index), when the order is not the one that index keeps (the
/// newest first, one channel) and the channels are common enough that the walk is shorter
/// than their conversations. At a million, `channel=rest&sort=oldest` (355,508
/// conversations) read and sorted them in 0.8 s; the walk finds 100 in about 300 rows.
pub fn walk_channels(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
    limit: i64,
) -> QueryResult<bool> {
    use hindsight_types::SortOrder;
    let in_index_order = filter.channels.len() == 1 && filter.sort == SortOrder::Latest;
    if filter.channels.is_empty() || in_index_order || conn.backend() != Backend::Sqlite {
        return Ok(false);
    }
    let (share, holding) = channels_held(conn, &filter.channels)?;
    // The walk reads `limit / share` rows, gathering reads the channels' `holding`.
    Ok(share > 0.0 && (limit + 1) as f64 / share < holding as f64)
}

/// How many live conversations hold the filter's slot value, when the filter holds nothing
/// but that one slot value (and its order): from the maintained facet counts
/// ([`super::facets::feature_total`]), which is then the filter's density exactly. `None`
/// otherwise. The page's sample of 1,024 conversations in 16 id windows took 2.5 ms of a slot
/// value's page at a million on SQLite, counting its 6,000 holders in the features' index
/// 0.5 ms (the page over HTTP, median of 21: 9.8 → 7.7 ms); the facet count is one row.
pub fn lone_slot_value_holders(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<Option<i64>> {
    if filter.slots.is_empty() {
        return Ok(None);
    }
    super::facets::feature_total(conn, filter)
}

/// Whether the filter holds nothing but any-of tags (and its order).
pub fn only_any_of_tags(filter: &ConversationFilter) -> bool {
    let rest = ConversationFilter {
        tags_any: Vec::new(),
        sort: Default::default(),
        ..filter.clone()
    };
    !filter.tags_any.is_empty() && rest == ConversationFilter::default()
}

/// The live-conversation counts `(kind, name, conversations)` of the filter's feature names
/// and channels. Summing a kind's names gives an upper bound of the conversations having any.
fn facet_counts_of(
    conn: &mut DbConnection,
    kinds: &[(&'static str, &[String])],
    channels: &[String],
) -> QueryResult<Vec<(String, String, i64)>> {
    let mut kind_names: Vec<&str> = kinds.iter().map(|(kind, _)| *kind).collect();
    let mut names: Vec<&String> = kinds.iter().flat_map(|(_, names)| names.iter()).collect();
    if !channels.is_empty() {
        kind_names.push("channel");
        names.extend(channels);
    }
    facet_counts::table
        .filter(facet_counts::kind.eq_any(kind_names))
        .filter(facet_counts::name.eq_any(names))
        .filter(facet_counts::value.eq(""))
        .select((
            facet_counts::kind,
            facet_counts::name,
            facet_counts::conversations,
        ))
        .load(conn)
}

#[cfg(test)]
mod tests;
