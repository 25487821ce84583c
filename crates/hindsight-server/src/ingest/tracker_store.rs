//! Incremental import from a Rasa SQL tracker store (its `events` table, in SQLite or
//! PostgreSQL): only rows past the last imported id are read, so it can run again and again.

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

/// Rows read per batch.
const ROWS_PER_BATCH: i64 = 20_000;

/// The settings key under which the last imported row id of `url` is kept (password left out).
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

/// Imports every row of the tracker store at `source_url` past the last one imported into
/// `target`. `on_batch` is told the running summary after each batch.
pub fn import_tracker_store(
    target: &mut DbConnection,
    source_url: &str,
    opts: &IngestOptions,
    mut on_batch: impl FnMut(&ImportSummary),
) -> anyhow::Result<ImportSummary> {
    let mut source = DatabaseUrl::parse(source_url)?.connect()?;
    let key = progress_key(source_url);
    let mut last_id: i32 = settings::get(target, &key)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut total = ImportSummary::default();
    loop {
        let rows: Vec<(i32, String, Option<String>)> = rasa_events::table
            .filter(rasa_events::id.gt(last_id))
            .order(rasa_events::id)
            .limit(ROWS_PER_BATCH)
            .select((rasa_events::id, rasa_events::sender_id, rasa_events::data))
            .load(&mut source)?;
        let Some(&(batch_last, _, _)) = rows.last() else {
            break;
        };
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
        // The batch and the new position commit together: a crash repeats nothing, loses
        // nothing.
        let summary = crate::db::write_transaction(target, |conn| {
            let s = crate::db::ingest::store_conversations(conn, batch, opts)?;
            settings::set(conn, &key, &batch_last.to_string())?;
            diesel::QueryResult::Ok(s)
        })?;
        total.conversations_created += summary.conversations_created;
        total.conversations_updated += summary.conversations_updated;
        total.events_added += summary.events_added;
        total.events_skipped += summary.events_skipped;
        total.conversations_skipped_deleted += summary.conversations_skipped_deleted;
        last_id = batch_last;
        on_batch(&total);
    }
    Ok(total)
}
