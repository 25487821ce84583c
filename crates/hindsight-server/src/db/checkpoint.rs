//! SQLite's WAL checkpoints, run on a thread of their own.
//!
//! In WAL mode a commit appends the changed pages to the `-wal` file, and a checkpoint copies
//! them back into the database file. By default the connection that commits runs the
//! checkpoint whenever the WAL holds 1,000 pages, so the writer, which every import, broker
//! batch and review waits on, also does the copying and its `fsync`. A draining event broker
//! spent about a tenth of its time there (perf, 100,000 conversations, a 400,000-event
//! backlog: 23,400 events/s with the default, 25,600–27,000 with no checkpoints at all). The
//! [`Checkpointer`] copies from its own connection on the other core while the writer goes on,
//! beside a serving pool ([`super::connection::open_pool_with_timeout`]), whose connections
//! checkpoint themselves only past [`DEFERRED_AUTOCHECKPOINT_PAGES`], a bound on the WAL
//! should the thread fall behind.

use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use diesel::connection::SimpleConnection;

use super::connection::{Backend, DatabaseUrl};

/// How often the thread checkpoints.
const INTERVAL: Duration = Duration::from_millis(250);

/// The WAL size, in pages, at which a pooled connection checkpoints on its own commit while a
/// [`Checkpointer`] runs (SQLite's default is 1,000): 64 MiB of 4 KiB pages.
pub(super) const DEFERRED_AUTOCHECKPOINT_PAGES: u32 = 16_384;

/// A thread that checkpoints a SQLite database's WAL every [`INTERVAL`], until dropped.
#[derive(Debug)]
pub struct Checkpointer {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing `url`'s database; `None` for PostgreSQL, which checkpoints itself.
    pub fn start(url: &DatabaseUrl) -> anyhow::Result<Option<Checkpointer>> {
        if url.backend != Backend::Sqlite {
            return Ok(None);
        }
        // Its own connection, opened here so that a failure is the caller's to report.
        let mut conn = url.connect()?;
        let (stop, stopped) = channel::<()>();
        let thread = std::thread::Builder::new()
            .name("hindsight-checkpoint".into())
            .spawn(move || {
                // Ends when told to or when the handle is gone.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                    // PASSIVE: copies what no reader still needs and waits for nobody; what it
                    // leaves is copied next time.
                    if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE)") {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                    }
                }
            })?;
        Ok(Some(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        }))
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use diesel::connection::SimpleConnection;
    use diesel::sql_types::BigInt;
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Pages {
        #[diesel(sql_type = BigInt)]
        wal_autocheckpoint: i64,
    }

    #[test]
    fn the_thread_copies_the_wal_while_the_writer_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoint.db");
        let url = format!("sqlite://{}", path.display());
        let pool = crate::db::connection::open_pool_with_timeout(&url, 2, None).unwrap();
        let mut conn = pool.get().unwrap();
        let pages: Pages = diesel::sql_query("PRAGMA wal_autocheckpoint")
            .get_result(&mut *conn)
            .unwrap();
        assert_eq!(
            pages.wal_autocheckpoint,
            i64::from(super::DEFERRED_AUTOCHECKPOINT_PAGES)
        );
        // About 2,000 pages: past SQLite's own threshold, short of the pool's, so only the
        // thread copies them into the database file (the connection stays open: closing the
        // last one would checkpoint too).
        conn.batch_execute(
            "CREATE TABLE filler (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL \
             SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO filler SELECT randomblob(4000) FROM n",
        )
        .unwrap();
        let started = Instant::now();
        let copied = loop {
            let len = std::fs::metadata(&path).unwrap().len();
            if len > 2000 * 4000 || started.elapsed().as_secs() > 10 {
                break len;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        assert!(
            copied > 2000 * 4000,
            "the database file holds {copied} bytes"
        );
    }
}
