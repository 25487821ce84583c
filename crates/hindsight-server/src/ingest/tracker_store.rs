//! Incremental import from a Rasa SQL tracker store (its `events` table, in SQLite or
//! PostgreSQL): rows past the last imported id, plus the rows below it that were missing when
//! it was read, so it can run again and again without skipping a row or reading one twice.
//!
//! The source is opened read-only ([`DatabaseUrl::connect_read_only`]) and left exactly as it
//! was.

use diesel::prelude::*;
use hindsight_types::ImportSummary;

use super::{problem, IncomingConversation, IngestOptions, RawEvent};
use crate::db::{settings, DatabaseUrl, DbConnection};

diesel::table! {
    /// Rasa's `SQLTrackerStore` table.
    #[sql_name = "events"]
    rasa_events (id) {
        id -> Integer,
        sender_id -> Text,
        data -> Nullable<Text>,
    }
}

/// Rows (events) read and stored per batch.
const ROWS_PER_BATCH: i64 = super::BATCH_EVENTS as i64;

/// How far behind the last imported id a missing id is still waited for.
///
/// PostgreSQL hands out `serial` ids when a row is inserted, not when its transaction
/// commits: Rasa's writers for different conversations commit in any order, so when an import
/// reads ids 1..=100, id 97 may still be uncommitted and appear a moment later. Re-reading
/// everything behind the position would work too (ingest drops events it has stored), but it
/// would read rows again on every run and lean on content matching; instead every id missing
/// below the position (a gap) is remembered and asked for again on the next runs, until it
/// shows up or falls this many ids behind. A gap that old is a rolled-back insert or a
/// deleted row (a transaction does not stay open while ten thousand others are allocated and
/// committed), and the list stays short: gaps are rare and bounded by this distance.
pub const GAP_WINDOW: i32 = 10_000;

/// The settings key under which the import position of `url` is kept (password left out).
pub fn progress_key(url: &str) -> String {
    let shown = match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(None);
            u.to_string()
        }
        _ => url.to_owned(),
    };
    format!("tracker_store:{shown}")
}

/// Where an import of one tracker store stands: the highest id imported and the ids below it
/// not seen yet. Kept as `LAST` or `LAST;GAP,GAP,…` (a bare number is the format before gaps
/// were kept, and reads as no gaps).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// Highest row id imported.
    pub last: i32,
    /// Ids below `last`, within [`GAP_WINDOW`], not seen yet, ascending.
    pub gaps: Vec<i32>,
}

impl Position {
    /// Reads a stored position; anything unreadable starts from the beginning.
    pub fn parse(text: &str) -> Self {
        let (last, gaps) = text.split_once(';').unwrap_or((text, ""));
        Position {
            last: last.trim().parse().unwrap_or(0),
            gaps: gaps
                .split(',')
                .filter_map(|g| g.trim().parse().ok())
                .collect(),
        }
    }

    /// The stored form.
    pub fn render(&self) -> String {
        let gaps: Vec<String> = self.gaps.iter().map(i32::to_string).collect();
        if gaps.is_empty() {
            self.last.to_string()
        } else {
            format!("{};{}", self.last, gaps.join(","))
        }
    }

    /// Takes in the ids of rows read (ascending, all above `last` or among the gaps).
    pub fn advance(&mut self, ids: &[i32]) {
        self.gaps.retain(|g| ids.binary_search(g).is_err());
        for &id in ids {
            if id > self.last {
                self.gaps.extend(self.last.saturating_add(1)..id);
                self.last = id;
            }
        }
        let oldest = self.last.saturating_sub(GAP_WINDOW);
        self.gaps.retain(|&g| g > oldest);
        self.gaps.sort_unstable();
        self.gaps.dedup();
        // A long run of missing ids (a bulk delete) keeps only its last GAP_WINDOW ids.
        if self.gaps.len() > GAP_WINDOW as usize {
            self.gaps.drain(..self.gaps.len() - GAP_WINDOW as usize);
        }
    }
}

type Row = (i32, String, Option<String>);

