//! Discover (issue 15): starting runs, reading their result, dismissing groups.
//!
//! A run reads and groups on a thread of its own ([`super::discover_run`]), never on an
//! actix worker or the blocking pool, and one at a time per database (however many servers
//! share it): the database holds at most one `running` row, which its thread keeps alive with
//! a heartbeat, and a second start is a 409 naming it. A run whose heartbeat is stale reads as
//! failed at once and does not block a new one. Reviewers (the role that edits training data)
//! start runs and dismiss groups; viewers read.

use actix_web::http::StatusCode;
use chrono::{NaiveDateTime, TimeDelta, Utc};
use hindsight_types::names::checked_names;
use hindsight_types::{
    ConversationFilter, DiscoverGroup, DiscoverResult, DiscoverRun, DiscoverRunState,
    DiscoverSettings, DismissInput, Dismissal, IntentCount, RepresentativeMessage,
};
use serde_json::json;

use crate::app::AppState;
use crate::auth::{AuthUser, Role};
use crate::db::audit::{self, Change};
use crate::db::discover::{GroupRow, RunRow};
use crate::db::{self, write_transaction, DbConnection};
use crate::error::{bad_request, conflict, not_found, AppError, AppResult};

/// A `running` run whose heartbeat is older than this has lost its server. The thread beats
/// every [`super::discover_run::HEARTBEAT_EVERY`] (5 s), but a beat may wait up to 5 s for a
/// pooled connection and 10 s for SQLite's write lock (`busy_timeout`) on a busy machine, so a
/// few missed beats must not read as death; a minute is still a short wait before the next
/// run after a crash. Servers sharing a database must have clocks agreeing well within it.
pub const STALE_AFTER: TimeDelta = TimeDelta::seconds(60);

/// What readers see of a run whose server stopped.
pub const SERVER_STOPPED: &str = "the server stopped during the run";

/// Heartbeats before this are stale.
fn stale_before() -> NaiveDateTime {
    Utc::now().naive_utc() - STALE_AFTER
}

/// Whether `row` is `running` with a fresh heartbeat.
fn is_alive(row: &RunRow, stale_before: NaiveDateTime) -> bool {
    row.state == DiscoverRunState::Running.as_str()
        && row.heartbeat_at.is_some_and(|t| t >= stale_before)
}

fn under_way(id: i64) -> AppError {
    conflict(
        "run",
        format!(
            "discover run {id} is under way: wait for it to finish (GET /api/discover/runs/{id})"
        ),
    )
}

fn check_share(field: &str, value: f64) -> AppResult<()> {
    if !(0.0..=1.0).contains(&value) {
        return Err(bad_request(
            field,
            format!("`{field}` must be between 0 and 1, got {value}"),
        ));
    }
    Ok(())
}

fn check_range(field: &str, value: i64, range: std::ops::RangeInclusive<i64>) -> AppResult<()> {
    if !range.contains(&value) {
        return Err(bad_request(
            field,
            format!(
                "`{field}` must be between {} and {}, got {value}",
                range.start(),
                range.end()
            ),
        ));
    }
    Ok(())
}

/// Checks a run's settings, trimming its names and dropping repeats (the check of every list
/// of names, [`hindsight_types::names::checked_names`]); returns the filter its `query` holds.
pub fn check_settings(s: &mut DiscoverSettings) -> AppResult<ConversationFilter> {
    let filter = ConversationFilter::from_query(&s.query)
        .map_err(|e| bad_request("query", format!("`query`: {}", e.message)))?;
    let names = |field, list: Option<Vec<String>>| {
        list.map(|l| {
            checked_names(field, l).map_err(|(field, message)| bad_request(field, message))
        })
        .transpose()
    };
    s.intents = names("intents", s.intents.take())?;
    s.fallback_actions = names("fallback_actions", s.fallback_actions.take())?;
    check_share("below_confidence", s.below_confidence)?;
    check_share("rephrase_similarity", s.rephrase_similarity)?;
    check_range("fallback_within_turns", s.fallback_within_turns, 0..=10)?;
    check_range("min_group_size", s.min_group_size, 2..=1_000)?;
    check_range("max_candidates", s.max_candidates, 1..=200_000)?;
    Ok(filter)
}

/// Fills the names a run's settings leave out with the path explorer's fallbacks (one list
/// of what counts as a fallback), then refuses settings whose every rule is off.
fn complete_settings(conn: &mut DbConnection, s: &mut DiscoverSettings) -> AppResult<()> {
    if s.intents.is_none() || s.fallback_actions.is_none() {
        let fallbacks = super::paths::stored_settings(conn)?;
        s.intents.get_or_insert(fallbacks.fallback_intents);
        s.fallback_actions.get_or_insert(fallbacks.fallback_actions);
    }
    let none = |l: &Option<Vec<String>>| l.as_ref().is_none_or(Vec::is_empty);
    let fallback_on = s.fallback_within_turns > 0 && !none(&s.fallback_actions);
    if none(&s.intents) && s.below_confidence == 0.0 && !fallback_on && s.rephrase_similarity == 0.0
    {
        return Err(bad_request(
            "intents",
            "every rule is off: name intents, or set below_confidence, fallback_actions with \
             fallback_within_turns, or rephrase_similarity",
        ));
    }
    Ok(())
}

