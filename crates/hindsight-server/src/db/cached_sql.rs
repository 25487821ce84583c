//! Hand-written SQL fragments that a connection keeps prepared.
//!
//! Diesel never caches a statement holding its `sql()` literal or an `eq_any(&[…])` list
//! (`IN (?, ?, …)`, one placeholder per value): each run parses and plans the statement
//! again. Every SQLite inbox query holds such a fragment (the time-budget test), and every
//! page's tag and name queries an id list; under load, parsing and planning them again was a
//! fifth of an inbox page's CPU (perf, wrk over a million conversations). The fragments here
//! have a fixed text — the ids of [`id_in`] travel as one bound JSON array — so diesel caches
//! the statements they are part of by their text.
//!
//! Nor does diesel cache any `UPDATE` ([`kept_update`] says why and what to use instead).

use std::marker::PhantomData;

use diesel::backend::Backend as DieselBackend;
use diesel::expression::{
    is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping,
};
use diesel::query_builder::{AsChangeset, AstPass, QueryFragment, QueryId};
use diesel::query_source::{QuerySource, Table};
use diesel::serialize::ToSql;
use diesel::sql_types::{Bool, HasSqlType, SingleValue, Text};
use diesel::QueryResult;

use super::Backend;

/// The impls that make `$name<ST>` (hand-written SQL of type `ST`) an expression diesel
/// keeps prepared: not a static query id, so diesel keys its statement cache by the
/// statement's text; valid on any table and never an aggregate.
macro_rules! constant_sql_expression {
    ($name:ident) => {
        impl<ST: SingleValue> Expression for $name<ST> {
            type SqlType = ST;
        }

        impl<ST> QueryId for $name<ST> {
            type QueryId = ();
            const HAS_STATIC_QUERY_ID: bool = false;
        }

        impl<ST, QS> AppearsOnTable<QS> for $name<ST> where Self: Expression {}
        impl<ST, QS> SelectableExpression<QS> for $name<ST> where Self: Expression {}
        impl<ST, GB> ValidGrouping<GB> for $name<ST> {
            type IsAggregate = is_aggregate::Never;
        }
    };
}

/// Constant SQL of type `ST`, such as `+conversations.channel` (a column SQLite must not read
/// through its index): diesel's `sql::<ST>(…)` that stays prepared.
#[derive(Debug, Clone, Copy)]
pub struct Verbatim<ST> {
    sql: &'static str,
    sql_type: PhantomData<ST>,
}

/// The constant SQL expression `sql` of type `ST`.
pub fn verbatim<ST>(sql: &'static str) -> Verbatim<ST> {
    Verbatim {
        sql,
        sql_type: PhantomData,
    }
}

impl<ST, DB: DieselBackend> QueryFragment<DB> for Verbatim<ST> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.sql);
        Ok(())
    }
}

constant_sql_expression!(Verbatim);

/// Constant SQL of type `ST` around one bound text: see [`verbatim_around`].
#[derive(Debug, Clone)]
pub struct VerbatimAround<ST> {
    before: &'static str,
    text: String,
    after: &'static str,
    sql_type: PhantomData<ST>,
}

/// The SQL expression `before`, `text` bound, `after`, of type `ST`: a scalar subquery written
/// by hand that stays prepared, where diesel's `sql_query` is parsed and planned on every
/// run (PostgreSQL's word statistics from the `pg_stats` view: 0.75 ms of planning for
/// 0.17 ms of execution, on every word search's page).
pub fn verbatim_around<ST>(
    before: &'static str,
    text: &str,
    after: &'static str,
) -> VerbatimAround<ST> {
    VerbatimAround {
        before,
        text: text.to_owned(),
        after,
        sql_type: PhantomData,
    }
}

impl<ST, DB> QueryFragment<DB> for VerbatimAround<ST>
where
    DB: DieselBackend + HasSqlType<Text>,
    String: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.before);
        out.push_bind_param::<Text, _>(&self.text)?;
        out.push_sql(self.after);
        Ok(())
    }
}

constant_sql_expression!(VerbatimAround);

/// `column IN (ids)`: see [`id_in`].
#[derive(Debug, Clone)]
pub struct IdIn {
    backend: Backend,
    column: &'static str,
    ids_json: String,
}

/// `column IN (ids)`, with `column` qualified (`"conversation_tags.conversation_id"`); one
/// prepared statement for any number of ids.
pub fn id_in(backend: Backend, column: &'static str, ids: &[i64]) -> IdIn {
    IdIn {
        backend,
        column,
        ids_json: serde_json::to_string(ids).expect("integers are JSON"),
    }
}

impl Expression for IdIn {
    type SqlType = Bool;
}

impl<DB> QueryFragment<DB> for IdIn
where
    DB: DieselBackend + HasSqlType<Text>,
    String: ToSql<Text, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(self.column);
        // The backends read a JSON array differently: SQLite through its `json_each` table
        // function, PostgreSQL as an array literal (`[1,2]` → `{1,2}`), which it plans as
        // index lookups like any `= ANY(array)`. There the array is made in a scalar
        // subquery, which PostgreSQL evaluates once per execution (an InitPlan): written
        // inline, a prepared statement's generic plan converted the text again for every row
        // its filter rechecked (an export page's 200 conversations: 35 ms, now 1.4 ms).
        match self.backend {
            Backend::Sqlite => {
                out.push_sql(" IN (SELECT value FROM json_each(");
                out.push_bind_param::<Text, _>(&self.ids_json)?;
                out.push_sql("))");
            }
            Backend::Postgres => {
                out.push_sql(" = ANY(CAST((SELECT CAST(translate(");
                out.push_bind_param::<Text, _>(&self.ids_json)?;
                out.push_sql(", '[]', '{}') AS BIGINT[])) AS BIGINT[]))");
            }
        }
        Ok(())
    }
}

