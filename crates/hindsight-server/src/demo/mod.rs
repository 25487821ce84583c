//! Realistic, deterministic demo conversations for demos and benchmarks
//! (`hindsight demo-data --conversations N --seed S`), written through the normal ingest path.

use diesel::Connection;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::ingest::{IncomingConversation, RawEvent};

const CHANNELS: [&str; 6] = [
    "rest", "socketio", "telegram", "slack", "facebook", "twilio",
];
const POLICIES: [&str; 3] = ["TEDPolicy", "RulePolicy", "MemoizationPolicy"];
const ENTITIES: [&str; 6] = ["city", "date", "person", "amount", "account", "product"];
const INTENTS: usize = 150;
const ACTIONS: usize = 200;
/// 2026-01-01T00:00:00Z: the demo year starts here.
const YEAR_START: f64 = 1_767_225_600.0;

/// A Zipf-like pick from `0..n`: low indices are much more common, and every index occurs
/// (index `k` with probability `log(1 + 1/(k+1)) / log(n+1)`).
fn zipf(rng: &mut StdRng, n: usize) -> usize {
    let u: f64 = rng.gen();
    // `(n+1)^u - 1` lies in [0, n): its floor is every index of `0..n`. (With `n^u - 1`, the
    // floor never reached `n - 1`, so the last value of every list never appeared.)
    (((n + 1) as f64).powf(u) - 1.0).floor().min((n - 1) as f64) as usize
}

/// A confidence with a low tail: mostly above 0.8, sometimes far below.
fn confidence(rng: &mut StdRng) -> f64 {
    let c = if rng.gen_bool(0.12) {
        rng.gen_range(0.05..0.6)
    } else {
        rng.gen_range(0.8..1.0)
    };
    (c * 10_000.0_f64).round() / 10_000.0
}

/// A start time over the year with a day/night rhythm (fewer conversations at night).
fn start_time(rng: &mut StdRng) -> f64 {
    let day = rng.gen_range(0..365) as f64;
    let hour = loop {
        let h = rng.gen_range(0..24);
        let weight = if (8..22).contains(&h) { 1.0 } else { 0.2 };
        if rng.gen_bool(weight) {
            break h as f64;
        }
    };
    YEAR_START + day * 86_400.0 + hour * 3_600.0 + rng.gen_range(0.0..3_600.0)
}

/// Words of the demo utterances, most common first (picked Zipf-like, so a free-text search
/// for a rare word matches few conversations and one for a common word very many).
const WORDS: [&str; 48] = [
    "i",
    "want",
    "to",
    "the",
    "my",
    "please",
    "a",
    "order",
    "help",
    "can",
    "you",
    "need",
    "book",
    "account",
    "flight",
    "payment",
    "change",
    "cancel",
    "ticket",
    "address",
    "delivery",
    "card",
    "password",
    "refund",
    "invoice",
    "Berlin",
    "Paris",
    "tomorrow",
    "weekend",
    "upgrade",
    "plan",
    "balance",
    "transfer",
    "reset",
    "agent",
    "human",
    "broken",
    "late",
    "missing",
    "discount",
    "voucher",
    "Zürich",
    "München",
    "subscription",
    "warranty",
    "complaint",
    "lost",
    "luggage",
];

/// A user message of 2 to 12 words.
fn utterance(rng: &mut StdRng, turn: usize) -> String {
    let n = rng.gen_range(2..13);
    let mut words: Vec<&str> = (0..n).map(|_| WORDS[zipf(rng, WORDS.len())]).collect();
    if turn == 0 && rng.gen_bool(0.3) {
        words.insert(0, "hello");
    }
    words.join(" ")
}

fn event(value: Value) -> RawEvent {
    let raw = value.to_string();
    RawEvent::from_value(raw, value).expect("the generator writes valid events")
}

/// The `index`-th demo conversation of the seed: the same arguments give the same events.
pub fn conversation(seed: u64, index: u64) -> IncomingConversation {
    let (sender_id, events) = conversation_events(seed, index);
    IncomingConversation {
        sender_id,
        events: events.into_iter().map(event).collect(),
    }
}

