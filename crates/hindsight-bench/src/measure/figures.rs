//! The figures beside the inbox: a long conversation opened and its story, the path
//! explorer, the facets, a bulk tag, and the first page's throughput under wrk.

use std::process::Command;

use anyhow::{anyhow, bail};
use diesel::connection::SimpleConnection;
use hindsight_server::db::DbConnection;
use serde_json::Value;

use super::*;

/// Times opening the longest conversation and its story at its last user message, and the
/// hand-written SQL of the opening.
pub(super) fn open_and_story(
    r: &mut BackendResult,
    conn: &mut DbConnection,
    client: &mut Client,
    runs: usize,
) -> anyhow::Result<()> {
    let long: Value = client.get_json("/api/conversations?sort=length&limit=1")?;
    let sender = long["conversations"][0]["id"]
        .as_str()
        .ok_or_else(|| anyhow!("no conversation"))?
        .to_owned();
    r.open_turns = long["conversations"][0]["user_message_count"]
        .as_i64()
        .unwrap_or(0);
    let open_path = format!("/api/conversations/{sender}");
    let detail = client.get_json(&open_path)?;
    let events = detail["events"].as_array().cloned().unwrap_or_default();
    r.open_events = events.len();
    let last_user = events
        .iter()
        .rev()
        .find(|e| e["type_name"] == "user")
        .and_then(|e| e["id"].as_i64())
        .ok_or_else(|| anyhow!("no user message in {sender}"))?;
    r.open = time(runs, || client.get_json(&open_path).map(drop))?;
    let story_path = format!("/api/conversations/{sender}/events/{last_user}/story");
    r.story = time(runs, || client.get_json(&story_path).map(drop))?;
    let open_q = format!(
        "SELECT {ROW_COLUMNS} FROM conversations c WHERE c.sender_id = '{sender}' AND c.deleted_at IS NULL;
         SELECT e.id, e.seq, e.type_name, e.timestamp, e.text, e.intent, e.name, e.policy, e.confidence, e.data
           FROM events e WHERE e.conversation_id = (SELECT id FROM conversations WHERE sender_id = '{sender}') ORDER BY e.seq;
         SELECT event_id, note, flagged_by, flagged_at FROM message_flags WHERE conversation_id = (SELECT id FROM conversations WHERE sender_id = '{sender}');"
    );
    r.sql_open = time(runs, || Ok(conn.batch_execute(&open_q)?))?;
    Ok(())
}

/// Times the path explorer, ten steps deep (the server samples the newest 20,000), for each
/// of [`PATH_GRAPH_QUERIES`].
pub(super) fn path_graphs(
    r: &mut BackendResult,
    client: &mut Client,
    runs: usize,
) -> anyhow::Result<()> {
    for query in PATH_GRAPH_QUERIES {
        let path = format!("/api/conversations/paths?{query}&depth=10");
        let graph = client.get_json(&path)?;
        let stats = time(runs, || client.get_json(&path).map(drop))?;
        r.path_graphs.push(PathGraphResult {
            query: query.to_owned(),
            conversations: graph["conversations"].as_i64().unwrap_or(0),
            sampled: graph["sampled"].as_bool().unwrap_or(false),
            stats,
        });
    }
    Ok(())
}

/// Times the facets and their hand-written SQL.
pub(super) fn facets(
    r: &mut BackendResult,
    conn: &mut DbConnection,
    client: &mut Client,
    runs: usize,
) -> anyhow::Result<()> {
    r.facets = time(runs, || client.get_json("/api/facets").map(drop))?;
    let facets_q = "SELECT f.kind, f.name, f.value, count(*) FROM conversation_features f JOIN conversations c ON c.id = f.conversation_id WHERE c.deleted_at IS NULL GROUP BY f.kind, f.name, f.value;
                    SELECT c.channel, count(*) FROM conversations c WHERE c.deleted_at IS NULL GROUP BY c.channel;";
    r.sql_facets = time(runs, || Ok(conn.batch_execute(facets_q)?))?;
    Ok(())
}

/// Times a bulk tag of about 10,000 conversations matched by a filter: a window of the year
/// holding 1 % of a million conversations (all of a small data set's), and the same by
/// hand-written SQL.
pub(super) fn bulk_tag(
    r: &mut BackendResult,
    conn: &mut DbConnection,
    client: &mut Client,
    runs: usize,
) -> anyhow::Result<()> {
    let conversations = r.conversations;
    let days = (3.65e6 / conversations.max(1) as f64).min(365.0);
    let start =
        chrono::DateTime::from_timestamp(1_767_225_600 + 86_400 * 100, 0).unwrap_or_default();
    let until = start + chrono::Duration::seconds((days * 86_400.0) as i64);
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let bulk_query = format!("start={}&until={}", fmt(start), fmt(until));
    r.bulk_size = client.get_json(&format!("/api/conversations/count?{bulk_query}"))?["total"]
        .as_i64()
        .unwrap_or(0);
    let mut n = 0;
    r.bulk = time(runs, || {
        n += 1;
        let body = serde_json::json!({"selection": {"filter": bulk_query}, "action": "add_tag", "value": format!("bench-{n}")});
        let (status, text) =
            client.request("POST", "/api/conversations/bulk", Some(&body.to_string()))?;
        if status != 200 {
            bail!("bulk: {status} {text}");
        }
        Ok(())
    })?;
    let mut m = 0;
    let bulk_cond = format!(
        "c.latest_event_at >= '{}' AND c.first_event_at <= '{}'",
        start.format("%Y-%m-%d %H:%M:%S"),
        until.format("%Y-%m-%d %H:%M:%S")
    );
    r.sql_bulk = time(runs, || {
        m += 1;
        Ok(conn.batch_execute(&format!(
            "INSERT INTO tags (name, color, created_at) VALUES ('sql-bench-{m}', '888888', '2026-12-31 12:00:00');
             INSERT INTO conversation_tags (conversation_id, tag_id, tagged_by, tagged_at)
             SELECT c.id, (SELECT id FROM tags WHERE name = 'sql-bench-{m}'), 'bench', '2026-12-31 12:00:00'
             FROM conversations c WHERE c.deleted_at IS NULL AND {bulk_cond}
             ON CONFLICT DO NOTHING;"
        ))?)
    })?;
    Ok(())
}

/// The first inbox page's requests per second under wrk (2 threads, 32 connections), from a
/// second process; why not, when it could not run.
pub(super) fn wrk(addr: &str, token: Option<&str>, seconds: u64) -> Result<f64, String> {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c32", &format!("-d{seconds}s")]);
    if let Some(t) = token {
        cmd.args(["-H", &format!("Authorization: Bearer {t}")]);
    }
    cmd.arg(format!(
        "http://{addr}/api/conversations?limit=50&total=false"
    ));
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => {
            return Err(format!(
                "wrk is not installed ({e}); `just bench` installs it"
            ))
        }
    };
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("Non-2xx") {
        return Err(format!("wrk saw errors: {text}"));
    }
    text.lines()
        .find(|l| l.starts_with("Requests/sec:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("could not read wrk's output: {text}"))
}
