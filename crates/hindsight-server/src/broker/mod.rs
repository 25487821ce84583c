//! Live conversations from Rasa's event broker (issue 16).
//!
//! Rasa's `PikaEventBroker` publishes every event of every conversation, as JSON with the
//! conversation's `sender_id` added, to a fanout exchange (`rasa-exchange`) bound to durable
//! queues (`rasa_core_events` unless configured). [`consumer`] reads one such queue and
//! stores what arrives through the same ingest path as the HTTP routes
//! ([`crate::service::ingest::store_batch`]), acknowledging a message only once its batch
//! is committed: at least once, and a redelivered event is dropped as already stored.

pub mod changes;
pub mod consumer;
pub mod message;
pub mod status;

pub use changes::ChangeFeed;
pub use consumer::{spawn, ConsumerHandle};

/// Where and how to consume Rasa's events. The names and defaults are Rasa's own
/// (`endpoints.yml`: `event_broker: {type: pika, queues: [...], exchange_name: ...}`).
#[derive(Debug, Clone, clap::Args)]
pub struct BrokerSettings {
    /// RabbitMQ to consume Rasa's events from: `amqp://USER:PASS@HOST:5672/VHOST`
    /// (`amqps://` for TLS). Unset: no consumer.
    #[arg(long = "broker", env = "HINDSIGHT_BROKER_URL", hide_env_values = true)]
    pub url: Option<String>,

    /// The queue to consume: one of Rasa's `queues` (Rasa's default `rasa_core_events`;
    /// Rasa X setups used `rasa_production_events`). Declared durable and bound to the exchange,
    /// as Rasa does, so nothing published before Hindsight first starts is lost.
    #[arg(
        long = "broker-queue",
        env = "HINDSIGHT_BROKER_QUEUE",
        default_value = "rasa_core_events"
    )]
    pub queue: String,

    /// Rasa's `exchange_name`: the fanout exchange Rasa publishes to.
    #[arg(
        long = "broker-exchange-name",
        env = "HINDSIGHT_BROKER_EXCHANGE_NAME",
        default_value = "rasa-exchange"
    )]
    pub exchange_name: String,

    /// Messages RabbitMQ sends ahead before they are acknowledged (AMQP prefetch): two
    /// batches, so the next is waiting while one is stored.
    #[arg(
        long = "broker-prefetch",
        env = "HINDSIGHT_BROKER_PREFETCH",
        default_value_t = 8000
    )]
    pub prefetch: u16,

    /// Most messages stored in one transaction (and acknowledged together). A backlog's events
    /// interleave many conversations, and a batch's cost is mostly per conversation: 4,000
    /// drained a bench backlog (100 conversations under way) at 13,178 events/s, 1,000 at
    /// 7,017. Live traffic is unaffected: a batch closes 10 ms after its first message. On
    /// SQLite a batch holds the write lock while it is stored (about 0.3 s for 4,000).
    #[arg(
        long = "broker-batch",
        env = "HINDSIGHT_BROKER_BATCH",
        default_value_t = 4000
    )]
    pub batch: usize,
}

impl BrokerSettings {
    /// Settings for `url` with Rasa's defaults.
    pub fn new(url: impl Into<String>) -> BrokerSettings {
        BrokerSettings {
            url: Some(url.into()),
            queue: "rasa_core_events".into(),
            exchange_name: "rasa-exchange".into(),
            prefetch: 8000,
            batch: 4000,
        }
    }
}
