//! Issue 10's training-data figures: annotating a user message, saving a test story, and the
//! NLU export of many annotated examples, each over HTTP and checked.

use std::collections::HashSet;

use anyhow::{anyhow, bail};
use diesel::prelude::*;
use hindsight_server::db::DbConnection;
use serde_json::json;

use super::*;

mod report;
pub(crate) use report::*;

/// The training-data figures of one backend.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct TrainingResult {
    /// `PUT …/annotation` on distinct user messages (intent and one entity).
    pub annotate: Stats,
    /// `POST /api/training-data/items`: a test story up to an annotated message.
    pub save: Stats,
    /// Annotations loaded in bulk for the export (each a distinct NLU example).
    pub loaded: u64,
    /// Seconds loading them took (through `hindsight_server::db::annotations::put`).
    pub load_seconds: f64,
    /// Examples in the exported YAML (checked against the distinct annotations in the database).
    pub examples: u64,
    /// Intents in the exported YAML.
    pub intents: u64,
    /// Size of the exported file.
    pub bytes: u64,
    /// `GET /api/training-data/nlu`, every byte read.
    pub export: Stats,
}

/// A user message of the demo data.
#[derive(QueryableByName)]
struct UserMessage {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    conversation_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    sender_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    intent: Option<String>,
}

/// Words the annotations mark as entities, with their entity type.
const ENTITY_WORDS: [(&str, &str); 12] = [
    ("Berlin", "city"),
    ("Paris", "city"),
    ("Zürich", "city"),
    ("München", "city"),
    ("tomorrow", "date"),
    ("weekend", "date"),
    ("card", "payment_method"),
    ("invoice", "document"),
    ("flight", "product"),
    ("ticket", "product"),
    ("subscription", "product"),
    ("luggage", "item"),
];

/// The annotation of the `n`-th message: its predicted intent (one in five corrected to
/// another) and one entity, a word of its text (in code points, as Rasa counts).
fn annotation_of(m: &UserMessage, n: usize) -> (String, usize, usize, &'static str) {
    let predicted = m.intent.as_deref().unwrap_or("intent_000");
    let intent = if n.is_multiple_of(5) {
        format!("intent_{:03}", (n * 7) % 150)
    } else {
        predicted.to_owned()
    };
    let mut words = Vec::new();
    let mut at = 0;
    for w in m.text.split(' ') {
        let len = w.chars().count();
        words.push((w, at, at + len));
        at += len + 1;
    }
    let (start, end, entity) = ENTITY_WORDS
        .iter()
        .find_map(|(word, entity)| {
            words
                .iter()
                .find(|(w, _, _)| w == word)
                .map(|&(_, s, e)| (s, e, *entity))
        })
        .or_else(|| {
            words
                .iter()
                .rev()
                .find(|(w, _, _)| !w.is_empty())
                .map(|&(_, s, e)| (s, e, "topic"))
        })
        .unwrap_or((0, 0, "topic"));
    (intent, start, end, entity)
}

