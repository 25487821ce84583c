//! Discover's runs and groups (issue 15), as stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    discover_dismissed, discover_group_messages, discover_groups, discover_runs, events,
};
use super::DbConnection;

/// A run as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = discover_runs)]
pub struct RunRow {
    /// Id.
    pub id: i64,
    /// `running`, `finished` or `failed`.
    pub state: String,
    /// The settings as JSON.
    pub settings: String,
    /// Who started it.
    pub started_by: String,
    /// When.
    pub started_at: NaiveDateTime,
    /// When it ended.
    pub finished_at: Option<NaiveDateTime>,
    /// Candidates read.
    pub candidates: i64,
    /// Whether reading stopped at the settings' maximum.
    pub truncated: bool,
    /// Why it failed.
    pub error: Option<String>,
    /// When its thread last said it was alive (while `running`).
    pub heartbeat_at: Option<NaiveDateTime>,
    /// Whether the refresher started it (not a person).
    pub automatic: bool,
    /// The newest event's id when it started (`None`: there was none, or the run is older
    /// than the column).
    pub events_through: Option<i64>,
}

/// What a group says about its messages, as stored (the JSON columns as text): written
/// once by its run, read back by the API.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = discover_groups)]
pub struct GroupSummary {
    /// Label.
    pub label: String,
    /// JSON array of terms.
    pub terms: String,
    /// Messages.
    pub size: i64,
    /// Distinct conversations.
    pub senders: i64,
    /// JSON array of 14 daily counts, oldest first.
    pub daily: String,
    /// Messages already annotated.
    pub covered: i64,
    /// JSON array of `IntentCount`.
    pub intents: String,
    /// JSON array of `RepresentativeMessage`.
    pub representatives: String,
}

/// A group as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = discover_groups)]
pub struct GroupRow {
    /// Id.
    pub id: i64,
    /// Its run.
    pub run_id: i64,
    /// What it says.
    #[diesel(embed)]
    pub summary: GroupSummary,
    /// `known` or `noise` once dismissed.
    pub dismissed: Option<String>,
    /// Who dismissed it.
    pub dismissed_by: Option<String>,
    /// When.
    pub dismissed_at: Option<NaiveDateTime>,
}

/// A group to store, with its messages `(conversation id, event id)`.
#[derive(Debug, Clone)]
pub struct NewGroup {
    /// What it says.
    pub summary: GroupSummary,
    /// Its messages.
    pub messages: Vec<(i64, i64)>,
}

/// Starts a run started `by` someone or, `automatic`, by the refresher, noting the newest
/// event's id; returns it. A second `running` row is a unique violation (the partial index
/// `discover_runs_one_running`).
pub fn insert_run(
    conn: &mut DbConnection,
    settings: &str,
    by: &str,
    automatic: bool,
) -> QueryResult<RunRow> {
    let now = chrono::Utc::now().naive_utc();
    let events_through: Option<i64> = events::table
        .select(diesel::dsl::max(events::id))
        .get_result(conn)?;
    let id: i64 = diesel::insert_into(discover_runs::table)
        .values((
            discover_runs::state.eq("running"),
            discover_runs::settings.eq(settings),
            discover_runs::started_by.eq(by),
            discover_runs::started_at.eq(now),
            discover_runs::heartbeat_at.eq(now),
            discover_runs::automatic.eq(automatic),
            discover_runs::events_through.eq(events_through),
        ))
        .returning(discover_runs::id)
        .get_result(conn)?;
    get_run(conn, id).map(|r| r.expect("just inserted"))
}

/// The run `id`.
pub fn get_run(conn: &mut DbConnection, id: i64) -> QueryResult<Option<RunRow>> {
    discover_runs::table
        .find(id)
        .select(RunRow::as_select())
        .first(conn)
        .optional()
}

/// The newest run in `state`.
pub fn latest_in(conn: &mut DbConnection, state: &str) -> QueryResult<Option<RunRow>> {
    discover_runs::table
        .filter(discover_runs::state.eq(state))
        .order(discover_runs::id.desc())
        .select(RunRow::as_select())
        .first(conn)
        .optional()
}

/// Whether an event was stored after the event `through` (any event, for `None`): one probe
/// of the events' primary key on both backends.
pub fn events_after(conn: &mut DbConnection, through: Option<i64>) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        events::table
            .filter(events::id.gt(through.unwrap_or(i64::MIN)))
            .select(events::id),
    ))
    .get_result(conn)
}

/// The run in state `running`, if any (at most one: the partial unique index), fresh or
/// stale.
pub fn running(conn: &mut DbConnection) -> QueryResult<Option<RunRow>> {
    latest_in(conn, "running")
}

/// Marks the runs still `running` whose heartbeat is older than `before` (their server
/// stopped) as failed with `error`, ended at their last heartbeat.
pub fn fail_stale(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    error: &str,
) -> QueryResult<usize> {
    diesel::update(
        discover_runs::table
            .filter(discover_runs::state.eq("running"))
            .filter(
                discover_runs::heartbeat_at
                    .lt(before)
                    .or(discover_runs::heartbeat_at.is_null()),
            ),
    )
    .set((
        discover_runs::state.eq("failed"),
        discover_runs::error.eq(error),
        discover_runs::finished_at.eq(discover_runs::heartbeat_at),
    ))
    .execute(conn)
}

