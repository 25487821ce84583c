//! Tags and which conversations carry them.

use diesel::prelude::*;
use hindsight_types::{Tag, TagWithUsage};

use super::schema::{conversation_tags, tags};
use super::triage::CHUNK;
use super::DbConnection;

fn tag_of((id, value, color): (i64, String, String)) -> Tag {
    Tag { id, value, color }
}

/// The tag `id`.
pub fn get(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Tag>> {
    Ok(tags::table
        .find(id)
        .select((tags::id, tags::name, tags::color))
        .first(conn)
        .optional()?
        .map(tag_of))
}

/// The tag named `value`.
pub fn by_name(conn: &mut DbConnection, value: &str) -> QueryResult<Option<Tag>> {
    Ok(tags::table
        .filter(tags::name.eq(value))
        .select((tags::id, tags::name, tags::color))
        .first(conn)
        .optional()?
        .map(tag_of))
}

/// Inserts a tag; returns it.
pub fn create(conn: &mut DbConnection, value: &str, color: &str) -> QueryResult<Tag> {
    let id: i64 = diesel::insert_into(tags::table)
        .values((
            tags::name.eq(value),
            tags::color.eq(color),
            tags::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .returning(tags::id)
        .get_result(conn)?;
    Ok(Tag {
        id,
        value: value.to_owned(),
        color: color.to_owned(),
    })
}

/// Sets a tag's name and colour.
pub fn update(conn: &mut DbConnection, tag: &Tag) -> QueryResult<()> {
    diesel::update(tags::table.find(tag.id))
        .set((tags::name.eq(&tag.value), tags::color.eq(&tag.color)))
        .execute(conn)
        .map(drop)
}

/// Deletes a tag and its uses.
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(conversation_tags::table.filter(conversation_tags::tag_id.eq(id)))
        .execute(conn)?;
    diesel::delete(tags::table.find(id)).execute(conn).map(drop)
}

/// Every tag with how many live conversations carry it, by name (from the maintained counts:
/// [`super::tag_counts`]).
pub fn list_with_usage(conn: &mut DbConnection) -> QueryResult<Vec<TagWithUsage>> {
    let all: Vec<(i64, String, String)> = tags::table
        .order((tags::name, tags::id))
        .select((tags::id, tags::name, tags::color))
        .load(conn)?;
    let counts = super::tag_counts::usage(conn)?;
    Ok(all
        .into_iter()
        .map(|t| TagWithUsage {
            conversations: counts.get(&t.0).copied().unwrap_or(0),
            tag: tag_of(t),
        })
        .collect())
}

/// The tags of one conversation (internal id), by name.
pub fn of_conversation(conn: &mut DbConnection, conversation: i64) -> QueryResult<Vec<Tag>> {
    let rows: Vec<(i64, String, String)> = conversation_tags::table
        .inner_join(tags::table)
        .filter(conversation_tags::conversation_id.eq(conversation))
        .order(tags::name)
        .select((tags::id, tags::name, tags::color))
        .load(conn)?;
    Ok(rows.into_iter().map(tag_of).collect())
}

/// A conversation's tag to insert.
#[derive(Insertable)]
#[diesel(table_name = conversation_tags)]
// What PostgreSQL's binary COPY requires (no field may stand for DEFAULT).
#[diesel(treat_none_as_default_value = false)]
struct NewTagging<'a> {
    conversation_id: i64,
    tag_id: i64,
    tagged_by: &'a str,
    tagged_at: chrono::NaiveDateTime,
}

/// Tags the conversations `ids` with `tag`, in batched inserts; returns those newly tagged.
pub fn add_many(conn: &mut DbConnection, ids: &[i64], tag: i64, by: &str) -> QueryResult<Vec<i64>> {
    let now = chrono::Utc::now().naive_utc();
    let mut added = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let already: std::collections::HashSet<i64> = conversation_tags::table
            .filter(conversation_tags::tag_id.eq(tag))
            .filter(conversation_tags::conversation_id.eq_any(chunk))
            .select(conversation_tags::conversation_id)
            .load::<i64>(conn)?
            .into_iter()
            .collect();
        let new: Vec<i64> = chunk
            .iter()
            .copied()
            .filter(|id| !already.contains(id))
            .collect();
        let rows: Vec<NewTagging<'_>> = new
            .iter()
            .map(|&conversation_id| NewTagging {
                conversation_id,
                tag_id: tag,
                tagged_by: by,
                tagged_at: now,
            })
            .collect();
        insert_in_bulk!(conn, conversation_tags::table, &rows[..], CHUNK)?;
        added.extend(new);
    }
    Ok(added)
}

/// Removes `tag` from the conversations `ids`; returns those that carried it.
pub fn remove_many(conn: &mut DbConnection, ids: &[i64], tag: i64) -> QueryResult<Vec<i64>> {
    let mut removed = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let had: Vec<i64> = conversation_tags::table
            .filter(conversation_tags::tag_id.eq(tag))
            .filter(conversation_tags::conversation_id.eq_any(chunk))
            .select(conversation_tags::conversation_id)
            .load(conn)?;
        diesel::delete(
            conversation_tags::table
                .filter(conversation_tags::tag_id.eq(tag))
                .filter(conversation_tags::conversation_id.eq_any(&had)),
        )
        .execute(conn)?;
        removed.extend(had);
    }
    Ok(removed)
}