/// A stored run for the API; a `running` one with a stale heartbeat reads as failed (its
/// server stopped), ended at its last heartbeat.
pub fn run_to_api(mut row: RunRow) -> AppResult<DiscoverRun> {
    if row.state == DiscoverRunState::Running.as_str() && !is_alive(&row, stale_before()) {
        row.state = DiscoverRunState::Failed.as_str().to_owned();
        row.error = Some(SERVER_STOPPED.to_owned());
        row.finished_at = row.heartbeat_at;
    }
    let internal = |e: String| AppError::Internal(format!("discover run {}: {e}", row.id));
    Ok(DiscoverRun {
        id: row.id,
        state: row
            .state
            .parse()
            .map_err(|()| internal(format!("state `{}`", row.state)))?,
        settings: serde_json::from_str(&row.settings).map_err(|e| internal(e.to_string()))?,
        started_by: row.started_by,
        automatic: row.automatic,
        started_at: row.started_at.and_utc(),
        finished_at: row.finished_at.map(|t| t.and_utc()),
        candidates: row.candidates,
        truncated: row.truncated,
        error: row.error,
    })
}

/// A stored group for the API.
pub fn group_to_api(row: GroupRow) -> AppResult<DiscoverGroup> {
    let internal =
        |e: serde_json::Error| AppError::Internal(format!("discover group {}: {e}", row.id));
    let daily: Vec<i64> = serde_json::from_str(&row.summary.daily).map_err(internal)?;
    let previous_7_days: i64 = daily.iter().take(7).sum();
    let last_7_days: i64 = daily.iter().skip(7).sum();
    let intents: Vec<IntentCount> = serde_json::from_str(&row.summary.intents).map_err(internal)?;
    let representatives: Vec<RepresentativeMessage> =
        serde_json::from_str(&row.summary.representatives).map_err(internal)?;
    let dismissed = match (&row.dismissed, &row.dismissed_by, row.dismissed_at) {
        (Some(reason), Some(by), Some(at)) => Some(Dismissal {
            reason: serde_json::from_value(json!(reason)).map_err(internal)?,
            by: by.clone(),
            at: at.and_utc(),
        }),
        _ => None,
    };
    Ok(DiscoverGroup {
        id: row.id,
        label: row.summary.label,
        terms: serde_json::from_str(&row.summary.terms).map_err(internal)?,
        size: row.summary.size,
        senders: row.summary.senders,
        score: row.summary.size as f64 * (last_7_days as f64 + 1.0)
            / (previous_7_days as f64 + 1.0),
        daily,
        last_7_days,
        previous_7_days,
        covered: row.summary.covered,
        covered_share: if row.summary.size > 0 {
            row.summary.covered as f64 / row.summary.size as f64
        } else {
            0.0
        },
        intents,
        representatives,
        inbox_query: format!("discover_group={}", row.id),
        dismissed,
    })
}

/// Who starts a run.
#[derive(Debug, Clone)]
pub enum StartedBy {
    /// A person or API token (its name).
    Caller(String),
    /// The server's refresher ([`super::discover_refresh`]).
    Refresher,
}

/// The `started_by` of the runs the refresher starts, and the actor of their audit rows.
pub const REFRESHER: &str = "refresh";

impl StartedBy {
    fn name(&self) -> &str {
        match self {
            StartedBy::Caller(name) => name,
            StartedBy::Refresher => REFRESHER,
        }
    }
}

/// Starts a run with `settings` on a thread of its own (202): reviewer or above; 409 naming
/// the run under way when there is one, whichever server started it.
pub async fn start_run(
    state: &AppState,
    caller: AuthUser,
    settings: AppResult<DiscoverSettings>,
) -> AppResult<DiscoverRun> {
    caller.require(Role::Reviewer)?;
    begin(state, StartedBy::Caller(caller.name), settings?).await
}

