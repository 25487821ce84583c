//! The sequence filter as SQL (issue 14): narrowed by the features its steps require (the
//! feature index finds those conversations, and the slot values `slot:NAME="…"` names) and by
//! the lowest intent confidence a step's bound implies, then each remaining conversation's
//! path tested against the pattern's regular expression (see [`crate::sequence`]).

use diesel::dsl::{exists, sql};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use hindsight_types::SequencePattern;

use super::filter::Plan;
use super::BoxedConversations;
use crate::db::connection::Backend;
use crate::db::schema::{conversation_features, conversations};

/// Adds the sequence filter's conditions to `q`, shaped by `plan`.
pub(super) fn with_sequence<'a>(
    mut q: BoxedConversations<'a>,
    pattern: &'a SequencePattern,
    plan: &Plan,
) -> BoxedConversations<'a> {
    use conversation_features::{conversation_id, kind, name, value};
    if plan.paths_tested_apart {
        return with_candidates_listed(q, pattern);
    }
    let required = pattern.required_features();
    // Gathering: the conversations holding the first two needed features, intersected before
    // any path is tested. As separate `IN`s PostgreSQL tested the path of each conversation
    // holding the first feature before joining the second (100,000 conversations,
    // `intent:intent_000 > action:utter_001`: 25,367 paths tested for 7,368 matches, 667 ms
    // against 240 ms intersected), and SQLite read the conversation row of every holder of
    // the first (a million: 254,686 rows for 91,762 candidates, 348 ms against 296 ms; the
    // count of `intent:intent_014 >> action:utter_180` 66–83 → 13–15 ms).
    // (Two: each further one would change the SQL literal's type; the others narrow as usual.)
    let mut required = required.into_iter();
    if !plan.per_row() {
        if let (Some(first), Some(second)) = (required.next(), required.next()) {
            let holding = "SELECT conversation_id FROM conversation_features WHERE kind = ";
            q = q.filter(
                sql::<Bool>("conversations.id IN (")
                    .sql(holding)
                    .bind::<Text, _>(first.0)
                    .sql(" AND name = ")
                    .bind::<Text, _>(first.1)
                    .sql(" INTERSECT ")
                    .sql(holding)
                    .bind::<Text, _>(second.0)
                    .sql(" AND name = ")
                    .bind::<Text, _>(second.1)
                    .sql(")"),
            );
        } else {
            required = pattern.required_features().into_iter();
        }
    }
    // Only the page's walk: the estimate's sample (a few thousand ids) is left to the planner.
    let fenced = plan.per_row && plan.backend == Some(Backend::Postgres);
    for (feature, feature_name) in required {
        let named = conversation_features::table
            .filter(kind.eq(feature))
            .filter(name.eq(feature_name));
        let fenced_here = plan
            .fenced_step_features
            .iter()
            .any(|(k, n)| *k == feature && n == feature_name);
        q = if fenced || fenced_here {
            with_fenced_probe(q, feature, feature_name, None)
        } else if plan.per_row() {
            q.filter(exists(named.filter(conversation_id.eq(conversations::id))))
        } else {
            q.filter(conversations::id.eq_any(named.select(conversation_id)))
        };
    }
    for (slot, text) in pattern.required_slot_values() {
        let set = conversation_features::table
            .filter(kind.eq("slot"))
            .filter(name.eq(slot))
            .filter(value.eq(text.clone()));
        q = if fenced {
            with_fenced_probe(q, "slot", slot, Some(text))
        } else if plan.per_row() {
            q.filter(exists(set.filter(conversation_id.eq(conversations::id))))
        } else {
            q.filter(conversations::id.eq_any(set.select(conversation_id)))
        };
    }
    with_path_test(with_confidence_bound(q, pattern), pattern, plan)
}

/// The conversations holding what the pattern's steps need, to be listed whole and their
/// paths tested in this process (PostgreSQL's count, [`candidates_tested_apart`]): each
/// needed feature an `IN` of its own, with the empty value that every feature but a slot's is
/// stored with (`db::ingest::plan::features_of`). Kind, name and value fixed, the features'
/// primary key (conversation, kind, name, value) tells PostgreSQL that each conversation
/// holds the feature once, so it joins the holders to the conversations as its index yields
/// them; as the `INTERSECT` of the page, or without the value, it first made them unique (a
/// hash of all of them). At a million conversations, the server's statement listing the
/// 254,686 candidates of `intent:intent_000 > !action:utter_000 > end` took 1,117 ms that
/// way, 0.4 – 0.7 s this way (the server's statement log, several requests).
fn with_candidates_listed<'a>(
    mut q: BoxedConversations<'a>,
    pattern: &'a SequencePattern,
) -> BoxedConversations<'a> {
    use conversation_features::{conversation_id, kind, name, value};
    for (feature, feature_name) in pattern.required_features() {
        let named = conversation_features::table
            .filter(kind.eq(feature))
            .filter(name.eq(feature_name));
        q = if feature == "slot" {
            q.filter(conversations::id.eq_any(named.select(conversation_id)))
        } else {
            let ordered = named.filter(value.eq(""));
            q.filter(conversations::id.eq_any(ordered.select(conversation_id)))
        };
    }
    for (slot, text) in pattern.required_slot_values() {
        let set = conversation_features::table
            .filter(kind.eq("slot"))
            .filter(name.eq(slot))
            .filter(value.eq(text));
        q = q.filter(conversations::id.eq_any(set.select(conversation_id)));
    }
    with_confidence_bound(q, pattern)
}