/// Annotates and saves on distinct messages (timed), loads `opts.nlu_examples` annotations
/// of other messages, and times the NLU export, checking its example count.
pub(super) fn measure_training(
    opts: &BenchOptions,
    conn: &mut DbConnection,
    client: &mut Client,
    runs: usize,
    mismatches: &mut Vec<String>,
) -> anyhow::Result<TrainingResult> {
    let mut r = TrainingResult::default();
    let messages: Vec<UserMessage> = diesel::sql_query(
        "SELECT e.id, e.conversation_id, c.sender_id, e.text, e.intent FROM events e
         JOIN conversations c ON c.id = e.conversation_id
         WHERE e.type_name = 'user' AND e.text IS NOT NULL AND e.text <> '' AND c.deleted_at IS NULL
         ORDER BY e.id",
    )
    .load(conn)?;
    // The timed annotations and saves take the last messages, the bulk load the first.
    let timed = (runs.max(1) + 1).min(messages.len());
    if timed == 0 {
        bail!("no user messages to annotate");
    }
    let (bulk, last) = messages.split_at(messages.len() - timed);

    let mut i = 0;
    r.annotate = time(runs, || {
        let m = &last[i % last.len()];
        let (intent, start, end, entity) = annotation_of(m, i);
        i += 1;
        let body =
            json!({"intent": intent, "entities": [{"start": start, "end": end, "entity": entity}]});
        let path = format!(
            "/api/conversations/{}/events/{}/annotation",
            m.sender_id, m.id
        );
        let (status, text) = client.request("PUT", &path, Some(&body.to_string()))?;
        if status != 200 {
            bail!("PUT {path}: {status} {text}");
        }
        Ok(())
    })?;
    let mut j = 0;
    r.save = time(runs, || {
        let m = &last[j % last.len()];
        j += 1;
        let body = json!({"kind": "test_story", "name": format!("bench story {j}"),
            "conversation_id": m.sender_id, "until_event_id": m.id});
        let (status, text) =
            client.request("POST", "/api/training-data/items", Some(&body.to_string()))?;
        if status != 200 && status != 201 {
            bail!("POST /api/training-data/items: {status} {text}");
        }
        Ok(())
    })?;

    // The bulk load: distinct examples (text and intent; the entity follows from the text),
    // through the server's own write function, in one transaction.
    let started = Instant::now();
    let mut seen = HashSet::new();
    let mut first_line = None;
    hindsight_server::db::write_transaction(conn, |conn| -> anyhow::Result<()> {
        for (n, m) in bulk.iter().enumerate() {
            if r.loaded >= opts.nlu_examples {
                break;
            }
            let (intent, start, end, entity) = annotation_of(m, n);
            if !seen.insert((m.text.as_str(), intent.clone())) {
                continue;
            }
            let entities = json!([{"start": start, "end": end, "entity": entity}]).to_string();
            hindsight_server::db::annotations::put(
                conn,
                &hindsight_server::db::annotations::NewAnnotation {
                    event_id: m.id,
                    conversation_id: m.conversation_id,
                    intent: &intent,
                    entities: &entities,
                    predicted_intent: m.intent.as_deref(),
                    annotated_by: "bench",
                },
            )?;
            if first_line.is_none() {
                // As Rasa writes it: the entity's text in brackets, its type in parentheses.
                let chars: Vec<char> = m.text.chars().collect();
                let (a, b, c): (String, String, String) = (
                    chars[..start].iter().collect(),
                    chars[start..end].iter().collect(),
                    chars[end..].iter().collect(),
                );
                first_line = Some(format!("    - {a}[{b}]({entity}){c}"));
            }
            r.loaded += 1;
        }
        Ok(())
    })?;
    r.load_seconds = started.elapsed().as_secs_f64();
    say(
        opts,
        format!("{} annotations loaded in {:.1}s", r.loaded, r.load_seconds),
    );

    // What the file must hold: each distinct (text, intent, entities) of the annotations of
    // live conversations once, by hand-written SQL.
    #[derive(QueryableByName)]
    struct Ann {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        text: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Text)]
        intent: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        entities: String,
    }
    let all: Vec<Ann> = diesel::sql_query(
        "SELECT e.text, a.intent, a.entities FROM message_annotations a
         JOIN events e ON e.id = a.event_id JOIN conversations c ON c.id = a.conversation_id
         WHERE c.deleted_at IS NULL",
    )
    .load(conn)?;
    let intents: HashSet<&str> = all.iter().map(|a| a.intent.as_str()).collect();
    let expected: HashSet<(&str, &str, &str)> = all
        .iter()
        .map(|a| {
            (
                a.text.as_deref().unwrap_or(""),
                a.intent.as_str(),
                a.entities.as_str(),
            )
        })
        .collect();

    let export = |client: &mut Client| -> anyhow::Result<String> {
        let (status, text) = client.request("GET", "/api/training-data/nlu", None)?;
        if status != 200 {
            bail!("GET /api/training-data/nlu: {status} {text}");
        }
        Ok(text)
    };
    let yaml = export(client)?;
    r.bytes = yaml.len() as u64;
    r.examples = yaml.lines().filter(|l| l.starts_with("    - ")).count() as u64;
    r.intents = yaml
        .lines()
        .filter(|l| l.starts_with("- intent: ") || l.starts_with("  - intent: "))
        .count() as u64;
    if r.examples != expected.len() as u64 || r.intents != intents.len() as u64 {
        mismatches.push(format!(
            "NLU export: {} examples of {} intents, the database holds {} distinct examples of {} intents",
            r.examples,
            r.intents,
            expected.len(),
            intents.len()
        ));
    }
    if let Some(line) = &first_line {
        if !yaml.lines().any(|l| l == line) {
            mismatches.push(format!("NLU export: the example `{line}` is missing"));
        }
    }
    let export_runs = runs.min(10);
    r.export = time(export_runs, || {
        let text = export(client)?;
        if text.len() as u64 != r.bytes {
            return Err(anyhow!(
                "the NLU export changed size: {} bytes, then {}",
                r.bytes,
                text.len()
            ));
        }
        Ok(())
    })?;
    say(
        opts,
        format!(
            "annotate p95 {:.1} ms, save p95 {:.1} ms, NLU export of {} examples ({:.1} MB) p95 {:.0} ms",
            r.annotate.p95,
            r.save.p95,
            r.examples,
            r.bytes as f64 / 1e6,
            r.export.p95
        ),
    );
    Ok(r)
}
