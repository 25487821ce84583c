//! The consumer: reads a queue, stores batches, acknowledges what is committed.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicQosOptions, ExchangeDeclareOptions,
    QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};
use serde_json::{json, Map, Value};
use tokio::sync::watch;

use super::message::{decode, Message};
use super::status::{State, Status};
use super::BrokerSettings;
use crate::app::AppState;
use crate::db::broker::{NewIngestError, RunProgress};
use crate::error::AppError;
use crate::ingest::IngestOptions;
use crate::service::ingest::{store_batch, IngestBatch};

/// First wait before reconnecting or retrying the database; doubled up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// How long a batch stays open for more messages after its first one arrived.
const GATHER: Duration = Duration::from_millis(10);
/// How often the queue's backlog is counted for `/api/health`.
const LAG_EVERY: Duration = Duration::from_secs(2);

/// A running consumer; dropping it (or [`ConsumerHandle::stop`]) stops it.
pub struct ConsumerHandle {
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Its state, as `/api/health` shows it.
    pub status: Arc<Status>,
}

impl ConsumerHandle {
    /// Stops consuming and waits for the consumer's thread. Messages received but not yet
    /// committed stay unacknowledged: RabbitMQ delivers them again.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Runs until the process ends (`hindsight consume`).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ConsumerHandle {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Starts consuming on a thread of its own (with its own async runtime), and registers the
/// consumer's state with `state` for `/api/health`.
pub fn spawn(state: AppState, settings: BrokerSettings) -> anyhow::Result<ConsumerHandle> {
    let url = settings
        .url
        .clone()
        .ok_or_else(|| anyhow::anyhow!("no broker URL (--broker or HINDSIGHT_BROKER_URL)"))?;
    // Fail early on a URL that can never work; connection failures are retried.
    url.parse::<lapin::uri::AMQPUri>()
        .map_err(|e| anyhow::anyhow!("the broker URL is not an AMQP URL: {e}"))?;
    let status = Arc::new(Status::new(&settings.queue));
    let _ = state.broker.set(status.clone());
    let (stop, stopped) = watch::channel(false);
    let thread_status = status.clone();
    let thread = std::thread::Builder::new()
        .name("hindsight-broker".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "could not start the broker consumer's runtime");
                    return;
                }
            };
            runtime.block_on(run(state, settings, url, thread_status, stopped));
        })?;
    Ok(ConsumerHandle {
        stop,
        thread: Some(thread),
        status,
    })
}

