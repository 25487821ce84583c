//! A Discover run (issue 15) on its own thread: read the likely unhandled messages of the
//! filtered conversations in pages, group them ([`crate::discover`]), describe each group and
//! store the result in one transaction.

use std::collections::{HashMap, HashSet};
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hindsight_types::{ConversationFilter, DiscoverSettings, IntentCount, RepresentativeMessage};

use crate::db::discover::{GroupSummary, NewGroup};
use crate::db::discover_reads::{self, TurnRow};
use crate::db::{self, write_transaction, DbConnection, DbPool};
use crate::discover::candidates::{unhandled, Rules, Turn};
use crate::discover::{self as grouping, text::fold, Params};
use crate::error::{AppError, AppResult};

/// Conversations read per page.
const CONVERSATIONS_PER_PAGE: i64 = 500;
/// Finished runs kept (with their groups): older ones are deleted when a run finishes.
const RUNS_KEPT: i64 = 10;
/// Days of a group's daily counts.
const DAYS: usize = 14;
/// How often a run's thread refreshes its heartbeat (well within
/// [`super::discover::STALE_AFTER`]).
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// What a run needs.
#[derive(Debug, Clone)]
pub struct RunInput {
    /// The run's id.
    pub id: i64,
    /// Its settings.
    pub settings: DiscoverSettings,
    /// The filter its `query` holds.
    pub filter: ConversationFilter,
    /// When it started: the daily counts end here.
    pub started_at: DateTime<Utc>,
}

/// A likely unhandled message.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Its conversation.
    pub conversation_id: i64,
    /// The conversation's sender id.
    pub sender_id: String,
    /// The event's id.
    pub event_id: i64,
    /// Text.
    pub text: String,
    /// Predicted intent.
    pub intent: Option<String>,
    /// Its confidence.
    pub confidence: Option<f64>,
    /// Rasa timestamp.
    pub timestamp: f64,
}

/// Starts the run on a thread of its own, with a second thread refreshing its heartbeat until
/// it ends.
pub fn spawn(pool: DbPool, run: RunInput) -> AppResult<()> {
    std::thread::Builder::new()
        .name(format!("discover-{}", run.id))
        .spawn(move || {
            let id = run.id;
            let (done, ended) = mpsc::channel::<()>();
            let beating = heartbeat(pool.clone(), id, ended);
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| execute(&pool, &run)))
                    .unwrap_or_else(|_| Err(AppError::Internal("the run panicked".into())));
            drop(done);
            if let Ok(beating) = beating {
                let _ = beating.join();
            }
            if let Err(e) = &outcome {
                tracing::error!("discover run {id} failed: {e}");
                // What the run's readers see; the cause stays in the log above.
                let message = e.public_message();
                let failed = pool.get().map_err(AppError::from).and_then(|mut conn| {
                    Ok(db::discover::end_run(
                        &mut conn,
                        id,
                        0,
                        false,
                        Some(&message),
                    )?)
                });
                if let Err(e) = failed {
                    tracing::error!("discover run {id}: recording the failure: {e}");
                }
            }
        })
        .map(drop)
        .map_err(|e| AppError::Internal(format!("starting the discover thread: {e}")))
}

/// Refreshes run `id`'s heartbeat every [`HEARTBEAT_EVERY`] until `ended` closes, taking a
/// pooled connection only for each beat. A beat that fails is logged and the next one tried:
/// only a stale heartbeat (a minute without one) lets another start read the run as failed.
fn heartbeat(
    pool: DbPool,
    id: i64,
    ended: mpsc::Receiver<()>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name(format!("discover-{id}-heartbeat"))
        .spawn(move || {
            while let Err(mpsc::RecvTimeoutError::Timeout) = ended.recv_timeout(HEARTBEAT_EVERY) {
                let beat = pool
                    .get()
                    .map_err(AppError::from)
                    .and_then(|mut conn| Ok(db::discover::beat(&mut conn, id)?));
                match beat {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => tracing::warn!("discover run {id}: heartbeat: {e}"),
                }
            }
        })
}

/// The texts of the saved NLU examples (annotated messages), folded as a group's messages are
/// compared with them: a message whose folded text is here counts as covered.
pub fn covered_texts(conn: &mut DbConnection) -> AppResult<HashSet<String>> {
    let mut texts = HashSet::new();
    discover_reads::annotated_texts(conn, |t| {
        texts.insert(fold(t));
    })?;
    Ok(texts)
}

/// Reads, groups and stores; `Err` leaves the run to be marked failed.
fn execute(pool: &DbPool, run: &RunInput) -> AppResult<()> {
    let started = std::time::Instant::now();
    // A pooled connection is held only while reading and while storing: the grouping (some
    // 12 s at 100,000 candidates) holds none, so the requests keep the whole pool.
    let (candidates, truncated, covered_texts) = {
        let mut conn = pool.get()?;
        let (candidates, truncated) = read_candidates(&mut conn, run)?;
        (candidates, truncated, covered_texts(&mut conn)?)
    };
    let read = started.elapsed();
    let texts: Vec<&str> = candidates.iter().map(|c| c.text.as_str()).collect();
    let min_group_size = run.settings.min_group_size as usize;
    let params = Params {
        min_group_size,
        ..Params::default()
    };
    let groups = grouping::group(&texts, &params);
    let grouped = started.elapsed();
    let new_groups: Vec<NewGroup> = groups
        .iter()
        .map(|g| describe(g, &candidates, &covered_texts, run.started_at))
        .collect::<AppResult<_>>()?;
    let mut conn = pool.get()?;
    write_transaction(&mut conn, |conn| {
        db::discover::insert_groups(conn, run.id, &new_groups)?;
        if !db::discover::end_run(conn, run.id, candidates.len() as i64, truncated, None)? {
            // Read as stale and failed meanwhile: its groups go with the rollback.
            return Err(AppError::Internal(
                "the run was failed as stale before it could store its groups".into(),
            ));
        }
        db::discover::prune(conn, RUNS_KEPT)?;
        Ok::<_, AppError>(())
    })?;
    tracing::info!(
        "discover run {}: {} candidates read in {read:.2?}, {} groups in {:.2?}, stored in {:.2?}",
        run.id,
        candidates.len(),
        new_groups.len(),
        grouped - read,
        started.elapsed() - grouped,
    );
    Ok(())
}