/// The sender id and the events (as JSON) of the `index`-th demo conversation of the seed:
/// what [`conversation`] imports, for a client that sends them elsewhere (the bench's
/// broker publisher).
pub fn conversation_events(seed: u64, index: u64) -> (String, Vec<Value>) {
    let mut rng = StdRng::seed_from_u64(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let channel = CHANNELS[zipf(&mut rng, CHANNELS.len())];
    let mut t = start_time(&mut rng);
    // 1 to 60 user turns, skewed short (a Pareto tail: about 3.4 turns on average and
    // 0.4 % of conversations at the 60-turn cap), so about 20 events per conversation.
    let u: f64 = rng.gen_range(f64::EPSILON..1.0);
    let turns = (u.powf(-0.75) as usize).clamp(1, 60);
    let mut events = vec![
        json!({"event": "action", "timestamp": t, "name": "action_session_start", "policy": null, "confidence": 1.0}),
        json!({"event": "session_started", "timestamp": t}),
        json!({"event": "action", "timestamp": t, "name": "action_listen", "policy": null, "confidence": null}),
    ];
    let mut in_form = false;
    for turn in 0..turns {
        t += rng.gen_range(2.0..40.0);
        let intent = format!("intent_{:03}", zipf(&mut rng, INTENTS));
        let conf = confidence(&mut rng);
        let entities: Vec<Value> = if rng.gen_bool(0.3) {
            let e = ENTITIES[zipf(&mut rng, ENTITIES.len())];
            vec![
                json!({"entity": e, "value": format!("{e}-{}", rng.gen_range(0..50)), "start": 0, "end": 4, "extractor": "DIETClassifier", "confidence_entity": conf}),
            ]
        } else {
            vec![]
        };
        events.push(json!({
            "event": "user", "timestamp": t, "text": utterance(&mut rng, turn),
            "input_channel": channel, "message_id": format!("{index:x}-{turn}"),
            "parse_data": {"intent": {"name": intent, "confidence": conf}, "entities": entities,
                "intent_ranking": [{"name": intent, "confidence": conf}]},
            "metadata": {}
        }));
        for e in &entities {
            events.push(
                json!({"event": "slot", "timestamp": t, "name": e["entity"], "value": e["value"]}),
            );
        }
        if !in_form && rng.gen_bool(0.05) {
            in_form = true;
            events.push(json!({"event": "active_loop", "timestamp": t, "name": "booking_form"}));
        } else if in_form && rng.gen_bool(0.4) {
            in_form = false;
            events.push(json!({"event": "active_loop", "timestamp": t, "name": null}));
        }
        for _ in 0..rng.gen_range(1..3) {
            t += rng.gen_range(0.1..1.5);
            let action = format!("utter_{:03}", zipf(&mut rng, ACTIONS));
            events.push(json!({"event": "action", "timestamp": t, "name": action,
                "policy": POLICIES[zipf(&mut rng, POLICIES.len())], "confidence": confidence(&mut rng)}));
            events.push(
                json!({"event": "bot", "timestamp": t, "text": format!("reply from {action}"),
                "data": {"buttons": null, "image": null}, "metadata": {"utter_action": action}}),
            );
        }
        events.push(
            json!({"event": "action", "timestamp": t, "name": "action_listen",
            "policy": "RulePolicy", "confidence": 1.0}),
        );
        if rng.gen_bool(0.01) {
            events.push(json!({"event": "restart", "timestamp": t}));
        }
    }
    (format!("demo-{seed}-{index:07}"), events)
}

/// What [`load`] wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct Loaded {
    /// Conversations created.
    pub conversations: u64,
    /// Events stored.
    pub events: u64,
    /// Seconds spent generating and storing (generation runs on its own thread).
    pub seconds: f64,
}

/// Writes `conversations` demo conversations of `seed` in batches through
/// [`store_conversations`](crate::db::ingest::store_conversations), as an import would, then
/// gives a share of them review statuses, tags and flags ([`annotate`]).
pub fn load(
    conn: &mut crate::db::DbConnection,
    conversations: u64,
    seed: u64,
    opts: &crate::ingest::IngestOptions,
    mut progress: impl FnMut(u64),
) -> anyhow::Result<Loaded> {
    crate::db::ingest_upkeep::begin_bulk_import(conn)?;
    let started = std::time::Instant::now();
    // Generating on one core while the other writes, a batch ahead; batches as a file
    // import makes them.
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let generator = std::thread::spawn(move || {
        let mut batcher = crate::ingest::Batcher::default();
        for index in 0..conversations {
            if let Some(batch) = batcher.push(conversation(seed, index)) {
                if tx.send(batch).is_err() {
                    return;
                }
            }
        }
        let rest = batcher.take();
        if !rest.is_empty() {
            let _ = tx.send(rest);
        }
    });
    let mut loaded = Loaded::default();
    for batch in rx {
        let s = crate::db::ingest::store_conversations(conn, batch, opts)?;
        loaded.events += s.events_added;
        loaded.conversations += s.conversations_created;
        progress(loaded.conversations);
    }
    let _ = generator.join();
    crate::db::ingest_upkeep::after_bulk_import(conn)?;
    loaded.seconds = started.elapsed().as_secs_f64();
    annotate(conn)?;
    Ok(loaded)
}

