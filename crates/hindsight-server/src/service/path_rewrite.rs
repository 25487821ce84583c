//! Writing the sequence filter's paths after an upgrade, while the server serves.
//!
//! A database from before paths were kept, or with paths of an older format, needs every
//! conversation's path written from its events: 52 s at a million conversations on SQLite,
//! 86 s on PostgreSQL. A server that did it before serving would answer nothing meanwhile (and
//! fail its health checks), so a large database is rewritten on a thread of its own, chunk by
//! chunk beside imports and reviewers (pausing between chunks, so it takes about twice as
//! long), and only what reads paths waits: a filter with a
//! sequence pattern and the path explorer answer 503, saying how far the rewrite is.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hindsight_types::ConversationFilter;

use crate::db::{self, DbPool};
use crate::error::{rebuilding, AppResult};

// How long the rewrite waits before trying a chunk again after a failure (the database
// restarting, a conversation deleted under it).
const RETRY_AFTER: Duration = Duration::from_secs(2);

// The least pause between two chunks. SQLite hands its write lock to no one in particular: a
// writer waiting on it polls, sleeping up to 100 ms between tries, so a loop that begins its
// next transaction the moment it commits starves every other writer (a server's own start-up
// writes failed with "database is locked" beside a million-conversation rewrite). Pausing as
// long as the chunk took, and at least this, leaves them at least half the time.
const LEAST_PAUSE: Duration = Duration::from_millis(100);

/// How far the rewrite of stored paths is.
#[derive(Debug, Default)]
pub struct PathRewrite {
    ready: AtomicBool,
    written: AtomicU64,
    total: AtomicU64,
}

impl PathRewrite {
    /// Whether every stored path is of the current format.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Conversations whose paths were written so far, and how many there were to write.
    pub fn progress(&self) -> (u64, u64) {
        (
            self.written.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }

    fn ready() -> Self {
        let rewrite = PathRewrite::default();
        rewrite.ready.store(true, Ordering::Release);
        rewrite
    }
}

/// Brings the stored paths up to date: at once when none need writing or there are at most
/// `before_serving` conversations, else on a thread of its own, whose progress the returned
/// value tells.
pub fn start(pool: &DbPool, before_serving: u64) -> anyhow::Result<Arc<PathRewrite>> {
    let mut conn = pool.get()?;
    if !db::paths::rewrite_needed(&mut conn)? {
        return Ok(Arc::new(PathRewrite::ready()));
    }
    // Trashed ones too: every stored conversation has a path.
    let total: i64 = {
        use diesel::prelude::*;
        db::schema::conversations::table
            .count()
            .get_result(&mut *conn)?
    };
    if total as u64 <= before_serving {
        db::paths::backfill(&mut conn)?;
        return Ok(Arc::new(PathRewrite::ready()));
    }
    drop(conn);
    let rewrite = Arc::new(PathRewrite::default());
    rewrite.total.store(total as u64, Ordering::Relaxed);
    tracing::info!(
        conversations = total,
        "writing the sequence filter's path of every stored conversation in the background; \
         sequence filters and the path explorer answer 503 until it is done"
    );
    let pool = pool.clone();
    let progress = rewrite.clone();
    std::thread::Builder::new()
        .name("path-rewrite".into())
        .spawn(move || rewrite_all(&pool, &progress))?;
    Ok(rewrite)
}

fn rewrite_all(pool: &DbPool, progress: &PathRewrite) {
    let mut after = 0i64;
    loop {
        // One connection per chunk, handed back between them: the pool is the requests' too.
        let began = Instant::now();
        let step =
            pool.get().map_err(|e| e.to_string()).and_then(
                |mut conn| match db::paths::rewrite_chunk(&mut conn, after) {
                    Ok(Some(done)) => Ok(Some(done)),
                    Ok(None) => db::paths::rewrite_done(&mut conn)
                        .map(|()| None)
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                },
            );
        match step {
            Ok(Some((last, n))) => {
                after = last;
                let written = progress.written.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
                if written % 100_000 < n as u64 {
                    tracing::info!(written, "conversation paths written so far");
                }
                std::thread::sleep(began.elapsed().max(LEAST_PAUSE));
            }
            Ok(None) => {
                progress.ready.store(true, Ordering::Release);
                let (written, _) = progress.progress();
                tracing::info!(
                    written,
                    "conversation paths written; sequence filters answer"
                );
                return;
            }
            Err(cause) => {
                tracing::warn!(%cause, after, "writing conversation paths: trying again shortly");
                std::thread::sleep(RETRY_AFTER);
            }
        }
    }
}

/// 503 for a filter with a sequence pattern while the paths are being written.
pub fn require_paths_for(rewrite: &PathRewrite, filter: &ConversationFilter) -> AppResult<()> {
    match filter.sequence {
        Some(_) => require_paths(rewrite, Some("seq")),
        None => Ok(()),
    }
}

/// 503 while the paths are being written (the path explorer reads them whatever the filter).
pub fn require_paths(rewrite: &PathRewrite, field: Option<&str>) -> AppResult<()> {
    if rewrite.is_ready() {
        return Ok(());
    }
    let (written, total) = rewrite.progress();
    Err(rebuilding(
        field,
        format!(
            "the conversations' paths are being written after an upgrade ({written} of \
             {total} done); sequence filters and the path explorer answer once they are — \
             try again in a minute"
        ),
    ))
}
