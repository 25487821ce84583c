//! Server configuration: flags with environment-variable fallbacks and defaults.

use std::path::PathBuf;

/// How the server runs. Every flag can also be set by the environment variable it names.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Database: `sqlite://PATH` (embedded, the default) or `postgres://USER:PASS@HOST:PORT/DB`.
    #[arg(
        long,
        env = "HINDSIGHT_DATABASE_URL",
        default_value = "sqlite://hindsight.db"
    )]
    pub database_url: String,

    /// Largest number of pooled database connections.
    #[arg(long, env = "HINDSIGHT_POOL_SIZE", default_value_t = 8)]
    pub pool_size: u32,

    /// IANA time zone in which the time-of-day filter reads conversation start times.
    #[arg(long, env = "HINDSIGHT_TIMEZONE", default_value = "UTC")]
    pub timezone: chrono_tz::Tz,

    /// Secret for signing login tokens (HS256); generated and kept in the database when unset.
    #[arg(long, env = "HINDSIGHT_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Minutes a login token stays valid.
    #[arg(long, env = "HINDSIGHT_TOKEN_MINUTES", default_value_t = 480)]
    pub token_minutes: i64,

    /// Login attempts (right or wrong) per username within the login window; 0: no limit.
    #[arg(long, env = "HINDSIGHT_LOGIN_ATTEMPTS_PER_USER", default_value_t = 10)]
    pub login_attempts_per_user: u32,

    /// Login attempts per client address within the login window (offices share an address
    /// behind NAT, hence higher); 0: no limit.
    #[arg(
        long,
        env = "HINDSIGHT_LOGIN_ATTEMPTS_PER_ADDRESS",
        default_value_t = 100
    )]
    pub login_attempts_per_address: u32,

    /// The login window in seconds: an allowance used up refills evenly over it.
    #[arg(long, env = "HINDSIGHT_LOGIN_WINDOW_SECS", default_value_t = 600)]
    pub login_window_secs: u64,

    /// Days a deleted conversation stays restorable in the trash before it is purged.
    #[arg(long, env = "HINDSIGHT_TRASH_DAYS", default_value_t = 30)]
    pub trash_days: i64,

    /// Let reviewers (not only admins) delete conversations.
    #[arg(long, env = "HINDSIGHT_REVIEWERS_MAY_DELETE", default_value_t = false)]
    pub reviewers_may_delete: bool,

    /// Largest request body accepted, in megabytes (trackers and event lists).
    #[arg(long, env = "HINDSIGHT_MAX_BODY_MB", default_value_t = 64)]
    pub max_body_mb: usize,

    /// Milliseconds a request's database queries may run before they are stopped with a 503
    /// `query_timeout` (PostgreSQL: each statement; SQLite: the listing, count and text-search
    /// work of one request). 0: no limit. The command line (import, bench) is never limited.
    #[arg(long, env = "HINDSIGHT_QUERY_TIMEOUT_MS", default_value_t = 10_000)]
    pub query_timeout_ms: u64,

    /// Milliseconds the inbox's tab counts may take to count exactly before the web app gets
    /// an estimate from a sample (marked `≈`, the exact numbers asked for right after).
    /// 0: estimate whenever the counts are not maintained ones.
    #[arg(long, env = "HINDSIGHT_EXACT_COUNTS_WITHIN_MS", default_value_t = 30)]
    pub exact_counts_within_ms: u64,

    /// After an upgrade that needs the sequence filter's paths written: databases of up to
    /// this many conversations have them written before the server answers (about a second
    /// per 20,000), larger ones in the background while it serves (sequence filters and the
    /// path explorer answer 503 until done). 0: always in the background.
    #[arg(
        long,
        env = "HINDSIGHT_REWRITE_PATHS_BEFORE_SERVING",
        default_value_t = 10_000
    )]
    pub rewrite_paths_before_serving: u64,

    /// Seconds between the Discover refresher's checks: when conversations arrived or changed
    /// since the latest finished run started, a new run starts with that run's settings (and
    /// filter), so the Discover page opens on a recent result. 0: no refreshing.
    #[arg(long, env = "HINDSIGHT_DISCOVER_REFRESH_SECS", default_value_t = 900)]
    pub discover_refresh_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://hindsight.db".into(),
            pool_size: 8,
            timezone: chrono_tz::UTC,
            jwt_secret: None,
            token_minutes: 480,
            login_attempts_per_user: 10,
            login_attempts_per_address: 100,
            login_window_secs: 600,
            trash_days: 30,
            reviewers_may_delete: false,
            max_body_mb: 64,
            query_timeout_ms: 10_000,
            exact_counts_within_ms: 30,
            rewrite_paths_before_serving: 10_000,
            discover_refresh_secs: 900,
        }
    }
}

impl Config {
    /// The time budget of a request's queries, `None` when unlimited.
    pub fn query_timeout(&self) -> Option<std::time::Duration> {
        (self.query_timeout_ms > 0).then(|| std::time::Duration::from_millis(self.query_timeout_ms))
    }

    /// How often the Discover refresher checks for new conversations, `None` when it is off.
    pub fn discover_refresh(&self) -> Option<std::time::Duration> {
        (self.discover_refresh_secs > 0)
            .then(|| std::time::Duration::from_secs(self.discover_refresh_secs))
    }

    /// The login rate limits this configuration asks for.
    pub fn login_limits(&self) -> crate::auth::limiter::LoginLimits {
        crate::auth::limiter::LoginLimits {
            per_user: self.login_attempts_per_user,
            per_address: self.login_attempts_per_address,
            window: std::time::Duration::from_secs(self.login_window_secs.max(1)),
        }
    }
}

/// Options of `hindsight serve` beyond [`Config`].
#[derive(Debug, Clone, clap::Args)]
pub struct ServeOptions {
    /// Address to listen on.
    #[arg(long, env = "HINDSIGHT_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Folder of the web app's release bundle, served at `/`.
    #[arg(long, env = "HINDSIGHT_STATIC_DIR", default_value = "frontend/dist")]
    pub static_dir: PathBuf,

    /// Trackers to import when the database holds no conversation yet (the bundled samples).
    #[arg(long, env = "HINDSIGHT_SAMPLES")]
    pub samples: Option<PathBuf>,
}
