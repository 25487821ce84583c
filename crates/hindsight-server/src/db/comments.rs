//! Comments on conversations and their events, and whom each mentions. Who may write what,
//! and the audit rows, are the service layer's (`service::comments`).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use hindsight_types::comments::mention_tokens;
use hindsight_types::Comment;

use super::schema::{comment_mentions, comments, conversations, users};
use super::DbConnection;

/// A stored comment, with its conversation's sender id and whether that is in the trash.
#[derive(Debug, Clone, Queryable)]
pub struct CommentRow {
    /// Id.
    pub id: i64,
    /// The conversation's internal id.
    pub conversation: i64,
    /// The conversation's sender id.
    pub sender_id: String,
    /// Whether the conversation is in the trash.
    pub trashed: Option<NaiveDateTime>,
    /// The event commented on.
    pub event_id: Option<i64>,
    /// Who wrote it.
    pub author: String,
    /// Its text.
    pub body: String,
    /// When written.
    pub created_at: NaiveDateTime,
    /// When last edited.
    pub edited_at: Option<NaiveDateTime>,
}

type Columns = (
    comments::id,
    comments::conversation_id,
    conversations::sender_id,
    conversations::deleted_at,
    comments::event_id,
    comments::author,
    comments::body,
    comments::created_at,
    comments::edited_at,
);

const COLUMNS: Columns = (
    comments::id,
    comments::conversation_id,
    conversations::sender_id,
    conversations::deleted_at,
    comments::event_id,
    comments::author,
    comments::body,
    comments::created_at,
    comments::edited_at,
);

/// The users named by the `@name` tokens of `body`, in order of first mention; a name that
/// is nobody's is left out.
pub fn mentioned_users(conn: &mut DbConnection, body: &str) -> QueryResult<Vec<String>> {
    let mut names: Vec<&str> = Vec::new();
    for (_, name) in mention_tokens(body) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let known: HashSet<String> = users::table
        .filter(users::username.eq_any(&names))
        .select(users::username)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    Ok(names
        .into_iter()
        .filter(|n| known.contains(*n))
        .map(str::to_owned)
        .collect())
}

/// Stores a new comment; returns its id.
pub fn insert(
    conn: &mut DbConnection,
    conversation: i64,
    event_id: Option<i64>,
    author: &str,
    body: &str,
) -> QueryResult<i64> {
    diesel::insert_into(comments::table)
        .values((
            comments::conversation_id.eq(conversation),
            comments::event_id.eq(event_id),
            comments::author.eq(author),
            comments::body.eq(body),
            comments::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .returning(comments::id)
        .get_result(conn)
}

/// Replaces the users a comment mentions.
pub fn set_mentions(conn: &mut DbConnection, comment: i64, names: &[String]) -> QueryResult<()> {
    diesel::delete(comment_mentions::table.filter(comment_mentions::comment_id.eq(comment)))
        .execute(conn)?;
    for name in names {
        diesel::insert_into(comment_mentions::table)
            .values((
                comment_mentions::username.eq(name),
                comment_mentions::comment_id.eq(comment),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The comment `id`, if it exists.
pub fn find(conn: &mut DbConnection, id: i64) -> QueryResult<Option<CommentRow>> {
    comments::table
        .inner_join(conversations::table)
        .filter(comments::id.eq(id))
        .select(COLUMNS)
        .first(conn)
        .optional()
}

/// Changes a comment's text and marks it edited; false when it does not exist.
pub fn update_body(conn: &mut DbConnection, id: i64, body: &str) -> QueryResult<bool> {
    let n = diesel::update(comments::table.find(id))
        .set((
            comments::body.eq(body),
            comments::edited_at.eq(Some(chrono::Utc::now().naive_utc())),
        ))
        .execute(conn)?;
    Ok(n > 0)
}

/// Deletes a comment (its mentions go with it); false when it does not exist.
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(comments::table.find(id)).execute(conn)? > 0)
}

/// The comments of a conversation (internal id), oldest first.
pub fn of_conversation(conn: &mut DbConnection, conversation: i64) -> QueryResult<Vec<Comment>> {
    let rows = comments::table
        .inner_join(conversations::table)
        .filter(comments::conversation_id.eq(conversation))
        .order(comments::id.asc())
        .select(COLUMNS)
        .load(conn)?;
    with_mentions(conn, rows)
}

/// Up to `limit` comments mentioning `username` with ids below `before`, newest first, of
/// conversations not in the trash.
pub fn mentioning(
    conn: &mut DbConnection,
    username: &str,
    limit: i64,
    before: Option<i64>,
) -> QueryResult<Vec<Comment>> {
    let mut q = comment_mentions::table
        .inner_join(comments::table.inner_join(conversations::table))
        .filter(comment_mentions::username.eq(username))
        .filter(conversations::deleted_at.is_null())
        .order(comment_mentions::comment_id.desc())
        .limit(limit)
        .select(COLUMNS)
        .into_boxed();
    if let Some(before) = before {
        q = q.filter(comment_mentions::comment_id.lt(before));
    }
    let rows = q.load(conn)?;
    with_mentions(conn, rows)
}

/// The API's comments for `rows`, each with the users it mentions in order of first mention.
pub fn with_mentions(conn: &mut DbConnection, rows: Vec<CommentRow>) -> QueryResult<Vec<Comment>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut mentioned: HashMap<i64, HashSet<String>> = HashMap::new();
    for chunk in ids.chunks(super::triage::CHUNK) {
        let pairs: Vec<(i64, String)> = comment_mentions::table
            .filter(comment_mentions::comment_id.eq_any(chunk))
            .select((comment_mentions::comment_id, comment_mentions::username))
            .load(conn)?;
        for (id, name) in pairs {
            mentioned.entry(id).or_default().insert(name);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let known = mentioned.remove(&r.id).unwrap_or_default();
            let mut mentions: Vec<String> = Vec::new();
            for (_, name) in mention_tokens(&r.body) {
                if known.contains(name) && !mentions.iter().any(|m| m == name) {
                    mentions.push(name.to_owned());
                }
            }
            Comment {
                id: r.id,
                conversation_id: r.sender_id,
                event_id: r.event_id,
                author: r.author,
                body: r.body,
                mentions,
                created_at: r.created_at.and_utc(),
                edited_at: r.edited_at.map(|t| t.and_utc()),
            }
        })
        .collect())
}
