//! The time budget of a request's database work: a deadline per thread that SQLite's
//! queries check as they go and PostgreSQL's `statement_timeout` enforces, and [`within`], a
//! shorter budget for one piece of work that may end without an answer.

use std::cell::Cell;
use std::time::{Duration, Instant};

use diesel::prelude::*;

use super::connection::DbConnection;

/// The message of the error a SQLite query fails with when it runs past the request's time
/// budget; [`crate::error`] answers it as a 503 `query_timeout`.
pub const QUERY_BUDGET_EXCEEDED: &str = "hindsight: query budget exceeded";

thread_local! {
    /// When the database work running on this thread must stop; `None`: no budget (the
    /// command line, the bench, start-up).
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// The time budget of one request's database work on this thread, from [`QueryBudget::start`]
/// until it is dropped.
#[derive(Debug)]
#[must_use = "the budget ends when this guard is dropped"]
pub struct QueryBudget {
    previous: Option<Instant>,
}

impl QueryBudget {
    /// Gives the database work that follows on this thread `limit` (none: no limit).
    pub fn start(limit: Option<Duration>) -> QueryBudget {
        let deadline = limit.map(|l| Instant::now() + l);
        QueryBudget {
            previous: DEADLINE.replace(deadline),
        }
    }

    /// Gives the database work that follows on this thread the deadline another thread's
    /// work has ([`deadline`]): work handed to a second thread keeps its request's budget.
    pub(super) fn until(deadline: Option<Instant>) -> QueryBudget {
        QueryBudget {
            previous: DEADLINE.replace(deadline),
        }
    }
}

/// When the database work running on this thread must stop (`None`: no budget).
pub(super) fn deadline() -> Option<Instant> {
    DEADLINE.get()
}

impl Drop for QueryBudget {
    fn drop(&mut self) {
        // A panic in the work unwinds through here too: the thread's next job starts clean.
        DEADLINE.set(self.previous);
    }
}

/// Runs `work` with at most `limit` of time (less if the request's own budget ends sooner):
/// `Ok(None)` when it ran out, so the caller can answer another way.
pub fn within<T>(
    conn: &mut DbConnection,
    limit: Duration,
    work: impl FnOnce(&mut DbConnection) -> QueryResult<T>,
) -> QueryResult<Option<T>> {
    // The thread's deadline: what SQLite's budget function checks, and work done between
    // statements (a count testing paths in this process) on either backend.
    let deadline = Instant::now() + limit;
    let sooner = DEADLINE.get().map_or(deadline, |d| d.min(deadline));
    let _budget = QueryBudget {
        previous: DEADLINE.replace(Some(sooner)),
    };
    // Each backend bounds a statement its own way: SQLite by the budget function the filter's
    // queries call, PostgreSQL by `statement_timeout`, set for one transaction only.
    let result = match conn {
        DbConnection::Sqlite(_) => work(conn),
        DbConnection::Pg(_) => conn.transaction(|conn| {
            let ms = limit.as_millis().max(1);
            diesel::sql_query(format!("SET LOCAL statement_timeout = {ms}")).execute(conn)?;
            work(conn)
        }),
    };
    match result {
        Ok(answer) => Ok(Some(answer)),
        Err(e) if ran_out_of(&e, deadline) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether `error` ended work whose time budget ended at `deadline`.
///
/// Besides a timeout by name, a statement PostgreSQL cancels "due to user request" once the
/// deadline has passed: when `statement_timeout` fires as a statement ends, PostgreSQL turns
/// the timer off but keeps the cancel pending, and raises it in the transaction's next
/// statement under that name. Tab counts with budgets of 0–2 ms on six threads met it 7 times
/// in 2,400 counts (both cores busy), each a 500 until it was taken for the budget's end.
fn ran_out_of(error: &diesel::result::Error, deadline: Instant) -> bool {
    let diesel::result::Error::DatabaseError(_, info) = error else {
        return false;
    };
    let message = info.message();
    is_timeout(message)
        || (message.starts_with("canceling statement due to user request")
            && Instant::now() >= deadline)
}

/// Whether the database work on this thread is still within its request's time budget
/// (always, when it has none).
pub(super) fn within_deadline() -> bool {
    DEADLINE.get().is_none_or(|d| Instant::now() < d)
}

/// Whether a database message says the statement ran out of its time budget: PostgreSQL's
/// `statement_timeout`, or SQLite's interruption by the budget check
/// ([`QUERY_BUDGET_EXCEEDED`]).
pub fn is_timeout(message: &str) -> bool {
    message.contains("statement timeout")
        || message.contains(QUERY_BUDGET_EXCEEDED)
        || message == "interrupted"
}
