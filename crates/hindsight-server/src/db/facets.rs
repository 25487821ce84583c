//! The distinct values the filter menus offer, with conversation counts.

use diesel::dsl::count_star;
use diesel::prelude::*;
use hindsight_types::{FacetCount, Facets, SlotFacet};

use super::schema::{conversation_features, conversations};
use super::DbConnection;
use crate::error::AppResult;

/// Most values listed per slot.
const MAX_SLOT_VALUES: usize = 50;

/// Every facet over live conversations.
pub fn facets(conn: &mut DbConnection) -> AppResult<Facets> {
    let rows: Vec<(String, String, String, i64)> = conversation_features::table
        .inner_join(conversations::table)
        .filter(conversations::deleted_at.is_null())
        .group_by((
            conversation_features::kind,
            conversation_features::name,
            conversation_features::value,
        ))
        .select((
            conversation_features::kind,
            conversation_features::name,
            conversation_features::value,
            count_star(),
        ))
        .load(conn)?;
    let channels: Vec<(Option<String>, i64)> = conversations::table
        .filter(conversations::deleted_at.is_null())
        .group_by(conversations::channel)
        .select((conversations::channel, count_star()))
        .load(conn)?;

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
    let by_count = |a: &FacetCount, b: &FacetCount| b.count.cmp(&a.count).then(a.value.cmp(&b.value));
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