impl QueryId for IdIn {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS> AppearsOnTable<QS> for IdIn {}
impl<QS> SelectableExpression<QS> for IdIn {}
impl<GB> ValidGrouping<GB> for IdIn {
    type IsAggregate = is_aggregate::Never;
}

/// `UPDATE table SET changes WHERE filter`: see [`kept_update`].
#[derive(Debug, Clone)]
pub struct KeptUpdate<T: QuerySource, V, W> {
    from_clause: T::FromClause,
    values: V,
    filter: W,
}

/// `UPDATE table SET changes WHERE filter`, a statement the connection keeps prepared.
///
/// Diesel prepares every one of its own `UPDATE`s afresh (an `AsChangeset` type that skips
/// `None` fields stands for several texts, and diesel keys its cache by type where it can):
/// an import that updates a row per stored conversation, feature and path spent 29 % of the
/// writer's time preparing them (perf, a broker backlog draining into a million
/// conversations). This statement's cache key is its text, which is safe whatever the
/// changeset skips. `changes` must set at least one column.
pub fn kept_update<T, C, W>(table: T, filter: W, changes: C) -> KeptUpdate<T, C::Changeset, W>
where
    T: Table,
    C: AsChangeset<Target = T>,
{
    KeptUpdate {
        from_clause: table.from_clause(),
        values: changes.as_changeset(),
        filter,
    }
}

impl<T, V, W, DB> QueryFragment<DB> for KeptUpdate<T, V, W>
where
    DB: DieselBackend,
    T: QuerySource,
    T::FromClause: QueryFragment<DB>,
    V: QueryFragment<DB>,
    W: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE ");
        self.from_clause.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.values.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.filter.walk_ast(out.reborrow())
    }
}

// Not a static query id: diesel then keys its statement cache by the statement's text.
impl<T: QuerySource, V, W> QueryId for KeptUpdate<T, V, W> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<T: QuerySource, V, W, Conn> diesel::RunQueryDsl<Conn> for KeptUpdate<T, V, W> {}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sqlite::Sqlite;

    use super::*;
    use crate::db::schema::conversation_tags;

    #[test]
    fn fragments_leave_the_statement_cacheable() {
        let with_fragments = conversation_tags::table
            .filter(id_in(
                Backend::Sqlite,
                "conversation_tags.conversation_id",
                &[1, 2],
            ))
            .filter(verbatim::<Bool>("(conversation_tags.tag_id % 64 <> 0)"))
            .select(conversation_tags::tag_id);
        assert!(
            QueryFragment::<Sqlite>::is_safe_to_cache_prepared(&with_fragments, &Sqlite).unwrap()
        );
        // What they replace is not: the reason they exist.
        let with_list = conversation_tags::table
            .filter(conversation_tags::conversation_id.eq_any([1_i64, 2]))
            .select(conversation_tags::tag_id);
        assert!(!QueryFragment::<Sqlite>::is_safe_to_cache_prepared(&with_list, &Sqlite).unwrap());
    }

    diesel::table! {
        numbers (id) {
            id -> BigInt,
        }
    }

    diesel::table! {
        words (id) {
            id -> BigInt,
            word -> Text,
        }
    }

    #[test]
    fn kept_update_is_prepared_once_where_diesels_update_is_prepared_each_time() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;

        use diesel::connection::InstrumentationEvent;

        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute(
            "CREATE TABLE words (id BIGINT PRIMARY KEY, word TEXT NOT NULL); \
             INSERT INTO words VALUES (1, 'one'), (2, 'two');",
        )
        .unwrap();
        let cached = Arc::new(AtomicUsize::new(0));
        let counter = cached.clone();
        let count_cached = move |event: InstrumentationEvent<'_>| {
            if matches!(event, InstrumentationEvent::CacheQuery { .. }) {
                counter.fetch_add(1, Ordering::SeqCst);
            }
        };
        conn.set_instrumentation(count_cached);
        for word in ["uno", "eins", "un"] {
            let updated = kept_update(words::table, words::id.eq(1), words::word.eq(word))
                .execute(&mut conn)
                .unwrap();
            assert_eq!(updated, 1);
        }
        assert_eq!(
            cached.load(Ordering::SeqCst),
            1,
            "prepared once, then reused"
        );
        for word in ["deux", "zwei"] {
            diesel::update(words::table.find(2))
                .set(words::word.eq(word))
                .execute(&mut conn)
                .unwrap();
        }
        assert_eq!(cached.load(Ordering::SeqCst), 1, "diesel's own never kept");
        let rows: Vec<(i64, String)> = words::table.order(words::id).load(&mut conn).unwrap();
        assert_eq!(rows, vec![(1, "un".into()), (2, "zwei".into())]);
    }

    #[test]
    fn id_in_selects_exactly_the_listed_ids_on_sqlite() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute(
            "CREATE TABLE numbers (id BIGINT PRIMARY KEY); \
             INSERT INTO numbers VALUES (1), (2), (3), (40);",
        )
        .unwrap();
        let mut select = |ids: &[i64]| -> Vec<i64> {
            numbers::table
                .filter(id_in(Backend::Sqlite, "numbers.id", ids))
                .select(numbers::id)
                .order(numbers::id)
                .load(&mut conn)
                .unwrap()
        };
        assert_eq!(select(&[40, 2, 7]), vec![2, 40]);
        assert_eq!(select(&[]), Vec::<i64>::new());
        assert_eq!(select(&[3, 3]), vec![3]);
    }
}
