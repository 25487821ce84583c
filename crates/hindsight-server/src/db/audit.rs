//! The audit trail: who changed what, when, with the state before and after.

use std::collections::HashMap;

use diesel::prelude::*;
use hindsight_types::AuditEntry;
use serde_json::Value;

use super::schema::{audit_log, conversations};
use super::DbConnection;

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// Username or token name.
    pub actor: &'a str,
    /// What was done (`review_status`, `delete`, `tag_added`, …).
    pub action: &'a str,
    /// Conversation concerned (internal id).
    pub conversation: Option<i64>,
    /// Other target (tag, user, token, template).
    pub target: Option<String>,
    /// State before.
    pub before: Option<Value>,
    /// State after.
    pub after: Option<Value>,
}

/// Writes one audit row.
pub fn record(conn: &mut DbConnection, change: Change<'_>) -> QueryResult<()> {
    record_each(conn, &change, &[change.conversation])
}

/// Writes the same change once per conversation in `ids`, in batched inserts.
pub fn record_each(
    conn: &mut DbConnection,
    change: &Change<'_>,
    ids: &[Option<i64>],
) -> QueryResult<()> {
    let now = chrono::Utc::now().naive_utc();
    let before = change.before.as_ref().map(Value::to_string);
    let after = change.after.as_ref().map(Value::to_string);
    let rows: Vec<NewAuditRow<'_>> = ids
        .iter()
        .map(|&conversation_id| NewAuditRow {
            at: now,
            actor: change.actor,
            action: change.action,
            conversation_id,
            target: change.target.as_deref(),
            before: before.as_deref(),
            after: after.as_deref(),
        })
        .collect();
    // 4,000 rows of 7 columns: under SQLite's bound parameters.
    insert_in_bulk!(conn, audit_log::table, &rows[..], 4_000)
}

/// An audit row to insert.
#[derive(Insertable)]
#[diesel(table_name = audit_log)]
// What PostgreSQL's binary COPY requires (no field may stand for DEFAULT).
#[diesel(treat_none_as_default_value = false)]
struct NewAuditRow<'a> {
    at: chrono::NaiveDateTime,
    actor: &'a str,
    action: &'a str,
    conversation_id: Option<i64>,
    target: Option<&'a str>,
    before: Option<&'a str>,
    after: Option<&'a str>,
}

type Row = (
    i64,
    chrono::NaiveDateTime,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The newest `limit` entries, of one conversation (internal id) or of all, newest first.
pub fn list(
    conn: &mut DbConnection,
    conversation: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEntry>> {
    let mut q = audit_log::table
        .select((
            audit_log::id,
            audit_log::at,
            audit_log::actor,
            audit_log::action,
            audit_log::conversation_id,
            audit_log::target,
            audit_log::before,
            audit_log::after,
        ))
        .order(audit_log::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(id) = conversation {
        q = q.filter(audit_log::conversation_id.eq(id));
    }
    let rows: Vec<Row> = q.load(conn)?;
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.4).collect();
    let names: HashMap<i64, String> = conversations::table
        .filter(conversations::id.eq_any(&ids))
        .select((conversations::id, conversations::sender_id))
        .load(conn)?
        .into_iter()
        .collect();
    let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(rows
        .into_iter()
        .map(
            |(id, at, actor, action, conv, target, before, after)| AuditEntry {
                id,
                at: at.and_utc(),
                actor,
                action,
                conversation_id: conv.and_then(|c| names.get(&c).cloned()),
                target,
                before: json(before),
                after: json(after),
            },
        )
        .collect())
}
