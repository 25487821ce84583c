//! The sequence filter as SQL (issue 14): narrowed by the features its steps require (the
//! feature index finds those conversations), then each remaining conversation's path tested
//! against the pattern's regular expression (see [`crate::sequence`]).

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
    use conversation_features::{conversation_id, kind, name};
    for (feature, value) in pattern.required_features() {
        let named = conversation_features::table
            .filter(kind.eq(feature))
            .filter(name.eq(value));
        q = if plan.per_row() {
            q.filter(exists(named.filter(conversation_id.eq(conversations::id))))
        } else {
            q.filter(conversations::id.eq_any(named.select(conversation_id)))
        };
    }
    // Each backend spells a regular expression match its own way: PostgreSQL's operator, or
    // the function the server registers on every SQLite connection (`db::connection`), which
    // portable SQL (no backend) falls back to as well.
    let (head, tail) = match plan.backend {
        // `OFFSET 0` keeps PostgreSQL from turning the EXISTS into a join that tests every
        // stored path against the expression (3 µs each) before the other conditions narrow:
        // at 20,000 conversations a view's tab counts took 3.5 s, testing all of them once per
        // window of the estimate's sample.
        Some(Backend::Postgres) => (
            "EXISTS (SELECT 1 FROM conversation_paths p \
             WHERE p.conversation_id = conversations.id AND p.steps ~ ",
            " OFFSET 0)",
        ),
        Some(Backend::Sqlite) | None => (
            "EXISTS (SELECT 1 FROM conversation_paths p \
             WHERE p.conversation_id = conversations.id AND hindsight_sequence_match(",
            ", p.steps))",
        ),
    };
    q.filter(
        sql::<Bool>(head)
            .bind::<Text, _>(crate::sequence::to_regex(pattern))
            .sql(tail),
    )
}
