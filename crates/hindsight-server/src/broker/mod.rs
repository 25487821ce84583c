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

/// Most messages stored in one transaction by default. A backlog's events interleave many
/// conversations, and a batch's cost is mostly per conversation and per commit: a 200,000-event
/// backlog (SQLite, 2 cores, `hindsight-bench --conversations 20000 --broker-events 200000`,
/// two alternating rounds) drained at 17,801–18,935 events/s in batches of 4,000, 25,539–26,324
/// in 8,000 (peak RSS 150 MB), 20,405–25,433 in 12,000 (190 MB), 23,484–24,199 in 16,000 (235
/// MB, over the 200 MB bound). Live traffic is unaffected: a batch closes 10 ms after its first
/// message. On SQLite a batch holds the write lock while it is stored (8,000 at that rate: about
/// 0.3 s), which a reviewer's write waits out.
pub const DEFAULT_BATCH: usize = 8_000;

/// Messages RabbitMQ sends ahead by default: two batches.
pub const DEFAULT_PREFETCH: u16 = 16_000;

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
        default_value_t = DEFAULT_PREFETCH
    )]
    pub prefetch: u16,

    /// Most messages stored in one transaction (and acknowledged together); see
    /// [`DEFAULT_BATCH`].
    #[arg(
        long = "broker-batch",
        env = "HINDSIGHT_BROKER_BATCH",
        default_value_t = DEFAULT_BATCH
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
            prefetch: DEFAULT_PREFETCH,
            batch: DEFAULT_BATCH,
        }
    }
}