/// Connects, consumes, and on any broker failure reconnects with backoff, until stopped.
async fn run(
    state: AppState,
    settings: BrokerSettings,
    url: String,
    status: Arc<Status>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut backoff = MIN_BACKOFF;
    loop {
        let result = tokio::select! {
            r = session(&state, &settings, &url, &status, &mut backoff) => r,
            _ = stopped.changed() => return,
        };
        let error = match result {
            Ok(()) => "the broker ended the consumer".to_owned(),
            Err(e) => e,
        };
        tracing::warn!(%error, retry_in = ?backoff, "event broker: reconnecting");
        status.set(State::Reconnecting, Some(error));
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = stopped.changed() => return,
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

fn broker_error(e: lapin::Error) -> String {
    format!("event broker: {e}")
}

/// Declares what Rasa declares, the same way: the fanout exchange (not durable: Rasa's
/// `aio_pika` declares it with its defaults, and RabbitMQ refuses a declaration that differs)
/// and the durable queue bound to it with routing key `""`.
async fn declare(channel: &Channel, settings: &BrokerSettings) -> lapin::Result<()> {
    channel
        .exchange_declare(
            settings.exchange_name.as_str().into(),
            ExchangeKind::Fanout,
            ExchangeDeclareOptions::default(),
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_declare(
            settings.queue.as_str().into(),
            QueueDeclareOptions {
                durable: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_bind(
            settings.queue.as_str().into(),
            settings.exchange_name.as_str().into(),
            "".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
}

/// One connection's life: returns when the broker connection fails.
async fn session(
    state: &AppState,
    settings: &BrokerSettings,
    url: &str,
    status: &Arc<Status>,
    backoff: &mut Duration,
) -> Result<(), String> {
    let conn = Connection::connect(url, ConnectionProperties::default())
        .await
        .map_err(broker_error)?;
    let channel = conn.create_channel().await.map_err(broker_error)?;
    declare(&channel, settings).await.map_err(broker_error)?;
    channel
        .basic_qos(settings.prefetch, BasicQosOptions::default())
        .await
        .map_err(broker_error)?;
    let tag = format!("hindsight-{}", std::process::id());
    let mut consumer = channel
        .basic_consume(
            settings.queue.as_str().into(),
            tag.as_str().into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(broker_error)?;
    // Counting the backlog on its own channel, so a failed count never touches deliveries.
    let lag_channel = conn.create_channel().await.map_err(broker_error)?;
    status.set(State::Consuming, None);
    tracing::info!(queue = %settings.queue, "event broker: consuming");
    *backoff = MIN_BACKOFF;
    let mut lag_tick = tokio::time::interval(LAG_EVERY);
    let max = settings
        .batch
        .clamp(1, usize::from(settings.prefetch.max(1)));
    // The batch being stored, on the blocking pool, while the next one is gathered and
    // decoded here: the two overlap on two cores. One at a time, so batches commit in order.
    let mut storing: Option<Storing> = None;
    loop {
        let first = tokio::select! {
            d = consumer.next() => d,
            done = finish(&mut storing) => {
                // Acknowledged at once, not when the next message happens to arrive.
                ack(&channel, done?).await?;
                continue;
            }
            _ = lag_tick.tick() => {
                count_lag(&lag_channel, settings, status).await;
                continue;
            }
        };
        let mut gathering = Gathering::default();
        gathering.add(next_delivery(first)?);
        // One deadline for the batch: a wait renewed per message would, under steady live
        // traffic (a message every few ms), hold a batch open until it is full.
        let close_at = tokio::time::Instant::now() + GATHER;
        while gathering.messages.len() < max {
            // While the batch before is being stored this one cannot start anyway: it goes on
            // gathering past the deadline until that store is done (and acknowledged), so a
            // backlog drains in batches as large as what arrived meanwhile. Closed by the
            // deadline alone, a batch begun just after a store started closed 10 ms later
            // with what had come by then (some 250 messages at a backlog's 25,000 a second)
            // and paid a commit of its own.
            if storing.is_some() {
                tokio::select! {
                    d = consumer.next() => gathering.add(next_delivery(d)?),
                    done = finish(&mut storing) => ack(&channel, done?).await?,
                }
                continue;
            }
            match tokio::time::timeout_at(close_at, consumer.next()).await {
                Ok(d) => gathering.add(next_delivery(d)?),
                Err(_) => break,
            }
        }
        if storing.is_some() {
            let done = finish(&mut storing).await?;
            ack(&channel, done).await?;
        }
        let Gathering {
            messages,
            batch,
            last,
        } = gathering;
        let (state, status) = (state.clone(), status.clone());
        storing = Some(Storing {
            task: tokio::spawn(async move {
                store_until_done(&state, &status, &messages, Some(batch)).await;
            }),
            last,
        });
    }
}

/// The batch being gathered: each message decoded as it arrives, while the batch before it
/// is stored on the blocking pool (the two overlap on two cores).
#[derive(Default)]
struct Gathering {
    messages: Vec<Message>,
    batch: IngestBatch,
    /// The delivery tag of the last message.
    last: u64,
}

impl Gathering {
    fn add(&mut self, delivery: lapin::message::Delivery) {
        let message = message_of(&delivery);
        add_message(&mut self.batch, &message, None);
        self.messages.push(message);
        self.last = delivery.delivery_tag;
    }
}

/// A batch being stored, and the delivery tag of its last message.
struct Storing {
    task: tokio::task::JoinHandle<()>,
    last: u64,
}

/// Waits for the batch being stored (forever when there is none) and returns its last
/// delivery tag: the batch is then committed.
async fn finish(storing: &mut Option<Storing>) -> Result<u64, String> {
    let Some(s) = storing else {
        return std::future::pending().await;
    };
    let stored = (&mut s.task).await;
    let last = s.last;
    *storing = None;
    // The task ends only once its batch is stored; should it panic, the connection ends and
    // RabbitMQ delivers the batch again.
    stored
        .map(|()| last)
        .map_err(|e| format!("event broker: storing a batch failed: {e}"))
}

/// Acknowledges every message up to `last`, all committed, in one acknowledgement.
async fn ack(channel: &Channel, last: u64) -> Result<(), String> {
    channel
        .basic_ack(last, BasicAckOptions { multiple: true })
        .await
        .map_err(broker_error)
}

fn next_delivery(
    d: Option<lapin::Result<lapin::message::Delivery>>,
) -> Result<lapin::message::Delivery, String> {
    match d {
        Some(Ok(d)) => Ok(d),
        Some(Err(e)) => Err(broker_error(e)),
        None => Err("event broker: the consumer was cancelled".into()),
    }
}

async fn count_lag(channel: &Channel, settings: &BrokerSettings, status: &Status) {
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    if let Ok(q) = channel
        .queue_declare(
            settings.queue.as_str().into(),
            passive,
            FieldTable::default(),
        )
        .await
    {
        status.set_lag(u64::from(q.message_count()));
    }
}

/// Stores the messages, waiting out an unavailable database (nothing is acknowledged
/// meanwhile, so RabbitMQ keeps the messages). A batch that fails for another reason is
/// stored message by message, and a message that fails alone is recorded as an ingest error:
/// one bad message never holds up the queue.
///
/// `decoded` is the batch of `messages` when the caller has already built it.
async fn store_until_done(
    state: &AppState,
    status: &Status,
    messages: &[Message],
    mut decoded: Option<IngestBatch>,
) {
    let mut wait = MIN_BACKOFF;
    let mut failure: Option<String> = None;
    loop {
        let batch = match decoded.take() {
            Some(batch) => batch,
            None => build_batch(messages, failure.as_deref()),
        };
        let accepted = (messages.len() - batch.rejected.len()) as u64;
        let opts = IngestOptions {
            timezone: state.config.timezone,
            restore_deleted: false,
        };
        let result = state
            .db(move |conn| Ok(store_batch(conn, batch, &opts)?))
            .await;
        match result {
            Ok(stored) => {
                state.changes.committed(state.backend, stored.changes);
                status.committed(accepted, stored.rejected_recorded);
                return;
            }
            Err(AppError::Unavailable(e)) => {
                tracing::warn!(error = %e, retry_in = ?wait, "event broker: the database is unavailable");
                status.set(
                    State::DatabaseUnavailable,
                    Some("the database is unavailable".into()),
                );
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(MAX_BACKOFF);
            }
            Err(e) if messages.len() > 1 => {
                tracing::warn!(error = %e, "event broker: a batch failed; storing its messages one by one");
                for one in messages.chunks(1) {
                    Box::pin(store_until_done(state, status, one, None)).await;
                }
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "event broker: a message could not be stored");
                failure = Some(format!("the event could not be stored: {e}"));
            }
        }
    }
}

/// The ingest batch of some messages; with `failure`, every message is rejected for it.
fn build_batch(messages: &[Message], failure: Option<&str>) -> IngestBatch {
    let mut batch = IngestBatch::default();
    for m in messages {
        add_message(&mut batch, m, failure);
    }
    batch
}

/// Adds a message to an ingest batch; with `failure`, rejected for it.
fn add_message(batch: &mut IngestBatch, m: &Message, failure: Option<&str>) {
    let decoded = match failure {
        Some(reason) => Err(reason.to_owned()),
        None => decode(m),
    };
    match decoded {
        Ok(e) => {
            if let Some(env) = &e.environment {
                batch.environments.insert(e.sender_id.clone(), env.clone());
            }
            if let Some(run) = &e.export_run {
                let p: &mut RunProgress = batch.export_runs.entry(run.clone()).or_default();
                p.messages += 1;
                if p.environment.is_none() {
                    p.environment.clone_from(&e.environment);
                }
                if let Some(t) = e.event.timestamp() {
                    p.first_event_timestamp = Some(p.first_event_timestamp.map_or(t, |x| x.min(t)));
                    p.last_event_timestamp = Some(p.last_event_timestamp.map_or(t, |x| x.max(t)));
                }
                p.senders.push(e.sender_id.clone());
            }
            batch
                .conversations
                .push(crate::ingest::IncomingConversation {
                    sender_id: e.sender_id,
                    events: vec![e.event],
                });
        }
        Err(reason) => batch.rejected.push((
            NewIngestError {
                received_at: chrono::Utc::now().naive_utc(),
                source: "broker".into(),
                reason,
                body: m.body.clone(),
                body_hash: xxhash_rust::xxh3::xxh3_64(&m.body) as i64,
                properties: m.properties.to_string(),
            },
            m.redelivered,
        )),
    }
}

/// A delivery as [`Message`].
pub fn message_of(d: &lapin::message::Delivery) -> Message {
    let p = &d.properties;
    let headers: Map<String, Value> = p
        .headers()
        .as_ref()
        .map(|t| {
            t.inner()
                .iter()
                .map(|(k, v)| (k.as_str().to_owned(), amqp_json(v)))
                .collect()
        })
        .unwrap_or_default();
    let s = |v: &Option<lapin::types::ShortString>| v.as_ref().map(|s| s.as_str().to_owned());
    let properties = json!({
        "exchange": d.exchange.as_str(),
        "routing_key": d.routing_key.as_str(),
        "redelivered": d.redelivered,
        "app_id": s(p.app_id()),
        "content_type": s(p.content_type()),
        "content_encoding": s(p.content_encoding()),
        "delivery_mode": p.delivery_mode(),
        "message_id": s(p.message_id()),
        "timestamp": p.timestamp(),
        "type": s(p.kind()),
        "headers": headers,
    });
    Message {
        body: d.data.clone(),
        app_id: s(p.app_id()),
        headers,
        redelivered: d.redelivered,
        properties,
    }
}

/// An AMQP header value as JSON: strings as strings, the rest as the library writes them.
fn amqp_json(v: &AMQPValue) -> Value {
    match v {
        AMQPValue::LongString(s) => Value::String(String::from_utf8_lossy(s.as_bytes()).into()),
        AMQPValue::ShortString(s) => Value::String(s.as_str().to_owned()),
        AMQPValue::Boolean(b) => Value::Bool(*b),
        AMQPValue::Void => Value::Null,
        other => serde_json::to_value(other).unwrap_or(Value::Null),
    }
}