/// Tags of the demo data with their colours and the share (per mille) of conversations
/// carrying each.
const DEMO_TAGS: [(&str, &str, i64); 8] = [
    ("needs-training", "e5484d", 80),
    ("good-example", "30a46c", 50),
    ("handoff", "0090ff", 30),
    ("bug", "f76b15", 20),
    ("faq-candidate", "8e4ec6", 12),
    ("escalated", "ffc53d", 6),
    ("duplicate", "8d8d8d", 3),
    ("vip", "d6409f", 1),
];

/// Gives a deterministic share of the conversations (by id) review statuses, tags, news and
/// flagged first messages, the way a team's work leaves them: about 25 % reviewed, 4 % saved
/// for later, 20 % tagged, 3 % with a flagged message. Portable SQL: the same on both backends.
pub fn annotate(conn: &mut crate::db::DbConnection) -> anyhow::Result<()> {
    use diesel::connection::SimpleConnection;
    // A fixed time, so that the same seed gives the same database.
    let at = "'2026-12-31 12:00:00'";
    conn.transaction::<_, anyhow::Error, _>(|conn| {
        conn.batch_execute(
            "UPDATE conversations SET review_status = 'reviewed' WHERE (id * 7919) % 1000 < 250;
             UPDATE conversations SET review_status = 'saved_for_later' WHERE (id * 7919) % 1000 >= 960;
             UPDATE conversations SET has_news = TRUE WHERE (id * 7919) % 1000 < 10;",
        )?;
        for (i, (name, color, share)) in DEMO_TAGS.iter().enumerate() {
            conn.batch_execute(&format!(
                "INSERT INTO tags (name, color, created_at) VALUES ('{name}', '{color}', {at})
                 ON CONFLICT (name) DO NOTHING;
                 INSERT INTO conversation_tags (conversation_id, tag_id, tagged_by, tagged_at)
                 SELECT c.id, t.id, 'demo', {at} FROM conversations c, tags t
                 WHERE t.name = '{name}' AND (c.id * {mul}) % 1000 < {share}
                 ON CONFLICT DO NOTHING;",
                mul = 104_729 + 2 * i,
            ))?;
        }
        // The first user message of a demo conversation is its fourth event (seq 3).
        conn.batch_execute(&format!(
            "INSERT INTO message_flags (event_id, conversation_id, note, flagged_by, flagged_at)
             SELECT e.id, e.conversation_id, 'wrong intent', 'demo', {at}
             FROM conversations c JOIN events e ON e.conversation_id = c.id AND e.seq = 3
             WHERE (c.id * 15485863) % 1000 < 30 AND e.type_name = 'user'
             ON CONFLICT DO NOTHING;
             UPDATE conversations SET flagged = TRUE
             WHERE id IN (SELECT conversation_id FROM message_flags);"
        ))?;
        Ok(())
    })?;
    crate::db::ingest_upkeep::after_bulk_import(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_deterministic_and_varied() {
        let a = conversation(7, 1);
        let b = conversation(7, 1);
        assert_eq!(
            a.events.iter().map(|e| &e.raw).collect::<Vec<_>>(),
            b.events.iter().map(|e| &e.raw).collect::<Vec<_>>()
        );
        let lengths: std::collections::BTreeSet<usize> =
            (0..200).map(|i| conversation(7, i).events.len()).collect();
        assert!(lengths.len() > 20, "lengths vary: {lengths:?}");
    }

    #[test]
    fn zipf_reaches_every_value_and_favours_the_first() {
        let mut rng = StdRng::seed_from_u64(3);
        for n in [1, 3, 6, 48, 150, 200] {
            let mut seen = vec![0u32; n];
            for _ in 0..200_000 {
                seen[zipf(&mut rng, n)] += 1;
            }
            assert!(seen.iter().all(|&c| c > 0), "n = {n}: {seen:?}");
            assert!(seen[0] >= seen[n - 1], "n = {n}");
        }
    }

    #[test]
    fn the_last_values_of_the_lists_appear() {
        let text: String = (0..3_000)
            .flat_map(|i| conversation(1, i).events)
            .map(|e| e.raw)
            .collect();
        for needle in [
            "luggage",
            "\"twilio\"",
            "intent_149",
            "utter_199",
            "\"product\"",
            "MemoizationPolicy",
        ] {
            assert!(text.contains(needle), "{needle} never appears");
        }
    }
}
