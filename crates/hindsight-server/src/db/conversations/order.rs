//! The inbox orders and their cursors: a page ends at a key of the order, the next page
//! seeks past it, so page 2,000 costs what page 1 costs.

use base64::Engine;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use hindsight_types::SortOrder;
use serde::{Deserialize, Serialize};

use super::{BoxedConversations, ConversationRow};
use crate::db::schema::conversations;

/// Where the previous page ended, in the order's own key.
#[derive(Debug, Serialize, Deserialize)]
pub struct Cursor {
    /// The order the cursor belongs to.
    s: SortOrder,
    /// Sort key of the last row: a time (as micros), a count or a confidence.
    k: f64,
    /// Id of the last row: ties are broken by id.
    i: i64,
}

pub(super) fn encode_cursor(c: &Cursor) -> String {
    let json = serde_json::to_vec(c).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// Why a cursor from a client was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorError {
    /// Not a cursor this server gave out.
    Unknown,
    /// A cursor of another sort order.
    OtherOrder,
}

impl Cursor {
    /// The cursor a client sent back, for a page in `sort` order.
    pub fn decode(text: &str, sort: SortOrder) -> Result<Cursor, CursorError> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| CursorError::Unknown)?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| CursorError::Unknown)?;
        if cursor.s != sort {
            return Err(CursorError::OtherOrder);
        }
        Ok(cursor)
    }
}

fn micros_to_naive(micros: f64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp_micros(micros as i64)
        .unwrap_or_default()
        .naive_utc()
}

/// Orders a query and skips to after the cursor. The bound on the sort key alone comes first,
/// so that the index seeks straight to the cursor (an `a < x OR (a = x AND id < y)` alone
/// would make it scan every row before it); the `OR` then only settles ties.
pub(super) fn ordered<'a>(
    q: BoxedConversations<'a>,
    sort: SortOrder,
    after: Option<&Cursor>,
) -> BoxedConversations<'a> {
    use conversations::{id, latest_event_at, lowest_confidence, started_at, user_message_count};
    match sort {
        SortOrder::Latest => {
            let q = q.order((latest_event_at.desc(), id.desc()));
            match after {
                Some(c) => {
                    let t = micros_to_naive(c.k);
                    q.filter(latest_event_at.le(t))
                        .filter(latest_event_at.lt(t).or(id.lt(c.i)))
                }
                None => q,
            }
        }
        // On `started_at`, which no import changes: ordered by activity (latest_event_at), a
        // conversation already served would move past the cursor when it gains events and be
        // served again.
        SortOrder::Oldest => {
            let q = q.order((started_at.asc(), id.asc()));
            match after {
                Some(c) => {
                    let t = micros_to_naive(c.k);
                    q.filter(started_at.ge(t))
                        .filter(started_at.gt(t).or(id.gt(c.i)))
                }
                None => q,
            }
        }
        SortOrder::LowestConfidence => {
            let q = q.order((lowest_confidence.asc(), id.asc()));
            match after {
                Some(c) => q
                    .filter(lowest_confidence.ge(c.k))
                    .filter(lowest_confidence.gt(c.k).or(id.gt(c.i))),
                None => q,
            }
        }
        SortOrder::Length => {
            let q = q.order((user_message_count.desc(), id.desc()));
            match after {
                Some(c) => {
                    let n = c.k as i64;
                    q.filter(user_message_count.le(n))
                        .filter(user_message_count.lt(n).or(id.lt(c.i)))
                }
                None => q,
            }
        }
    }
}

impl ConversationRow {
    pub(super) fn cursor(&self, sort: SortOrder) -> Cursor {
        let k = match sort {
            SortOrder::Latest => self.latest_event_at.and_utc().timestamp_micros() as f64,
            SortOrder::Oldest => self.started_at.and_utc().timestamp_micros() as f64,
            SortOrder::LowestConfidence => self.lowest_confidence,
            SortOrder::Length => self.user_message_count as f64,
        };
        Cursor {
            s: sort,
            k,
            i: self.id,
        }
    }
}
