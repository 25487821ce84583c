//! The conversations holding a feature or a tag, as subqueries of the inbox filter
//! ([`super::filter`]): gathered from the features' and tags' own indexes.

use diesel::backend::Backend as DieselBackend;
use diesel::dsl::not;
use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::Bool;

use super::BoxedConversations;
use crate::db::schema::{conversation_features, conversation_tags, conversations, tags};

/// `SELECT conversation_id FROM conversation_features WHERE kind = ? AND name IN (…)`.
type FeatureIds<'a> = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::Filter<
            conversation_features::table,
            diesel::dsl::Eq<conversation_features::kind, &'a str>,
        >,
        diesel::dsl::EqAny<conversation_features::name, &'a [String]>,
    >,
    conversation_features::conversation_id,
>;

/// `SELECT conversation_id FROM conversation_features WHERE kind = ? AND name = ? AND value = ''`.
type OneFeatureIds<'a> = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::Filter<
            diesel::dsl::Filter<
                conversation_features::table,
                diesel::dsl::Eq<conversation_features::kind, &'a str>,
            >,
            diesel::dsl::Eq<conversation_features::name, &'a String>,
        >,
        diesel::expression::SqlLiteral<diesel::sql_types::Bool>,
    >,
    conversation_features::conversation_id,
>;

/// `SELECT conversation_id FROM conversation_tags JOIN tags … WHERE tags.name IN (…)`.
type TaggedIds<'a> = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::InnerJoin<conversation_tags::table, tags::table>,
        diesel::dsl::EqAny<tags::name, &'a [String]>,
    >,
    conversation_tags::conversation_id,
>;

/// Conversations having a feature of `kind` named any of `names`. (Not boxed: diesel's
/// multi-backend cannot nest a boxed subquery.)
fn with_feature<'a>(kind: &'a str, names: &'a [String]) -> FeatureIds<'a> {
    conversation_features::table
        .filter(conversation_features::kind.eq(kind))
        .filter(conversation_features::name.eq_any(names))
        .select(conversation_features::conversation_id)
}

/// Conversations having the feature of `kind` (not a slot) named `name`, written so that
/// the table's key (conversation, kind, name, value) shows each conversation named once.
fn with_one_feature<'a>(kind: &'a str, name: &'a String) -> OneFeatureIds<'a> {
    conversation_features::table
        .filter(conversation_features::kind.eq(kind))
        .filter(conversation_features::name.eq(name))
        // A literal, which keeps the statement out of diesel's cache as the `IN` list of
        // several names does: a statement kept prepared is planned for any name after five
        // runs, blind to how many hold this one (a million conversations,
        // `channel=slack&intent=intent_003&max_intent_confidence=0.6` counted in 101 ms
        // planned for the name, 167 ms once kept).
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "conversation_features.value = ''",
        ))
        .select(conversation_features::conversation_id)
}

/// `q` narrowed to the conversations that have (or, `lacking`, lack) a feature of `kind`
/// named any of `names`, the holders gathered from the features' index.
///
/// One name is written `name = ? AND value = ''` rather than `name IN (?)`: PostgreSQL then
/// proves from the key that no conversation is named twice and joins the holders as they
/// come, where otherwise it first deduplicates them in a hash of its own, in every parallel
/// worker (a million conversations, `entity=city` with three conditions on the
/// conversations: 280 of the count's 533 ms, `bench/RESULTS.md` at 44938cb).
///
/// `hashed` (PostgreSQL, one name): the holders are read into a hash as the page walks its
/// order ([`Hashed`]).
pub(super) fn holding_feature<'a>(
    q: BoxedConversations<'a>,
    kind: &'a str,
    names: &'a [String],
    lacking: bool,
    hashed: bool,
) -> BoxedConversations<'a> {
    match (names, lacking) {
        ([name], false) if hashed => q.filter(Hashed(
            conversations::id.eq_any(with_one_feature(kind, name)),
        )),
        ([name], false) => q.filter(conversations::id.eq_any(with_one_feature(kind, name))),
        ([name], true) => q.filter(not(conversations::id.eq_any(with_one_feature(kind, name)))),
        (_, false) => q.filter(conversations::id.eq_any(with_feature(kind, names))),
        (_, true) => q.filter(not(conversations::id.eq_any(with_feature(kind, names)))),
    }
}

/// Conversations tagged with any of `names`.
pub(super) fn with_tags(names: &[String]) -> TaggedIds<'_> {
    conversation_tags::table
        .inner_join(tags::table)
        .filter(tags::name.eq_any(names))
        .select(conversation_tags::conversation_id)
}

/// `(condition) IS TRUE`, for an `id IN (subquery)` condition: PostgreSQL then keeps the
/// subquery apart (it turns only a plain `IN` into a join) and reads its rows once into a hash
/// that each walked row is looked up in (`hashed SubPlan`), so the page walks its order's
/// index and reads no row but those it lists. Chosen where the holders are too many to look
/// up one by one and too few for a probe per walked row to find them sooner
/// ([`crate::db::plan::HoldersRead::Hashed`]).
#[derive(Debug, Clone, Copy, QueryId)]
pub(super) struct Hashed<E>(pub E);

impl<E: Expression<SqlType = Bool>> Expression for Hashed<E> {
    type SqlType = Bool;
}

impl<E, QS> AppearsOnTable<QS> for Hashed<E> where E: AppearsOnTable<QS> + Expression<SqlType = Bool>
{}

impl<E, QS> SelectableExpression<QS> for Hashed<E> where
    E: SelectableExpression<QS> + Expression<SqlType = Bool>
{
}

impl<E: ValidGrouping<GB>, GB> ValidGrouping<GB> for Hashed<E> {
    type IsAggregate = E::IsAggregate;
}

impl<E: QueryFragment<DB>, DB: DieselBackend> QueryFragment<DB> for Hashed<E> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("(");
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(") IS TRUE");
        Ok(())
    }
}
