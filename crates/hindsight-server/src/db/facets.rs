//! The distinct values the filter menus offer, with conversation counts.

use diesel::prelude::*;
use hindsight_types::{ConversationFilter, FacetCount, Facets, SlotFacet};

use super::DbConnection;

/// Most values listed per slot.
const MAX_SLOT_VALUES: usize = 50;

diesel::table! {
    /// Live conversations per facet value, maintained (migration 2026-11-24-210000_facet_counts).
    facet_counts (kind, name, value) {
        kind -> Text,
        name -> Text,
        value -> Text,
        conversations -> BigInt,
    }
}

/// Adds `delta` live conversations to each facet value: imports call it once per batch with
/// the features they inserted.
pub fn add_counts(
    conn: &mut DbConnection,
    counts: &std::collections::HashMap<(&str, &str, &str), i64>,
) -> diesel::QueryResult<()> {
    use diesel::upsert::excluded;
    // In key order: two imports upserting the same keys then lock them in the same order, and
    // cannot deadlock on PostgreSQL (a HashMap's order differs from map to map).
    let mut keys: Vec<_> = counts.iter().collect();
    keys.sort_unstable_by_key(|(key, _)| **key);
    let rows: Vec<_> = keys
        .into_iter()
        .map(|((kind, name, value), n)| {
            (
                facet_counts::kind.eq(*kind),
                facet_counts::name.eq(*name),
                facet_counts::value.eq(*value),
                facet_counts::conversations.eq(*n),
            )
        })
        .collect();
    // Upserts are spelled per backend by diesel (multi-backend has none).
    for chunk in rows.chunks(5_000) {
        on_each_backend!(conn, |c| diesel::insert_into(facet_counts::table)
            .values(chunk)
            .on_conflict((facet_counts::kind, facet_counts::name, facet_counts::value))
            .do_update()
            .set(
                facet_counts::conversations
                    .eq(facet_counts::conversations + excluded(facet_counts::conversations))
            )
            .execute(c))?;
    }
    Ok(())
}

/// The number of live conversations matching `filter` from the maintained counts, when the
/// filter is one feature value and nothing else (`intent=X`, `action=X`, `entity=X`,
/// `policy=X` or a slot's value `slot=NAME:VALUE`; an order aside): what a reviewer clicking
/// a value of the facets asks. `None` for any other filter. The counts change in the
/// transaction that changes the conversations (imports, appended events, trash, restore,
/// deletion: `tests/it/facet_counts.rs`), so this is the exact number; counting it gathered
/// every holder (at a million conversations, `action=utter_005`'s 99,168: 82 ms on SQLite,
/// 408 ms on PostgreSQL; `slot=city:city-7`'s 5,995: 5 and 15 ms).
pub fn feature_total(
    conn: &mut DbConnection,
    filter: &ConversationFilter,
) -> QueryResult<Option<i64>> {
    let Some((kind, name, value)) = lone_facet(filter) else {
        return Ok(None);
    };
    let held: Option<i64> = facet_counts::table
        .filter(facet_counts::kind.eq(kind))
        .filter(facet_counts::name.eq(name))
        .filter(facet_counts::value.eq(value))
        .select(facet_counts::conversations)
        .first(conn)
        .optional()?;
    // No row: no conversation ever held the value.
    Ok(Some(held.unwrap_or(0)))
}

/// The facet count's key `(kind, name, value)` of a filter that is one feature value and
/// nothing else (an order aside).
fn lone_facet(filter: &ConversationFilter) -> Option<(&'static str, &str, &str)> {
    let rest = ConversationFilter {
        intents: Vec::new(),
        actions: Vec::new(),
        entities: Vec::new(),
        policies: Vec::new(),
        slots: Vec::new(),
        sort: Default::default(),
        ..filter.clone()
    };
    if rest != ConversationFilter::default() {
        return None;
    }
    match (
        &super::plan::any_of_kinds(filter)[..],
        filter.slots.as_slice(),
    ) {
        ([(kind, [name])], []) => Some((kind, name.as_str(), "")),
        ([], [slot]) => Some(("slot", slot.name.as_str(), slot.value.as_deref()?)),
        _ => None,
    }
}

/// Every facet over live conversations, from the maintained counts.
pub fn facets(conn: &mut DbConnection) -> QueryResult<Facets> {
    let all: Vec<(String, String, String, i64)> = facet_counts::table
        .filter(facet_counts::conversations.gt(0))
        .select((
            facet_counts::kind,
            facet_counts::name,
            facet_counts::value,
            facet_counts::conversations,
        ))
        .load(conn)?;
    let mut channels: Vec<(Option<String>, i64)> = Vec::new();
    let mut rows = Vec::with_capacity(all.len());
    for (kind, name, value, n) in all {
        if kind == "channel" {
            channels.push((Some(name), n));
        } else {
            rows.push((kind, name, value, n));
        }
    }

    let mut facets = Facets::default();
    let mut slots: std::collections::BTreeMap<String, SlotFacet> = Default::default();
    for (kind, name, value, count) in rows {
        let list = match kind.as_str() {
            "intent" => &mut facets.intents,
            "action" => &mut facets.actions,
            "entity" => &mut facets.entities,
            "policy" => &mut facets.policies,
            "slot" => {
                let slot = slots.entry(name.clone()).or_insert_with(|| SlotFacet {
                    name,
                    count: 0,
                    values: Vec::new(),
                });
                // A conversation counts once per value it set; the slot's count is an upper
                // bound when one conversation set several values.
                slot.count += count;
                slot.values.push(FacetCount { value, count });
                continue;
            }
            _ => continue,
        };
        list.push(FacetCount { value: name, count });
    }
    facets.channels = channels
        .into_iter()
        .filter_map(|(c, count)| c.map(|value| FacetCount { value, count }))
        .collect();
    let by_count =
        |a: &FacetCount, b: &FacetCount| b.count.cmp(&a.count).then(a.value.cmp(&b.value));
    for list in [
        &mut facets.intents,
        &mut facets.actions,
        &mut facets.entities,
        &mut facets.policies,
        &mut facets.channels,
    ] {
        list.sort_by(by_count);
    }
    facets.slots = slots
        .into_values()
        .map(|mut s| {
            s.values.sort_by(by_count);
            s.values.truncate(MAX_SLOT_VALUES);
            s
        })
        .collect();
    Ok(facets)
}
