//! PostgreSQL's plan of a statement the server runs, as `EXPLAIN (ANALYZE, BUFFERS)` prints
//! it: for whoever asks why a filter is slow. The bench's report shows one for each inbox
//! figure PostgreSQL misses (issue 12), built by the same functions that build the
//! statement the API runs, binds and all, so the plan is that statement's.

use diesel::backend::Backend as DieselBackend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::LoadQuery;
use diesel::sql_types::Text;
use diesel::{QueryResult, RunQueryDsl};

use super::{Backend, DbConnection};

/// `EXPLAIN (ANALYZE, BUFFERS)` of a query: the query runs, and its plan is read instead of
/// its rows, one line of text a row.
#[derive(Debug, Clone)]
pub struct Explained<Q>(Q);

impl<Q: QueryFragment<DB>, DB: DieselBackend> QueryFragment<DB> for Explained<Q> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("EXPLAIN (ANALYZE, BUFFERS) ");
        self.0.walk_ast(out.reborrow())
    }
}

// Not a static query id: diesel keys the statement by its text.
impl<Q> QueryId for Explained<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> Query for Explained<Q> {
    type SqlType = Text;
}

impl<Q, Conn> RunQueryDsl<Conn> for Explained<Q> {}

/// PostgreSQL's plan of `query`, run (its lines joined); `None` on SQLite, whose `EXPLAIN
/// QUERY PLAN` has other columns and no timings.
pub fn plan_of<'query, Q>(conn: &mut DbConnection, query: Q) -> QueryResult<Option<String>>
where
    Explained<Q>: LoadQuery<'query, DbConnection, String>,
{
    if conn.backend() != Backend::Postgres {
        return Ok(None);
    }
    let lines: Vec<String> = Explained(query).load(conn)?;
    Ok(Some(lines.join("\n")))
}
