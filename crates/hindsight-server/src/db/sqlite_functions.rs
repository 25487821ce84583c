//! The SQL functions registered on every SQLite connection, and what they answer.
//!
//! SQLite lacks two things the queries need, which PostgreSQL has built in: a time limit on
//! a statement (PostgreSQL's `statement_timeout`) and regular expressions (PostgreSQL's
//! `~`). Hindsight supplies both as application-defined functions, registered when
//! [`super::connection`] opens a SQLite connection; the queries call them by name.

use diesel::prelude::*;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Bool;
use diesel::sqlite::Sqlite;

use super::budget::{within_deadline, QUERY_BUDGET_EXCEEDED};

// The time budget on SQLite. SQLite has no statement timeout, and diesel offers no safe way
// to its progress handler or to `sqlite3_interrupt`, so the expensive queries call this SQL
// function on every row they visit (see `db::conversations`): it fails the statement once
// the budget of the request running on this thread is spent. The deadline lives in a
// thread-local because a request's database work runs on one blocking thread from start to
// end (`AppState::db`), and a SQLite function runs on the thread that steps the statement.
diesel::define_sql_function! {
    /// SQL `TRUE` while the request's time budget lasts; past it, an error that fails the
    /// statement with [`QUERY_BUDGET_EXCEEDED`]. Registered on every SQLite connection.
    fn hindsight_within_budget() -> Bool;
}

diesel::define_sql_function! {
    /// Whether a conversation's path holds a sequence pattern's regular expression (SQLite
    /// has no regular expressions of its own): see [`crate::sequence::path_matches`].
    /// Registered on every SQLite connection.
    fn hindsight_sequence_match(regex: diesel::sql_types::Text, path: diesel::sql_types::Text) -> Bool;
}

/// What [`hindsight_sequence_match()`] answers: SQL `TRUE` or `FALSE`, or an error that fails
/// the statement.
#[derive(Debug)]
struct SequenceMatch(Result<bool, String>);

impl ToSql<Bool, Sqlite> for SequenceMatch {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        match &self.0 {
            Ok(true) => <bool as ToSql<Bool, Sqlite>>::to_sql(&true, out),
            Ok(false) => <bool as ToSql<Bool, Sqlite>>::to_sql(&false, out),
            Err(e) => Err(format!("hindsight: sequence pattern: {e}").into()),
        }
    }
}

/// What [`hindsight_within_budget()`] answers: SQL `TRUE`, or (past the deadline) an error.
#[derive(Debug)]
struct WithinBudget(bool);

impl WithinBudget {
    fn now() -> WithinBudget {
        WithinBudget(within_deadline())
    }
}

impl ToSql<Bool, Sqlite> for WithinBudget {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        if self.0 {
            <bool as ToSql<Bool, Sqlite>>::to_sql(&true, out)
        } else {
            // diesel hands the message to `sqlite3_result_error`: the statement fails with it.
            Err(QUERY_BUDGET_EXCEEDED.into())
        }
    }
}

/// Registers Hindsight's SQL functions on a newly opened SQLite connection.
pub(super) fn register(conn: &mut SqliteConnection) -> QueryResult<()> {
    hindsight_within_budget_utils::register_nondeterministic_impl(conn, WithinBudget::now)?;
    hindsight_sequence_match_utils::register_impl(conn, |regex: String, path: String| {
        SequenceMatch(crate::sequence::path_matches(&regex, &path))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::db::budget::QueryBudget;
    use crate::db::connection::{DatabaseUrl, DbConnection};

    fn within_budget(conn: &mut DbConnection) -> QueryResult<bool> {
        diesel::select(hindsight_within_budget()).get_result(conn)
    }

    #[test]
    fn a_spent_budget_fails_the_statement_until_it_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("budget.db").display());
        let mut conn = DatabaseUrl::parse(&url).unwrap().connect().unwrap();
        // No budget (the command line): always within.
        assert!(within_budget(&mut conn).unwrap());
        {
            let _budget = QueryBudget::start(Some(Duration::ZERO));
            let err = within_budget(&mut conn).unwrap_err();
            assert!(err.to_string().contains(QUERY_BUDGET_EXCEEDED), "{err}");
            assert!(matches!(
                crate::error::AppError::from(err),
                crate::error::AppError::QueryTimeout(_)
            ));
        }
        // Dropped: the thread's next work (and the same connection) runs free again.
        assert!(within_budget(&mut conn).unwrap());
        let _budget = QueryBudget::start(Some(Duration::from_secs(600)));
        assert!(within_budget(&mut conn).unwrap());
    }
}