fn read_rows(source: &mut DbConnection, pos: &Position, gaps: &[i32]) -> QueryResult<Vec<Row>> {
    let select = (rasa_events::id, rasa_events::sender_id, rasa_events::data);
    if !gaps.is_empty() {
        return rasa_events::table
            .filter(rasa_events::id.eq_any(gaps))
            .order(rasa_events::id)
            .select(select)
            .load(source);
    }
    rasa_events::table
        .filter(rasa_events::id.gt(pos.last))
        .order(rasa_events::id)
        .limit(ROWS_PER_BATCH)
        .select(select)
        .load(source)
}

/// Imports every row of the tracker store at `source_url` not imported into `target` yet:
/// the ids missing at earlier runs first, then the rows past the last imported id. `on_batch`
/// is told the running summary after each batch.
pub fn import_tracker_store(
    target: &mut DbConnection,
    source_url: &str,
    opts: &IngestOptions,
    mut on_batch: impl FnMut(&ImportSummary),
) -> anyhow::Result<ImportSummary> {
    let mut source = DatabaseUrl::parse(source_url)?.connect_read_only()?;
    let key = progress_key(source_url);
    let mut pos = settings::get(target, &key)?
        .map(|v| Position::parse(&v))
        .unwrap_or_default();
    let mut total = ImportSummary::default();
    // The gaps of earlier runs, asked for once (in chunks under SQLite's parameter bound).
    let mut gap_chunks: Vec<Vec<i32>> = pos.gaps.chunks(5_000).map(<[i32]>::to_vec).collect();
    loop {
        let asking_gaps = gap_chunks.pop();
        let rows = read_rows(
            &mut source,
            &pos,
            asking_gaps.as_deref().unwrap_or_default(),
        )?;
        if rows.is_empty() && asking_gaps.is_none() {
            break;
        }
        if rows.is_empty() {
            continue;
        }
        let ids: Vec<i32> = rows.iter().map(|r| r.0).collect();
        let batch = conversations_of(rows, source_url, &mut total);
        let mut next = pos.clone();
        next.advance(&ids);
        // The batch and the new position commit together: a crash repeats nothing, loses
        // nothing.
        let summary = crate::db::write_transaction(target, |conn| {
            // No environments: a tracker store's rows name none (Rasa's event broker does).
            let s = crate::db::ingest::store_within_transaction(
                conn,
                batch,
                &std::collections::HashMap::new(),
                opts,
            )?;
            settings::set(conn, &key, &next.render())?;
            diesel::QueryResult::Ok(s)
        })?;
        total.conversations_created += summary.conversations_created;
        total.conversations_updated += summary.conversations_updated;
        total.events_added += summary.events_added;
        total.events_skipped += summary.events_skipped;
        total.conversations_skipped_deleted += summary.conversations_skipped_deleted;
        pos = next;
        on_batch(&total);
    }
    Ok(total)
}

/// Groups rows (in id order) into conversations; rows that are not events become problems.
fn conversations_of(
    rows: Vec<Row>,
    source_url: &str,
    total: &mut ImportSummary,
) -> Vec<IncomingConversation> {
    let mut batch: Vec<IncomingConversation> = Vec::new();
    for (id, sender, data) in rows {
        let parsed = data
            .ok_or_else(|| "the row has no `data`".to_owned())
            .and_then(|d| RawEvent::parse(&d));
        match parsed {
            Ok(event) => match batch.last_mut() {
                Some(c) if c.sender_id == sender => c.events.push(event),
                _ => batch.push(IncomingConversation {
                    sender_id: sender,
                    events: vec![event],
                }),
            },
            Err(reason) => total.problems.push(problem(
                &format!("{source_url} events"),
                Some(id as u64),
                reason,
            )),
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_missing_ids_until_they_come_or_age_out() {
        let mut pos = Position::parse("3");
        pos.advance(&[4, 5, 8, 9]);
        assert_eq!(
            pos,
            Position {
                last: 9,
                gaps: vec![6, 7]
            }
        );
        assert_eq!(Position::parse(&pos.render()), pos);
        pos.advance(&[7, 10]);
        assert_eq!(
            pos,
            Position {
                last: 10,
                gaps: vec![6]
            }
        );
        pos.advance(&[GAP_WINDOW + 6]);
        assert!(pos.gaps.iter().all(|&g| g > 6), "id 6 aged out");
        assert_eq!(Position::parse("junk"), Position::default());
    }
}
