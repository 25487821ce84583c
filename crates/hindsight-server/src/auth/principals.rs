//! A moment's memory of whom a credential belongs to: the users or API-token row behind a
//! bearer token is read at most once per [`REMEMBER_FOR`] instead of on every request.
//!
//! Why: that row was one of a page's round trips to the database, and the cost that kept
//! PostgreSQL under its pages-per-second target (issue 12). What it must not cost: a change
//! to who may do what (a role, a removal, a password, a revoked token) made through this
//! server forgets every remembered principal before its answer is sent ([`Principals::forget_all`]);
//! one made by another process on the same database — a second server, the `hindsight user`
//! command — applies within [`REMEMBER_FOR`]. Unknown credentials are never remembered, so a
//! new user or token works at once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moka::sync::Cache;

/// How long a looked-up row is trusted without reading it again.
pub const REMEMBER_FOR: Duration = Duration::from_secs(2);

// Enough for every user and token of a large team; beyond it moka evicts the least used.
const CAPACITY: u64 = 10_000;

/// What a credential was found to be, as the database said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A user, for a login token: what the token's claims are checked against.
    User {
        /// Row id (a user removed and created again has a new one).
        id: i64,
        /// Login name.
        username: String,
        /// Role spelling.
        role: String,
        /// Password generation.
        login_generation: i64,
    },
    /// An API token: its name and role spelling.
    Token {
        /// The token's name.
        name: String,
        /// Role spelling.
        role: String,
    },
}

/// Which row a credential names: a username (login tokens) or an API token's hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CredentialKey {
    /// The `sub` of a login token.
    User(String),
    /// The SHA-256 hash of an API token.
    Token(String),
}

/// The remembered principals of this process.
pub struct Principals {
    // Each entry carries the epoch it was read in; `forget_all` moves the epoch on, so an
    // entry read before a change — even one stored after it, by a request that raced the
    // change — is never served.
    entries: Cache<CredentialKey, (u64, Principal)>,
    epoch: AtomicU64,
}

impl Default for Principals {
    fn default() -> Self {
        Principals {
            entries: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(REMEMBER_FOR)
                .build(),
            epoch: AtomicU64::new(0),
        }
    }
}

impl Principals {
    /// The epoch to pass to [`Principals::remember`] for a row about to be read.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// The principal remembered for `key`, when it was read less than [`REMEMBER_FOR`] ago
    /// and nothing changed since.
    pub fn get(&self, key: &CredentialKey) -> Option<Principal> {
        let (epoch, principal) = self.entries.get(key)?;
        (epoch == self.epoch()).then_some(principal)
    }

    /// Remembers `principal`, read from the database in `epoch`.
    pub fn remember(&self, key: CredentialKey, epoch: u64, principal: Principal) {
        if epoch == self.epoch() {
            self.entries.insert(key, (epoch, principal));
        }
    }

    /// Forgets every principal: called after a change to users or API tokens commits.
    pub fn forget_all(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.entries.invalidate_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(role: &str) -> Principal {
        Principal::Token {
            name: "ci".into(),
            role: role.into(),
        }
    }

    #[test]
    fn a_change_forgets_even_a_row_read_before_it() {
        let principals = Principals::default();
        let key = CredentialKey::Token("h".into());
        let read_in = principals.epoch();
        principals.remember(key.clone(), read_in, token("admin"));
        assert_eq!(principals.get(&key), Some(token("admin")));

        // A request read the row, then the role changed, then the request stored what it read.
        let stale = principals.epoch();
        principals.forget_all();
        principals.remember(key.clone(), stale, token("admin"));
        assert_eq!(principals.get(&key), None);

        principals.remember(key.clone(), principals.epoch(), token("viewer"));
        assert_eq!(principals.get(&key), Some(token("viewer")));
    }
}