/// Refreshes the heartbeat of run `id`; false when it is no longer `running` (it ended, or
/// was read as stale and failed by another start).
pub fn beat(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    diesel::update(
        discover_runs::table
            .find(id)
            .filter(discover_runs::state.eq("running")),
    )
    .set(discover_runs::heartbeat_at.eq(chrono::Utc::now().naive_utc()))
    .execute(conn)
    .map(|n| n == 1)
}

/// Ends a run still `running`: `finished` with its counts, or `failed` with `error`; false
/// when it was not running any more (failed as stale meanwhile).
pub fn end_run(
    conn: &mut DbConnection,
    id: i64,
    candidates: i64,
    truncated: bool,
    error: Option<&str>,
) -> QueryResult<bool> {
    diesel::update(
        discover_runs::table
            .find(id)
            .filter(discover_runs::state.eq("running")),
    )
    .set((
        discover_runs::state.eq(if error.is_some() {
            "failed"
        } else {
            "finished"
        }),
        discover_runs::finished_at.eq(chrono::Utc::now().naive_utc()),
        discover_runs::candidates.eq(candidates),
        discover_runs::truncated.eq(truncated),
        discover_runs::error.eq(error),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Rows of a multi-row insert of group messages (3 columns, under SQLite's 32,766
/// parameters).
const MESSAGE_ROWS_PER_INSERT: usize = 10_000;

/// Stores a run's groups and their messages.
pub fn insert_groups(conn: &mut DbConnection, run_id: i64, groups: &[NewGroup]) -> QueryResult<()> {
    for g in groups {
        let id: i64 = diesel::insert_into(discover_groups::table)
            .values((discover_groups::run_id.eq(run_id), &g.summary))
            .returning(discover_groups::id)
            .get_result(conn)?;
        for chunk in g.messages.chunks(MESSAGE_ROWS_PER_INSERT) {
            let rows: Vec<_> = chunk
                .iter()
                .map(|&(conversation, event)| {
                    (
                        discover_group_messages::group_id.eq(id),
                        discover_group_messages::conversation_id.eq(conversation),
                        discover_group_messages::event_id.eq(event),
                    )
                })
                .collect();
            on_each_backend!(conn, |c| diesel::insert_into(
                discover_group_messages::table
            )
            .values(&rows)
            .execute(c))?;
        }
    }
    Ok(())
}

/// Deletes the ended runs older than the newest `keep` finished ones (their groups and
/// messages go with them; dismissals stay).
pub fn prune(conn: &mut DbConnection, keep: i64) -> QueryResult<usize> {
    let oldest_kept: Option<i64> = discover_runs::table
        .filter(discover_runs::state.eq("finished"))
        .order(discover_runs::id.desc())
        .offset(keep - 1)
        .select(discover_runs::id)
        .first(conn)
        .optional()?;
    match oldest_kept {
        Some(oldest) => diesel::delete(
            discover_runs::table
                .filter(discover_runs::id.lt(oldest))
                .filter(discover_runs::state.ne("running")),
        )
        .execute(conn),
        None => Ok(0),
    }
}

/// The groups of run `run_id`.
pub fn groups_of(conn: &mut DbConnection, run_id: i64) -> QueryResult<Vec<GroupRow>> {
    discover_groups::table
        .filter(discover_groups::run_id.eq(run_id))
        .order(discover_groups::id)
        .select(GroupRow::as_select())
        .load(conn)
}

/// The group `id`.
pub fn get_group(conn: &mut DbConnection, id: i64) -> QueryResult<Option<GroupRow>> {
    discover_groups::table
        .find(id)
        .select(GroupRow::as_select())
        .first(conn)
        .optional()
}

/// Dismisses group `id` for `reason`: marks it, and keeps its messages out of later runs.
pub fn dismiss(conn: &mut DbConnection, id: i64, reason: &str, by: &str) -> QueryResult<()> {
    diesel::update(discover_groups::table.find(id))
        .set((
            discover_groups::dismissed.eq(reason),
            discover_groups::dismissed_by.eq(by),
            discover_groups::dismissed_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    let mut after = i64::MIN;
    loop {
        let events: Vec<i64> = discover_group_messages::table
            .filter(discover_group_messages::group_id.eq(id))
            .filter(discover_group_messages::event_id.gt(after))
            .order(discover_group_messages::event_id)
            .limit(MESSAGE_ROWS_PER_INSERT as i64)
            .select(discover_group_messages::event_id)
            .load(conn)?;
        let Some(&last) = events.last() else {
            return Ok(());
        };
        after = last;
        let rows: Vec<_> = events
            .iter()
            .map(|&e| {
                (
                    discover_dismissed::event_id.eq(e),
                    discover_dismissed::group_id.eq(id),
                    discover_dismissed::reason.eq(reason),
                )
            })
            .collect();
        // A message dismissed before (with a group of an earlier run) keeps that dismissal;
        // upserts are spelled per backend by diesel.
        on_each_backend!(conn, |c| diesel::insert_into(discover_dismissed::table)
            .values(&rows)
            .on_conflict_do_nothing()
            .execute(c))?;
    }
}
