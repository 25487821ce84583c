//! RabbitMQ for the browser tests: the node `scripts/with-rabbitmq.sh` starts
//! (`HINDSIGHT_TEST_AMQP_URL`; `just test` runs every test under it), a queue and exchange of
//! the test's own, and a publisher that declares them as Rasa's `PikaEventBroker` does.

use hindsight_server::broker::BrokerSettings;
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};

/// Consumer settings for the shared test node, with a queue and exchange of this process.
pub fn settings() -> BrokerSettings {
    let url = std::env::var("HINDSIGHT_TEST_AMQP_URL").expect(
        "HINDSIGHT_TEST_AMQP_URL is not set: run the browser tests under scripts/with-rabbitmq.sh (just test does)",
    );
    let id = format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
            % 1_000_000_000
    );
    BrokerSettings {
        queue: format!("e2e_events_{id}"),
        exchange_name: format!("e2e_exchange_{id}"),
        ..BrokerSettings::new(url)
    }
}

/// Publishes to the exchange, as Rasa does, waiting for the broker's confirm.
pub struct Publisher {
    _conn: Connection,
    channel: Channel,
    exchange: String,
}

impl Publisher {
    /// Connects and declares the fanout exchange and the durable queue bound to it.
    pub async fn new(settings: &BrokerSettings) -> Publisher {
        let url = settings.url.clone().expect("a broker URL");
        let conn = Connection::connect(&url, ConnectionProperties::default())
            .await
            .expect("connect to RabbitMQ");
        let channel = conn.create_channel().await.expect("a channel");
        channel
            .exchange_declare(
                settings.exchange_name.as_str().into(),
                ExchangeKind::Fanout,
                ExchangeDeclareOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("declare the exchange");
        let durable = QueueDeclareOptions {
            durable: true,
            ..QueueDeclareOptions::default()
        };
        channel
            .queue_declare(
                settings.queue.as_str().into(),
                durable,
                FieldTable::default(),
            )
            .await
            .expect("declare the queue");
        channel
            .queue_bind(
                settings.queue.as_str().into(),
                settings.exchange_name.as_str().into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .expect("bind the queue");
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .expect("publisher confirms");
        Publisher {
            _conn: conn,
            channel,
            exchange: settings.exchange_name.clone(),
        }
    }

    /// Publishes one message body (persistent, `app_id` = `production`).
    pub async fn publish(&self, body: &[u8]) {
        let props = BasicProperties::default()
            .with_delivery_mode(2)
            .with_app_id("production".into());
        self.channel
            .basic_publish(
                self.exchange.as_str().into(),
                "".into(),
                BasicPublishOptions::default(),
                body,
                props,
            )
            .await
            .expect("publish")
            .await
            .expect("publisher confirm");
    }
}