/// Starts a run for `by`, who may (the caller checked): validates and completes `settings`,
/// stores the run and its audit row in one transaction, and spawns its thread. The one start
/// path of the HTTP route and the refresher, so both obey the same one-run-at-a-time rule:
/// 409 naming the run under way.
pub async fn begin(
    state: &AppState,
    by: StartedBy,
    mut settings: DiscoverSettings,
) -> AppResult<DiscoverRun> {
    let filter = check_settings(&mut settings)?;
    super::path_rewrite::require_paths_for(&state.path_rewrite, &filter)?;
    let pool = state.pool.clone();
    state
        .db(move |conn| {
            complete_settings(conn, &mut settings)?;
            let text =
                serde_json::to_string(&settings).map_err(|e| AppError::Internal(e.to_string()))?;
            // Refused without taking the write lock while a run is under way.
            if let Some(row) = db::discover::running(conn)?.filter(|r| is_alive(r, stale_before()))
            {
                return Err(under_way(row.id));
            }
            let stored = write_transaction(conn, |conn| {
                db::discover::fail_stale(conn, stale_before(), SERVER_STOPPED)?;
                if let Some(row) = db::discover::running(conn)? {
                    return Err(under_way(row.id));
                }
                let automatic = matches!(by, StartedBy::Refresher);
                let row = db::discover::insert_run(conn, &text, by.name(), automatic)?;
                audit::record(
                    conn,
                    Change {
                        actor: by.name(),
                        action: "discover_run_started",
                        conversation: None,
                        target: Some(format!("discover run {}", row.id)),
                        before: None,
                        after: Some(json!(settings)),
                    },
                )?;
                Ok::<_, AppError>(row)
            });
            let row = match stored {
                Ok(row) => row,
                // Another server stored its run between our check and our insert (PostgreSQL:
                // the partial unique index); name that run.
                Err(AppError::Client(StatusCode::CONFLICT, _)) => {
                    return Err(match db::discover::running(conn)? {
                        Some(row) => under_way(row.id),
                        None => conflict("run", "another discover run started at the same time"),
                    });
                }
                Err(e) => return Err(e),
            };
            let run = super::discover_run::RunInput {
                id: row.id,
                settings,
                filter,
                started_at: row.started_at.and_utc(),
            };
            if let Err(e) = super::discover_run::spawn(pool, run) {
                db::discover::end_run(conn, row.id, 0, false, Some(&e.public_message()))?;
                return Err(e);
            }
            run_to_api(row)
        })
        .await
}

/// The run `id`: viewer or above.
pub async fn get_run(state: &AppState, caller: AuthUser, id: i64) -> AppResult<DiscoverRun> {
    caller.require(Role::Viewer)?;
    state
        .db(move |conn| {
            let row = db::discover::get_run(conn, id)?
                .ok_or_else(|| not_found(format!("discover run {id}")))?;
            run_to_api(row)
        })
        .await
}

/// The latest finished run with its groups (highest score first) and the run under way:
/// viewer or above.
pub async fn latest(state: &AppState, caller: AuthUser) -> AppResult<DiscoverResult> {
    caller.require(Role::Viewer)?;
    let refresh_every_secs = state.config.discover_refresh().map(|d| d.as_secs());
    state
        .db(move |conn| {
            let finished = db::discover::latest_in(conn, DiscoverRunState::Finished.as_str())?;
            let running = db::discover::running(conn)?
                .filter(|r| is_alive(r, stale_before()))
                .map(run_to_api)
                .transpose()?;
            let Some(row) = finished else {
                return Ok(DiscoverResult {
                    run: None,
                    age_seconds: None,
                    groups: Vec::new(),
                    running,
                    refresh_every_secs,
                });
            };
            let mut groups = db::discover::groups_of(conn, row.id)?
                .into_iter()
                .map(group_to_api)
                .collect::<AppResult<Vec<_>>>()?;
            groups.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
            let run = run_to_api(row)?;
            let age = run
                .finished_at
                .map(|t| (Utc::now() - t).num_seconds().max(0));
            Ok(DiscoverResult {
                run: Some(run),
                age_seconds: age,
                groups,
                running,
                refresh_every_secs,
            })
        })
        .await
}

/// Dismisses a group (`known` or `noise`): its messages stay out of later runs. Reviewer or
/// above; audited.
pub async fn dismiss(
    state: &AppState,
    caller: AuthUser,
    id: i64,
    input: AppResult<DismissInput>,
) -> AppResult<DiscoverGroup> {
    caller.require(Role::Reviewer)?;
    let reason = input?.reason;
    state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let before = db::discover::get_group(conn, id)?
                    .ok_or_else(|| not_found(format!("discover group {id}")))?;
                db::discover::dismiss(conn, id, reason.as_str(), &caller.name)?;
                let after = db::discover::get_group(conn, id)?
                    .ok_or_else(|| not_found(format!("discover group {id}")))?;
                audit::record(
                    conn,
                    Change {
                        actor: &caller.name,
                        action: "discover_group_dismissed",
                        conversation: None,
                        target: Some(format!("discover group {id}")),
                        before: Some(json!({"label": before.summary.label, "size": before.summary.size, "dismissed": before.dismissed})),
                        after: Some(json!({"label": after.summary.label, "size": after.summary.size, "dismissed": after.dismissed})),
                    },
                )?;
                group_to_api(after)
            })
        })
        .await
}