/// The lowest intent confidence a step's bound implies, as a plain column tested before any
/// path is read (both backends put correlated subqueries after it): the count of
/// `confidence<0.3 >> action:*` read every path; at 100,000 conversations on PostgreSQL it
/// took 447 ms, now 129.
fn with_confidence_bound<'a>(
    q: BoxedConversations<'a>,
    pattern: &SequencePattern,
) -> BoxedConversations<'a> {
    match crate::sequence::lowest_confidence_below(pattern) {
        Some(bound) => q.filter(conversations::min_intent_confidence.lt(bound)),
        None => q,
    }
}

/// PostgreSQL's test of one conversation for a feature, row by row as the page walks its
/// order. Written as a plain `EXISTS`, its planner turned each into a semi-join that reads
/// every holder of the feature before the walk starts (a pattern in 1 % of conversations: 2.2–
/// 2.7 s at a million); `OFFSET 0` keeps it a probe of the feature's primary key per row walked
/// (100,000 conversations, `intent:intent_003 > intent:intent_000 > action:utter_002`: 7,738
/// rows walked for the page of 100, 100–140 ms, against 380 ms gathered).
fn with_fenced_probe<'a>(
    q: BoxedConversations<'a>,
    feature: &'static str,
    feature_name: &'a str,
    feature_value: Option<String>,
) -> BoxedConversations<'a> {
    let probe = sql::<Bool>(
        "EXISTS (SELECT 1 FROM conversation_features f \
         WHERE f.conversation_id = conversations.id AND f.kind = ",
    )
    .bind::<Text, _>(feature)
    .sql(" AND f.name = ")
    .bind::<Text, _>(feature_name);
    match feature_value {
        Some(v) => q.filter(
            probe
                .sql(" AND f.value = ")
                .bind::<Text, _>(v)
                .sql(" OFFSET 0)"),
        ),
        None => q.filter(probe.sql(" OFFSET 0)")),
    }
}

/// Adds the test of each conversation's path against the pattern's expression.
fn with_path_test<'a>(
    q: BoxedConversations<'a>,
    pattern: &SequencePattern,
    plan: &Plan,
) -> BoxedConversations<'a> {
    let regex = crate::sequence::to_regex(pattern);
    // Each backend spells a regular expression match its own way: PostgreSQL's operator, or
    // the function the server registers on every SQLite connection (`db::connection`), which
    // portable SQL (no backend) falls back to as well.
    match plan.backend {
        // `OFFSET 0` keeps PostgreSQL from turning the EXISTS into a join that tests every
        // stored path against the expression (3 µs each) before the other conditions narrow:
        // at 20,000 conversations a view's tab counts took 3.5 s, testing all of them once per
        // window of the estimate's sample. Its expressions cost ~8 µs a candidate's path, its
        // `LIKE` next to nothing, so a `LIKE` the matching paths must satisfy goes first
        // (PostgreSQL keeps the written order of equally costed conditions). Measured at
        // 100,000 conversations: the count of `intent:intent_003 > intent:intent_000 >
        // action:utter_002 > end` 101 → 92 ms; where the feature index leaves few candidates
        // that do not match (`intent:intent_000 > action:utter_001`: 9,078 for 7,368) it
        // changes nothing. SQLite's expressions are the regex crate's, fast enough.
        Some(Backend::Postgres) => {
            let head = "EXISTS (SELECT 1 FROM conversation_paths p \
                        WHERE p.conversation_id = conversations.id AND ";
            match crate::sequence::like_prefilter(pattern) {
                Some(like) => q.filter(
                    sql::<Bool>(head)
                        .sql("p.steps LIKE ")
                        .bind::<Text, _>(like)
                        .sql(" AND p.steps ~ ")
                        .bind::<Text, _>(regex)
                        .sql(" OFFSET 0)"),
                ),
                None => q.filter(
                    sql::<Bool>(head)
                        .sql("p.steps ~ ")
                        .bind::<Text, _>(regex)
                        .sql(" OFFSET 0)"),
                ),
            }
        }
        Some(Backend::Sqlite) | None => q.filter(
            sql::<Bool>(
                "EXISTS (SELECT 1 FROM conversation_paths p \
                 WHERE p.conversation_id = conversations.id AND hindsight_sequence_match(",
            )
            .bind::<Text, _>(regex)
            .sql(", p.steps))"),
        ),
    }
}
