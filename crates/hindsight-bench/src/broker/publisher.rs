//! Rasa's side of the event broker: demo conversations as `PikaEventBroker` puts their events
//! on the wire, published to RabbitMQ with publisher confirms.

use std::collections::VecDeque;

use anyhow::{bail, Context};
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions, ExchangeDeleteOptions,
    QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{
    BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind, PublisherConfirm,
};
use serde_json::{Map, Value};

/// Conversations of the backlog that are under way at once: Rasa publishes every event as it
/// happens, so a queue holds the events of many conversations interleaved, and a batch the
/// consumer stores touches many conversations.
pub(super) const BACKLOG_INTERLEAVED: usize = 100;

/// Confirms awaited at most behind the newest publish while the backlog is published.
const CONFIRM_WINDOW: usize = 5_000;

/// One event of the traffic.
pub(super) struct TrafficEvent {
    /// The conversation.
    pub(super) sender: String,
    /// The event as Rasa stores it in a tracker.
    pub(super) event: Value,
    /// Whether it is the conversation's first event.
    pub(super) first: bool,
}

/// Demo conversations (`hindsight_server::demo`), `interleaved` under way at once, one event
/// of each in turn: an endless stream of events as Rasa would publish them.
pub(super) struct Traffic {
    seed: u64,
    next_index: u64,
    prefix: &'static str,
    interleaved: usize,
    active: VecDeque<(String, std::vec::IntoIter<Value>, bool)>,
    /// Conversations whose first event was taken so far.
    pub(super) conversations: u64,
}

impl Traffic {
    /// Demo conversations `first_index…` of `seed`, their sender ids `{prefix}{index}`.
    pub(super) fn new(
        seed: u64,
        first_index: u64,
        prefix: &'static str,
        interleaved: usize,
    ) -> Self {
        Traffic {
            seed,
            next_index: first_index,
            prefix,
            interleaved: interleaved.max(1),
            active: VecDeque::new(),
            conversations: 0,
        }
    }
}

impl Traffic {
    /// The index of the next demo conversation it would begin: where other traffic starts.
    pub(super) fn next_index(&self) -> u64 {
        self.next_index
    }

    /// What every sender id of this traffic starts with.
    pub(super) fn prefix(&self) -> &'static str {
        self.prefix
    }
}

impl Iterator for Traffic {
    type Item = TrafficEvent;

    fn next(&mut self) -> Option<TrafficEvent> {
        while self.active.len() < self.interleaved {
            let (_, events) =
                hindsight_server::demo::conversation_events(self.seed, self.next_index);
            let sender = format!("{}{:07}", self.prefix, self.next_index);
            self.active.push_back((sender, events.into_iter(), true));
            self.next_index += 1;
        }
        let (sender, mut events, first) = self.active.pop_front()?;
        let event = events.next()?;
        self.conversations += u64::from(first);
        if !events.as_slice().is_empty() {
            self.active.push_back((sender.clone(), events, false));
        }
        Some(TrafficEvent {
            sender,
            event,
            first,
        })
    }
}

/// The message body `PikaEventBroker` publishes for an event: the event with the
/// conversation's `sender_id` (and a null `user_id`) added in front, and the environment in
/// its metadata. `timestamp` replaces the event's own (live traffic happens now).
pub(super) fn wire_body(
    sender: &str,
    event: &Value,
    environment: &str,
    timestamp: Option<f64>,
) -> Vec<u8> {
    let mut m = Map::new();
    m.insert("sender_id".into(), Value::String(sender.to_owned()));
    m.insert("user_id".into(), Value::Null);
    if let Value::Object(fields) = event {
        for (k, v) in fields {
            m.insert(k.clone(), v.clone());
        }
    }
    if let Some(t) = timestamp {
        m.insert("timestamp".into(), t.into());
    }
    let meta = m
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(meta) = meta {
        meta.insert("rasa_environment".into(), environment.into());
    }
    serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
}

