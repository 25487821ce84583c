//! The login rate limit: attempts per username and per client address (GCRA, `governor`).
//!
//! Every attempt counts, right password or not: a limited username or address is refused
//! until its allowance refills, so guessing cannot go on by slipping in a correct login.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Keys kept before stale ones are dropped (an attacker sending random usernames must not
/// grow the table without bound).
const MAX_KEYS: usize = 10_000;

/// How many login attempts are allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    /// Attempts per username within `window` (0: no limit).
    pub per_user: u32,
    /// Attempts per client address within `window` (0: no limit).
    pub per_address: u32,
    /// The window: a full allowance is used up at once and refills evenly over it.
    pub window: Duration,
}

/// The rate limiters of `POST /api/auth`.
pub struct LoginLimiter {
    per_user: Option<DefaultKeyedRateLimiter<String>>,
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

fn quota(attempts: u32, window: Duration) -> Option<Quota> {
    let burst = NonZeroU32::new(attempts)?;
    // `attempts` at once, then one more each window/attempts: on average `attempts` per window.
    let period = (window / attempts).max(Duration::from_millis(1));
    Some(Quota::with_period(period)?.allow_burst(burst))
}

impl LoginLimiter {
    /// Limiters for `limits` (a zero count switches that one off).
    pub fn new(limits: LoginLimits) -> Self {
        LoginLimiter {
            per_user: quota(limits.per_user, limits.window).map(RateLimiter::keyed),
            per_address: quota(limits.per_address, limits.window).map(RateLimiter::keyed),
        }
    }

    /// Counts one login attempt for `username` from `address`. `Err(wait)` when either is over
    /// its limit: the attempt must be refused without checking the password, and may be
    /// retried after `wait`.
    pub fn attempt(&self, username: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        let mut wait = Duration::ZERO;
        if let Some(limiter) = &self.per_user {
            if let Err(not_until) = limiter.check_key(&username.to_owned()) {
                wait = wait.max(not_until.wait_time_from(limiter.clock().now()));
            }
            if limiter.len() > MAX_KEYS {
                limiter.retain_recent();
            }
        }
        if let (Some(limiter), Some(address)) = (&self.per_address, address) {
            if let Err(not_until) = limiter.check_key(&address) {
                wait = wait.max(not_until.wait_time_from(limiter.clock().now()));
            }
            if limiter.len() > MAX_KEYS {
                limiter.retain_recent();
            }
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(wait)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_user: u32, per_address: u32) -> LoginLimits {
        LoginLimits {
            per_user,
            per_address,
            window: Duration::from_secs(60),
        }
    }

    #[test]
    fn a_username_is_limited_after_its_allowance() {
        let l = LoginLimiter::new(limits(3, 0));
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        for _ in 0..3 {
            assert!(l.attempt("alice", ip).is_ok());
        }
        let wait = l.attempt("alice", ip).unwrap_err();
        // One attempt refills every 20 s.
        assert!(
            wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        // Another user is not affected.
        assert!(l.attempt("bob", ip).is_ok());
    }

    #[test]
    fn an_address_is_limited_across_usernames() {
        let l = LoginLimiter::new(limits(0, 2));
        let ip = Some(IpAddr::from([10, 0, 0, 2]));
        assert!(l.attempt("a", ip).is_ok());
        assert!(l.attempt("b", ip).is_ok());
        assert!(l.attempt("c", ip).is_err());
        assert!(l.attempt("c", Some(IpAddr::from([10, 0, 0, 3]))).is_ok());
    }

    #[test]
    fn zero_switches_the_limit_off() {
        let l = LoginLimiter::new(limits(0, 0));
        for _ in 0..1000 {
            assert!(l.attempt("alice", None).is_ok());
        }
    }
}
