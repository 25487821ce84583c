//! The rubric-answer filter as SQL (issue 13): `score.QUESTION=VALUE,…`, tested against the
//! answer of record of each queue that reviewed the conversation.
//!
//! Per queue, conversation and question, the answer of record is the settlement's answer
//! where a settlement answers the question (`queue_settlements`), and otherwise the reviewers'
//! answers (`queue_answers`): a conversation whose unsettled reviewers disagree matches each
//! of their answers. A conversation matches when one of its queues' answers of record is one
//! of the values.

use diesel::dsl::{exists, not, sql};
use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use hindsight_types::ScoreFilter;

use super::filter::Plan;
use super::BoxedConversations;
use crate::db::connection::Backend;
use crate::db::schema::{conversations, queue_answers as qa, queue_settlements as qs};

/// Adds the condition of `score.QUESTION=VALUE,…` to `q`, shaped by `plan`.
pub(super) fn with_score<'a>(
    q: BoxedConversations<'a>,
    s: &'a ScoreFilter,
    plan: &Plan,
) -> BoxedConversations<'a> {
    // A settlement's answers are one JSON object (question id → the answer as text), read
    // with each backend's JSON functions: PostgreSQL's `->>` on the text cast to jsonb,
    // SQLite's built-in `json_extract` (the portable plan, which no query takes, uses
    // SQLite's). The question id is a key as it is (`[a-z][a-z0-9_]*`, checked when the
    // filter is parsed), so SQLite's path `$.ID` names that key only.
    let (before, after) = match plan.backend {
        Some(Backend::Postgres) => ("(queue_settlements.answers::jsonb ->> ", ")"),
        _ => ("json_extract(queue_settlements.answers, '$.' || ", ")"),
    };
    let settled = || {
        sql::<Nullable<Text>>(before)
            .bind::<Text, _>(&s.question)
            .sql(after)
    };
    // The reviewers' answers, where their queue's settlement of the conversation does not
    // answer the question.
    let reviewed = qa::table
        .filter(qa::question.eq(&s.question))
        .filter(qa::value.eq_any(&s.values))
        .filter(not(exists(
            qs::table
                .filter(qs::queue_id.eq(qa::queue_id))
                .filter(qs::conversation_id.eq(qa::conversation_id))
                .filter(settled().is_not_null()),
        )));
    let settlements = qs::table.filter(settled().eq_any(&s.values));
    if plan.per_row() {
        q.filter(
            exists(reviewed.filter(qa::conversation_id.eq(conversations::id))).or(exists(
                settlements.filter(qs::conversation_id.eq(conversations::id)),
            )),
        )
    } else {
        q.filter(
            conversations::id
                .eq_any(reviewed.select(qa::conversation_id))
                .or(conversations::id.eq_any(settlements.select(qs::conversation_id))),
        )
    }
}