/// A connection to RabbitMQ that publishes as Rasa's `PikaEventBroker` does.
pub(super) struct Publisher {
    _conn: Connection,
    channel: Channel,
    exchange: String,
    queue: String,
}

impl Publisher {
    /// Connects and declares what Rasa declares (the fanout exchange with its defaults, the
    /// durable queue bound to it with routing key `""`), then turns on publisher confirms.
    pub(super) async fn connect(url: &str, exchange: &str, queue: &str) -> anyhow::Result<Self> {
        let conn = Connection::connect(url, ConnectionProperties::default())
            .await
            .context("connecting to RabbitMQ")?;
        let channel = conn.create_channel().await?;
        channel
            .exchange_declare(
                exchange.into(),
                ExchangeKind::Fanout,
                ExchangeDeclareOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let durable = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        channel
            .queue_declare(queue.into(), durable, FieldTable::default())
            .await?;
        channel
            .queue_bind(
                queue.into(),
                exchange.into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        Ok(Publisher {
            _conn: conn,
            channel,
            exchange: exchange.to_owned(),
            queue: queue.to_owned(),
        })
    }

    /// Publishes one body as Rasa does (persistent, `app_id` = the environment); the confirm
    /// is RabbitMQ's word that it holds the message.
    pub(super) async fn publish(
        &self,
        body: &[u8],
        environment: &str,
    ) -> anyhow::Result<PublisherConfirm> {
        let props = BasicProperties::default()
            .with_delivery_mode(2)
            .with_app_id(environment.into());
        Ok(self
            .channel
            .basic_publish(
                self.exchange.as_str().into(),
                "".into(),
                BasicPublishOptions::default(),
                body,
                props,
            )
            .await?)
    }

    /// Publishes `events` events of `traffic` with their own timestamps and waits until
    /// RabbitMQ confirmed every one (a window of confirms in flight, as a busy Rasa has).
    pub(super) async fn backlog(
        &self,
        traffic: &mut Traffic,
        events: u64,
        environment: &str,
        mut progress: impl FnMut(u64),
    ) -> anyhow::Result<()> {
        let mut pending = VecDeque::with_capacity(CONFIRM_WINDOW);
        for (n, e) in traffic.take(events as usize).enumerate() {
            let body = wire_body(&e.sender, &e.event, environment, None);
            pending.push_back(self.publish(&body, environment).await?);
            if pending.len() >= CONFIRM_WINDOW {
                if let Some(c) = pending.pop_front() {
                    confirmed(c).await?;
                }
            }
            if (n + 1) % 100_000 == 0 {
                progress(n as u64 + 1);
            }
        }
        for c in pending {
            confirmed(c).await?;
        }
        Ok(())
    }

    /// Messages ready in the queue.
    pub(super) async fn queued(&self) -> anyhow::Result<u64> {
        let passive = QueueDeclareOptions {
            passive: true,
            ..QueueDeclareOptions::default()
        };
        let q = self
            .channel
            .queue_declare(self.queue.as_str().into(), passive, FieldTable::default())
            .await?;
        Ok(u64::from(q.message_count()))
    }

    /// Deletes the queue and the exchange (the bench's own).
    pub(super) async fn delete(&self) -> anyhow::Result<()> {
        self.channel
            .queue_delete(self.queue.as_str().into(), QueueDeleteOptions::default())
            .await?;
        self.channel
            .exchange_delete(
                self.exchange.as_str().into(),
                ExchangeDeleteOptions::default(),
            )
            .await?;
        Ok(())
    }
}

/// Waits for a publisher confirm; an error unless RabbitMQ acknowledged the message.
pub(super) async fn confirmed(confirm: PublisherConfirm) -> anyhow::Result<()> {
    if !confirm.await?.is_ack() {
        bail!("RabbitMQ did not take a message (nack)");
    }
    Ok(())
}
