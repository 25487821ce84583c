//! `hindsight user …` and `hindsight token …`: manage access from the command line.

use std::io::BufRead;

use anyhow::{anyhow, bail};
use hindsight_types::Role;

use crate::config::Config;
use crate::db::{self, audit::Change, DbConnection};

/// `hindsight user`.
#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Add {
        /// Username.
        username: String,
        /// Role: viewer, reviewer or admin.
        #[arg(long, default_value = "reviewer")]
        role: String,
        /// Password (read from standard input when absent).
        #[arg(long)]
        password: Option<String>,
    },
    /// Change a user's password.
    Passwd {
        /// Username.
        username: String,
        /// New password (read from standard input when absent).
        #[arg(long)]
        password: Option<String>,
    },
    /// Remove a user.
    Remove {
        /// Username.
        username: String,
    },
}

/// `hindsight token`.
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it (shown this once).
    Create {
        /// Name of the token (what uses it).
        name: String,
        /// Role: viewer, reviewer or admin.
        #[arg(long, default_value = "reviewer")]
        role: String,
    },
    /// List the API tokens.
    List,
    /// Revoke an API token.
    Revoke {
        /// Its id (see `token list`).
        id: i64,
    },
}

fn connect(config: &Config) -> anyhow::Result<db::PooledDb> {
    Ok(db::open_pool(&config.database_url, 1)?.get()?)
}

fn role(s: &str) -> anyhow::Result<Role> {
    s.parse()
        .map_err(|_| anyhow!("unknown role `{s}`: viewer, reviewer or admin"))
}

fn password(given: Option<String>) -> anyhow::Result<String> {
    let p = match given {
        Some(p) => p,
        None => {
            eprint!("password: ");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    if p.chars().count() < 8 {
        bail!("a password has at least 8 characters");
    }
    Ok(p)
}

fn audit(conn: &mut DbConnection, action: &str, target: String) -> anyhow::Result<()> {
    let change = Change {
        actor: "cli",
        action,
        conversation: None,
        target: Some(target),
        before: None,
        after: None,
    };
    Ok(db::audit::record(conn, change)?)
}

/// Runs `hindsight user …`.
pub fn user(config: Config, command: UserCommand) -> anyhow::Result<()> {
    let mut conn = connect(&config)?;
    match command {
        UserCommand::Add {
            username,
            role: r,
            password: p,
        } => {
            let r = role(&r)?;
            crate::service::users::check_name("username", &username).map_err(|e| anyhow!("{e}"))?;
            if db::users::find(&mut conn, &username)?.is_some() {
                bail!("the user `{username}` exists already");
            }
            let hash = crate::auth::hash_password(&password(p)?)?;
            db::users::create(&mut conn, &username, &hash, r.as_str())?;
            audit(&mut conn, "user_created", username.clone())?;
            println!("created {username} ({})", r.as_str());
        }
        UserCommand::Passwd {
            username,
            password: p,
        } => {
            let hash = crate::auth::hash_password(&password(p)?)?;
            if !db::users::update(&mut conn, &username, None, Some(&hash))? {
                bail!("no user `{username}`");
            }
            audit(&mut conn, "user_updated", username.clone())?;
            println!("changed the password of {username}");
        }
        UserCommand::Remove { username } => {
            if !db::users::remove(&mut conn, &username)? {
                bail!("no user `{username}`");
            }
            audit(&mut conn, "user_removed", username.clone())?;
            println!("removed {username}");
        }
    }
    Ok(())
}

/// Runs `hindsight token …`.
pub fn token(config: Config, command: TokenCommand) -> anyhow::Result<()> {
    let mut conn = connect(&config)?;
    match command {
        TokenCommand::Create { name, role: r } => {
            let r = role(&r)?;
            let token = crate::auth::new_api_token();
            let id = db::users::create_token(
                &mut conn,
                &name,
                &crate::auth::token_hash(&token),
                r.as_str(),
                "cli",
            )?;
            audit(&mut conn, "token_created", format!("token {id} ({name})"))?;
            println!("{token}");
        }
        TokenCommand::List => {
            for (id, name, role, by, at, used, revoked) in db::users::list_tokens(&mut conn)? {
                let state = if revoked.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                let used = used
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "never".into());
                println!("{id}\t{name}\t{role}\t{state}\tby {by} at {at}\tlast used {used}");
            }
        }
        TokenCommand::Revoke { id } => {
            if !db::users::revoke_token(&mut conn, id)? {
                bail!("no unrevoked token {id}");
            }
            audit(&mut conn, "token_revoked", format!("token {id}"))?;
            println!("revoked token {id}");
        }
    }
    Ok(())
}
