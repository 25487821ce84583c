"""Records what Rasa Pro's own PikaEventBroker puts on the wire, as fixtures for the broker
interop test (crates/hindsight-server/tests/it/broker.rs).

Rasa publishes into a test RabbitMQ through its own code paths:
  * live streaming: `TrackerStore.stream_events` (what a running assistant does), with
    RASA_ENVIRONMENT=production, for two conversations;
  * `rasa export`: `rasa.core.exporter.Exporter.publish_events` replaying a tracker store,
    every message carrying the `rasa-export-process-id` header.
Then this script consumes the queue Rasa declared and writes every message exactly as it
arrived (body bytes, properties, headers) to
crates/hindsight-server/tests/fixtures/broker/wire.json.

Setup (once): the Rasa Pro venv of tools/goldens (`/opt/rasa-venv`).
Run from the repository root, against a throwaway RabbitMQ:
    scripts/with-rabbitmq.sh /opt/rasa-venv/bin/python tools/broker/make_broker_fixtures.py

Rasa Pro 3.21's `Exporter.publish_events` closes the broker as soon as it has scheduled the
publishing tasks, which cancels all but the first message; this script holds the close back
until they ran (noted in the report of issue 16).

The events' timestamps are fixed; the export's process id is random (Rasa's uuid4), so a
re-run changes only that header.
"""

import asyncio
import base64
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlparse

# Rasa Pro pulls in LiteLLM, which otherwise tries to download a price list.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import aio_pika  # noqa: E402  (installed with rasa-pro)

import rasa.dialogue_understanding.commands  # noqa: E402,F401  (breaks an import cycle)
from rasa.core.brokers.pika import PikaEventBroker  # noqa: E402
from rasa.core.exporter import Exporter  # noqa: E402
from rasa.core.tracker_stores.tracker_store import InMemoryTrackerStore  # noqa: E402
from rasa.shared.core.domain import Domain  # noqa: E402
from rasa.shared.core.events import (  # noqa: E402
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402

QUEUE = "hindsight_fixture_events"
EXCHANGE = "rasa-exchange"
OUT = Path("crates/hindsight-server/tests/fixtures/broker/wire.json")
T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def conversation(sender: str, t: float, text: str, intent: str, confidence: float):
    return [
        ActionExecuted("action_session_start", timestamp=t),
        SessionStarted(timestamp=t + 0.001),
        ActionExecuted("action_listen", timestamp=t + 0.002),
        UserUttered(
            text,
            intent={"name": intent, "confidence": confidence},
            entities=[{"entity": "city", "value": "Zürich", "start": 0, "end": 6}],
            parse_data={
                "intent": {"name": intent, "confidence": confidence},
                "entities": [{"entity": "city", "value": "Zürich", "start": 0, "end": 6}],
                "text": text,
            },
            input_channel="rest",
            timestamp=t + 1.25,
        ),
        SlotSet("city", "Zürich", timestamp=t + 1.3),
        ActionExecuted(
            "utter_greet", policy="TEDPolicy", confidence=0.875, timestamp=t + 1.5
        ),
        BotUttered("Grüezi! 👋 How can I help?", {"buttons": None}, timestamp=t + 1.6),
        ActionExecuted("action_listen", timestamp=t + 1.7),
    ]


def broker(url: str) -> PikaEventBroker:
    u = urlparse(url)
    return PikaEventBroker(
        host=f"amqp://{u.hostname}",
        username=u.username,
        password=u.password,
        port=u.port,
        queues=[QUEUE],
        exchange_name=EXCHANGE,
        connection_attempts=5,
        retry_delay_in_seconds=1,
    )


async def publish_live(url: str) -> None:
    os.environ["RASA_ENVIRONMENT"] = "production"
    b = broker(url)
    await b.connect()
    store = InMemoryTrackerStore(Domain.empty(), event_broker=b)
    for i, (sender, text, intent, conf) in enumerate(
        [
            ("live-alice", "Zürich please", "inform", 0.93),
            ("live-bob", "hello there", "greet", 0.41),
        ]
    ):
        tracker = DialogueStateTracker.from_events(
            sender, conversation(sender, T0 + 100 * i, text, intent, conf)
        )
        # `save` streams the tracker's new events to the broker, as a running assistant does.
        await store.save(tracker)
    await asyncio.sleep(1)  # publishing is a task of the broker's loop
    await b.close()


async def publish_export(url: str) -> None:
    os.environ["RASA_ENVIRONMENT"] = "staging"
    store = InMemoryTrackerStore(Domain.empty())
    for i, sender in enumerate(["export-carol", "export-dave"]):
        tracker = DialogueStateTracker.from_events(
            sender, conversation(sender, T0 + 1000 + 10 * i, "hi", "greet", 0.99)
        )
        await store.save(tracker)
    b = broker(url)
    await b.connect()
    endpoints = Path(os.environ.get("TMPDIR", "/tmp")) / "hindsight-fixture-endpoints.yml"
    endpoints.write_text("event_broker:\n  type: pika\n")
    exporter = Exporter(store, b, str(endpoints))
    # `publish_events` closes the broker right after scheduling the publishing tasks, which
    # cancels all but the first (Rasa Pro 3.21): keep it open until they have run.
    close = b.close

    async def later() -> None:
        return None

    b.close = later
    published = await exporter.publish_events()
    print(f"rasa export published {published} events", file=sys.stderr)
    await asyncio.sleep(1)
    await close()


async def record(url: str) -> list:
    conn = await aio_pika.connect(url)
    channel = await conn.channel()
    queue = await channel.declare_queue(QUEUE, durable=True)
    out = []
    while True:
        message = await queue.get(no_ack=True, fail=False, timeout=5)
        if message is None:
            break
        props = {
            "app_id": message.app_id,
            "content_type": message.content_type,
            "content_encoding": message.content_encoding,
            "delivery_mode": int(message.delivery_mode) if message.delivery_mode else None,
            "headers": {k: (v.decode() if isinstance(v, bytes) else v) for k, v in (message.headers or {}).items()},
            "exchange": message.exchange,
            "routing_key": message.routing_key,
        }
        out.append(
            {
                "body": message.body.decode("utf-8"),
                "body_base64": base64.b64encode(message.body).decode(),
                "properties": props,
            }
        )
    await conn.close()
    return out


async def main() -> None:
    url = os.environ.get("HINDSIGHT_TEST_AMQP_URL")
    if not url:
        sys.exit("run under scripts/with-rabbitmq.sh (HINDSIGHT_TEST_AMQP_URL is not set)")
    await publish_live(url)
    await publish_export(url)
    messages = await record(url)
    if not messages:
        sys.exit("nothing was published")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"queue": QUEUE, "exchange": EXCHANGE, "messages": messages}, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(messages)} messages to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main())
