//! Announcing changed conversations and comments to this process's live streams.
//!
//! Every ingest reports the conversations it created or updated, and every comment written,
//! edited or deleted is reported too. On SQLite the process that
//! stored them announces them itself after the commit. On PostgreSQL the ingest transaction
//! sends them with `NOTIFY` ([`crate::db::changes`]), and each server process listens and
//! hands what arrives to its streams: clients of every process see events stored by any
//! process (another server, a `hindsight consume`), and only once committed.

use std::sync::Arc;
use std::time::Duration;

use hindsight_types::{CommentChange, ConversationChange, StreamEvent};
use tokio::sync::broadcast;

use crate::db::Backend;

/// Changes waiting for a slow stream before it is told to reload (`lagged`).
const CAPACITY: usize = 4096;

/// The process's feed of changed conversations and comments.
#[derive(Clone)]
pub struct ChangeFeed {
    tx: broadcast::Sender<Arc<StreamEvent>>,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        ChangeFeed {
            tx: broadcast::channel(CAPACITY).0,
        }
    }
}

impl ChangeFeed {
    /// A receiver of every change announced from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StreamEvent>> {
        self.tx.subscribe()
    }

    /// Hands changes to the streams open in this process.
    pub fn publish(&self, changes: impl IntoIterator<Item = ConversationChange>) {
        for change in changes {
            // No stream open: nobody to tell.
            let _ = self.tx.send(Arc::new(StreamEvent::Conversation(change)));
        }
    }

    /// After a commit: announces a comment's change in this process, unless the database
    /// delivers it to every process (PostgreSQL's `NOTIFY`, sent in the transaction).
    pub fn comment_committed(&self, backend: Backend, change: CommentChange) {
        if backend == Backend::Sqlite {
            let _ = self.tx.send(Arc::new(StreamEvent::Comment(change)));
        }
    }

    /// After a commit: announces `changes` in this process, unless the database delivers
    /// them to every process (PostgreSQL's `NOTIFY`, sent in the transaction).
    pub fn committed(&self, backend: Backend, changes: Vec<ConversationChange>) {
        if backend == Backend::Sqlite {
            self.publish(changes);
        }
    }

    /// On PostgreSQL: starts the thread that listens for other transactions' changes and
    /// publishes them here, reconnecting when the database goes away, and waits (a few
    /// seconds at most) until it listens, so that no change committed after the server
    /// started is missed. It ends when the feed is dropped.
    pub fn listen(&self, backend: Backend, database_url: &str) {
        if backend != Backend::Postgres {
            return;
        }
        let weak = self.tx.downgrade();
        let url = database_url.to_owned();
        let (ready_tx, ready) = std::sync::mpsc::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("hindsight-listen".into())
            .spawn(move || {
                let mut backoff = Duration::from_millis(200);
                while weak.strong_count() > 0 {
                    let mut listening = || {
                        let _ = ready_tx.send(());
                    };
                    match crate::db::changes::listen(&url, &mut listening, &mut |changes| {
                        let Some(tx) = weak.upgrade() else {
                            return false;
                        };
                        for event in changes {
                            let _ = tx.send(Arc::new(event));
                        }
                        true
                    }) {
                        Ok(()) => return,
                        Err(e) => {
                            tracing::warn!(error = %e, "listening for changes failed; retrying");
                            std::thread::sleep(backoff);
                            backoff = (backoff * 2).min(Duration::from_secs(5));
                        }
                    }
                }
            });
        match spawned {
            Ok(_) => {
                if ready.recv_timeout(Duration::from_secs(5)).is_err() {
                    tracing::warn!("the change listener is not listening yet");
                }
            }
            Err(e) => tracing::error!(error = %e, "could not start the change listener"),
        }
    }
}
