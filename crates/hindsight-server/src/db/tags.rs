//! Tags and which conversations carry them.

use diesel::prelude::*;
use hindsight_types::{Tag, TagWithUsage};

use super::schema::{conversation_tags, conversations, tags};
use super::triage::CHUNK;
use super::DbConnection;
use crate::error::{bad_request, conflict, not_found, AppResult};

/// Colour of tags created without one.
pub const DEFAULT_COLOR: &str = "8d8d8d";

/// 400 naming `color` unless it is exactly six hex digits.
pub fn check_color(color: &str) -> AppResult<()> {
    if color.len() == 6 && color.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(bad_request(
            "color",
            format!("`{color}` is not six hex digits (e.g. `ff8800`, no `#`)"),
        ))
    }
}

/// 400 naming `value` unless the name has 1–100 characters.
pub fn check_name(value: &str) -> AppResult<()> {
    let n = value.trim().chars().count();
    if (1..=100).contains(&n) && n == value.chars().count() {
        Ok(())
    } else {
        Err(bad_request(
            "value",
            "a tag name has 1 to 100 characters, without surrounding spaces",
        ))
    }
}

fn tag_of((id, value, color): (i64, String, String)) -> Tag {
    Tag { id, value, color }
}

/// The tag `id`, or 404.
pub fn get(conn: &mut DbConnection, id: i64) -> AppResult<Tag> {
    tags::table
        .find(id)
        .select((tags::id, tags::name, tags::color))
        .first(conn)
        .optional()?
        .map(tag_of)
        .ok_or_else(|| not_found(format!("tag {id}")))
}

/// The tag named `value`, if any.
pub fn by_name(conn: &mut DbConnection, value: &str) -> AppResult<Option<Tag>> {
    Ok(tags::table
        .filter(tags::name.eq(value))
        .select((tags::id, tags::name, tags::color))
        .first(conn)
        .optional()?
        .map(tag_of))
}

/// Creates a tag; 409 when the name is taken.
pub fn create(conn: &mut DbConnection, value: &str, color: &str) -> AppResult<Tag> {
    check_name(value)?;
    check_color(color)?;
    if by_name(conn, value)?.is_some() {
        return Err(conflict(
            "value",
            format!("the tag `{value}` exists already"),
        ));
    }
    diesel::insert_into(tags::table)
        .values((
            tags::name.eq(value),
            tags::color.eq(color),
            tags::created_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(conn)?;
    by_name(conn, value)?.ok_or_else(|| not_found(format!("tag `{value}`")))
}

/// The tag named `value`, created (with `color` or the default) when missing.
pub fn get_or_create(conn: &mut DbConnection, value: &str, color: Option<&str>) -> AppResult<Tag> {
    check_name(value)?;
    if let Some(c) = color {
        check_color(c)?;
    }
    match by_name(conn, value)? {
        Some(tag) => Ok(tag),
        None => create(conn, value, color.unwrap_or(DEFAULT_COLOR)),
    }
}

/// Renames and/or recolours a tag; returns (before, after).
pub fn update(
    conn: &mut DbConnection,
    id: i64,
    value: Option<&str>,
    color: Option<&str>,
) -> AppResult<(Tag, Tag)> {
    let before = get(conn, id)?;
    if let Some(v) = value {
        check_name(v)?;
        if by_name(conn, v)?.is_some_and(|t| t.id != id) {
            return Err(conflict("value", format!("the tag `{v}` exists already")));
        }
        diesel::update(tags::table.find(id))
            .set(tags::name.eq(v))
            .execute(conn)?;
    }
    if let Some(c) = color {
        check_color(c)?;
        diesel::update(tags::table.find(id))
            .set(tags::color.eq(c))
            .execute(conn)?;
    }
    Ok((before, get(conn, id)?))
}

/// Deletes a tag everywhere; returns it.
pub fn delete(conn: &mut DbConnection, id: i64) -> AppResult<Tag> {
    let tag = get(conn, id)?;
    diesel::delete(conversation_tags::table.filter(conversation_tags::tag_id.eq(id)))
        .execute(conn)?;
    diesel::delete(tags::table.find(id)).execute(conn)?;
    Ok(tag)
}

/// Every tag with how many live conversations carry it, by name.
pub fn list_with_usage(conn: &mut DbConnection) -> AppResult<Vec<TagWithUsage>> {
    let all: Vec<(i64, String, String)> = tags::table
        .order(tags::name)
        .select((tags::id, tags::name, tags::color))
        .load(conn)?;
    let used: Vec<i64> = conversation_tags::table
        .inner_join(conversations::table)
        .filter(conversations::deleted_at.is_null())
        .select(conversation_tags::tag_id)
        .load(conn)?;
    let mut counts = std::collections::HashMap::<i64, i64>::new();
    for id in used {
        *counts.entry(id).or_default() += 1;
    }
    Ok(all
        .into_iter()
        .map(|t| {
            let conversations = counts.get(&t.0).copied().unwrap_or(0);
            TagWithUsage {
                tag: tag_of(t),
                conversations,
            }
        })
        .collect())
}

/// The tags of one conversation (internal id), by name.
pub fn of_conversation(conn: &mut DbConnection, conversation: i64) -> AppResult<Vec<Tag>> {
    let rows: Vec<(i64, String, String)> = conversation_tags::table
        .inner_join(tags::table)
        .filter(conversation_tags::conversation_id.eq(conversation))
        .order(tags::name)
        .select((tags::id, tags::name, tags::color))
        .load(conn)?;
    Ok(rows.into_iter().map(tag_of).collect())
}

/// Tags the conversations `ids` with `tag`, in batched inserts; returns those newly tagged.
pub fn add_many(conn: &mut DbConnection, ids: &[i64], tag: i64, by: &str) -> AppResult<Vec<i64>> {
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
        let rows: Vec<_> = new
            .iter()
            .map(|id| {
                (
                    conversation_tags::conversation_id.eq(*id),
                    conversation_tags::tag_id.eq(tag),
                    conversation_tags::tagged_by.eq(by),
                    conversation_tags::tagged_at.eq(now),
                )
            })
            .collect();
        if !rows.is_empty() {
            on_each_backend!(conn, |c| diesel::insert_into(conversation_tags::table)
                .values(&rows)
                .execute(c))?;
        }
        added.extend(new);
    }
    Ok(added)
}

/// Removes `tag` from the conversations `ids`; returns those that carried it.
pub fn remove_many(conn: &mut DbConnection, ids: &[i64], tag: i64) -> AppResult<Vec<i64>> {
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
