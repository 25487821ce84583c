//! RabbitMQ for the broker tests: the shared node `scripts/with-rabbitmq.sh` starts
//! (`HINDSIGHT_TEST_AMQP_URL`, one queue and exchange per test), a publisher that declares
//! what Rasa declares, and a node of a test's own that it can restart.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hindsight_server::broker::BrokerSettings;
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};

/// The shared test node.
pub fn amqp_url() -> String {
    std::env::var("HINDSIGHT_TEST_AMQP_URL").expect(
        "HINDSIGHT_TEST_AMQP_URL is not set: run the tests under scripts/with-rabbitmq.sh (just test does)",
    )
}

fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Consumer settings with a queue and exchange of this test's own.
pub fn settings(url: &str) -> BrokerSettings {
    let id = unique();
    BrokerSettings {
        queue: format!("hs_events_{id}"),
        exchange_name: format!("hs_exchange_{id}"),
        ..BrokerSettings::new(url)
    }
}

/// Publishes as Rasa's `PikaEventBroker` does, with publisher confirms.
pub struct Publisher {
    _conn: Connection,
    channel: Channel,
    exchange: String,
}

impl Publisher {
    /// Connects and declares what Rasa declares: the fanout exchange and the durable queue
    /// bound to it (so nothing published before the consumer starts is lost).
    pub async fn new(settings: &BrokerSettings) -> Publisher {
        let url = settings.url.clone().unwrap();
        let conn = Connection::connect(&url, ConnectionProperties::default())
            .await
            .expect("connect to RabbitMQ");
        let channel = conn.create_channel().await.unwrap();
        channel
            .exchange_declare(
                settings.exchange_name.as_str().into(),
                ExchangeKind::Fanout,
                ExchangeDeclareOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
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
            .unwrap();
        channel
            .queue_bind(
                settings.queue.as_str().into(),
                settings.exchange_name.as_str().into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .unwrap();
        Publisher {
            _conn: conn,
            channel,
            exchange: settings.exchange_name.clone(),
        }
    }

    /// Publishes one message and waits for the broker's confirm.
    pub async fn publish(&self, body: &[u8], properties: BasicProperties) {
        self.channel
            .basic_publish(
                self.exchange.as_str().into(),
                "".into(),
                BasicPublishOptions::default(),
                body,
                properties,
            )
            .await
            .expect("publish")
            .await
            .expect("publisher confirm");
    }

    /// Publishes an event as Rasa does: persistent, `app_id` = the environment.
    pub async fn event(&self, body: &serde_json::Value, environment: Option<&str>) {
        let mut props = BasicProperties::default().with_delivery_mode(2);
        if let Some(env) = environment {
            props = props.with_app_id(env.into());
        }
        self.publish(body.to_string().as_bytes(), props).await;
    }
}

/// Polls `check` until it is true; panics naming `what` after two minutes.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(120);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const RABBITMQ_BIN: &str = "/usr/lib/rabbitmq/bin";

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A RabbitMQ node of a test's own (as `scripts/with-rabbitmq.sh` starts one), which the
/// test can stop and start again on the same port and data. Stopped on drop.
pub struct Node {
    dir: tempfile::TempDir,
    name: String,
    port: u16,
    epmd: u16,
    dist: u16,
    child: Option<Child>,
}

impl Node {
    pub fn start_new() -> Node {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("enabled_plugins"), "[].").unwrap();
        std::fs::write(
            dir.path().join("rabbitmq.conf"),
            "disk_free_limit.absolute = 1\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("rabbitmq-env.conf"), "").unwrap();
        let mut node = Node {
            name: format!("hindsight-test-{}@localhost", unique()),
            dir,
            port: free_port(),
            epmd: free_port(),
            dist: free_port(),
            child: None,
        };
        node.start();
        node
    }

    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    fn command(&self, program: &str) -> Command {
        let d: PathBuf = self.dir.path().to_owned();
        let mut c = Command::new(format!("{RABBITMQ_BIN}/{program}"));
        c.env("HOME", &d)
            .env("RABBITMQ_NODENAME", &self.name)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", self.port.to_string())
            .env("RABBITMQ_DIST_PORT", self.dist.to_string())
            .env("ERL_EPMD_PORT", self.epmd.to_string())
            .env("RABBITMQ_MNESIA_BASE", d.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", d.join("log"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", d.join("enabled_plugins"))
            .env("RABBITMQ_CONFIG_FILE", d.join("rabbitmq"))
            .env("RABBITMQ_ADVANCED_CONFIG_FILE", d.join("advanced.config"))
            .env("RABBITMQ_CONF_ENV_FILE", d.join("rabbitmq-env.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    }

    /// Starts the node and waits until it serves.
    pub fn start(&mut self) {
        let child = self
            .command("rabbitmq-server")
            .spawn()
            .expect("rabbitmq-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let ok = self
                .command("rabbitmqctl")
                .args(["-n", &self.name, "await_startup", "--timeout", "5"])
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            assert!(Instant::now() < deadline, "RabbitMQ did not start");
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Stops the node (its durable queues and persistent messages stay on disk).
    pub fn stop(&mut self) {
        let _ = self
            .command("rabbitmqctl")
            .args(["-n", &self.name, "stop"])
            .status();
        if let Some(mut child) = self.child.take() {
            let deadline = Instant::now() + Duration::from_secs(30);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
        let _ = Command::new("epmd")
            .args(["-port", &self.epmd.to_string(), "-kill"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