/// The likely unhandled messages of the filtered conversations, newest conversations first,
/// without the dismissed ones; and whether reading stopped at `max_candidates`.
pub fn read_candidates(
    conn: &mut DbConnection,
    run: &RunInput,
) -> AppResult<(Vec<Candidate>, bool)> {
    let s = &run.settings;
    // Both filled in when the run started (`complete_settings`).
    let fallback_actions = s.fallback_actions.as_deref().unwrap_or_default();
    let rules = Rules {
        intents: s.intents.as_deref().unwrap_or_default(),
        below_confidence: s.below_confidence,
        fallback_actions,
        fallback_within_turns: s.fallback_within_turns as usize,
        rephrase_similarity: s.rephrase_similarity,
    };
    let max = s.max_candidates as usize;
    let dismissed = discover_reads::dismissed_events(conn)?;
    let mut out: Vec<Candidate> = Vec::new();
    let mut before = None;
    loop {
        let page =
            discover_reads::conversation_page(conn, &run.filter, before, CONVERSATIONS_PER_PAGE)?;
        let Some((last, _)) = page.last() else {
            return Ok((out, false));
        };
        before = Some(*last);
        let senders: HashMap<i64, &str> = page.iter().map(|(id, s)| (*id, s.as_str())).collect();
        let ids: Vec<i64> = page.iter().map(|(id, _)| *id).collect();
        let rows = discover_reads::turns(conn, &ids, fallback_actions)?;
        for conversation in rows.chunk_by(|a, b| a.conversation_id == b.conversation_id) {
            let turns: Vec<Turn<'_>> = conversation.iter().map(turn).collect();
            for i in unhandled(&turns, &rules) {
                let r = &conversation[i];
                if dismissed.contains(&r.id) {
                    continue;
                }
                out.push(Candidate {
                    conversation_id: r.conversation_id,
                    sender_id: senders
                        .get(&r.conversation_id)
                        .copied()
                        .unwrap_or_default()
                        .to_owned(),
                    event_id: r.id,
                    text: r.text.clone().unwrap_or_default(),
                    intent: r.intent.clone(),
                    confidence: r.confidence,
                    timestamp: r.timestamp,
                });
                if out.len() >= max {
                    return Ok((out, true));
                }
            }
        }
    }
}

fn turn(r: &TurnRow) -> Turn<'_> {
    if r.type_name == "user" {
        Turn::User {
            text: r.text.as_deref().unwrap_or(""),
            intent: r.intent.as_deref(),
            confidence: r.confidence,
        }
    } else {
        Turn::Action(r.name.as_deref().unwrap_or(""))
    }
}

/// A group's stored form: counts, daily trend, intents, coverage, representatives.
fn describe(
    g: &grouping::Group,
    candidates: &[Candidate],
    covered_texts: &HashSet<String>,
    started_at: DateTime<Utc>,
) -> AppResult<NewGroup> {
    let json = |v: serde_json::Value| v.to_string();
    let members: Vec<&Candidate> = g.members.iter().map(|&i| &candidates[i]).collect();
    let senders: HashSet<i64> = members.iter().map(|c| c.conversation_id).collect();
    let end = started_at.timestamp() as f64;
    let mut daily = [0i64; DAYS];
    let mut intents: HashMap<Option<&str>, i64> = HashMap::new();
    let mut covered = 0;
    for c in &members {
        let days_ago = ((end - c.timestamp) / 86_400.0).floor();
        if (0.0..DAYS as f64).contains(&days_ago) {
            daily[DAYS - 1 - days_ago as usize] += 1;
        }
        *intents.entry(c.intent.as_deref()).or_default() += 1;
        if covered_texts.contains(&fold(&c.text)) {
            covered += 1;
        }
    }
    let mut intents: Vec<IntentCount> = intents
        .into_iter()
        .map(|(intent, count)| IntentCount {
            intent: intent.map(str::to_owned),
            count,
        })
        .collect();
    intents.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.intent.cmp(&b.intent)));
    let representatives: Vec<RepresentativeMessage> = g
        .representatives
        .iter()
        .map(|&i| {
            let c = &candidates[i];
            RepresentativeMessage {
                event_id: c.event_id,
                sender_id: c.sender_id.clone(),
                text: c.text.clone(),
                intent: c.intent.clone(),
                confidence: c.confidence,
            }
        })
        .collect();
    let label = if g.terms.is_empty() {
        representatives
            .first()
            .map(|r| r.text.clone())
            .unwrap_or_default()
    } else {
        g.terms.join(" · ")
    };
    Ok(NewGroup {
        summary: GroupSummary {
            label,
            terms: json(serde_json::json!(g.terms)),
            size: members.len() as i64,
            senders: senders.len() as i64,
            daily: json(serde_json::json!(daily)),
            covered,
            intents: json(serde_json::json!(intents)),
            representatives: json(serde_json::json!(representatives)),
        },
        messages: members
            .iter()
            .map(|c| (c.conversation_id, c.event_id))
            .collect(),
    })
}
