"""``make run``: the whole portal on this machine, no AWS account needed.

moto's server on 127.0.0.1:$PORTAL_MOTO_PORT (default 4566; every AWS service),
resources created from ``infra/``, demo data sent through the booking queue, the booking-events
consumer, the portal-events publisher (fed from the outbox table's stream), the
outbox printer, and the Chalice app on 127.0.0.1:$PORTAL_API_PORT (default 8000) — all in
this one process, so Ctrl-C stops everything and leaves nothing behind.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEMO_LOAD_TIMEOUT_SECONDS = 30


def configure_environment(moto_port: int) -> None:
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "ca-central-1"),
            "PORTAL_STAGE": "local",
            "PORTAL_VALIDATE_RESPONSES": "1",
        }
    )
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"]
    # A fresh HMAC key each run: moto's state (and so every code) is fresh too.
    os.environ.setdefault("PORTAL_CODE_SECRET", secrets.token_hex(32))
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)


def print_sent(kind: str, item: dict[str, Any]) -> None:
    """The terminal view of the outbox (local only: this is where codes are read)."""
    if kind == "emails":
        print(f"\n📧 email to {item['to']} — {item['subject']}\n{item['text']}\n", flush=True)
    elif kind == "events":
        detail = json.dumps(item, ensure_ascii=False)
        print(f"\n📣 event {item.get('type')} on the portal-events bus\n{detail}\n", flush=True)
    else:
        print(f"\n📱 SMS to {item['to']}: {item['text']}\n", flush=True)


def main() -> int:
    moto_port = int(os.environ.get("PORTAL_MOTO_PORT", "4566"))
    api_port = int(os.environ.get("PORTAL_API_PORT", "8000"))
    configure_environment(moto_port)
    sys.path.insert(0, str(ROOT))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("werkzeug", "botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    started = time.monotonic()
    print(f"Starting moto (AWS emulation) on http://127.0.0.1:{moto_port} ...", flush=True)
    from moto.server import ThreadedMotoServer

    moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto_server.start()

    import boto3

    from infra.local import demo, gateway
    from infra.local.queue_poller import QueuePoller
    from infra.provision import provision

    print("Creating tables, bucket, queues and the SES sender from infra/ ...", flush=True)
    provision(origin=f"http://127.0.0.1:{api_port}")
    gateway.install()

    from chalice.config import Config
    from chalice.local import create_local_server

    from app import app, booking_events, mail_sender, publish_events
    from chalicelib.config import settings
    from infra.local import dev_routes

    # The local stack adds its own routes (/_dev/*) to the app: app.py never
    # imports them, so no package can contain them.
    app.register_blueprint(dev_routes.bp)

    sqs = boto3.client("sqs")
    queue_url = sqs.get_queue_url(QueueName=settings().booking_queue)["QueueUrl"]
    poller = QueuePoller(sqs, queue_url, booking_events)
    poller.start()
    from infra.local.stream_poller import StreamPoller

    publisher = StreamPoller(
        boto3.client("dynamodb"),
        boto3.client("dynamodbstreams"),
        settings().table_name("outbox"),
        publish_events,
    )
    publisher.start()
    mail_url = sqs.get_queue_url(QueueName=settings().mail_queue)["QueueUrl"]
    mail_poller = QueuePoller(sqs, mail_url, mail_sender, name="mail-queue-poller")
    mail_poller.start()

    print("Sending demo booking events through the queue ...", flush=True)
    demo_events = demo.events()
    for event in demo_events:
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(event))
    # "Ready" means the demo people can sign in: their records must be stored first.
    if not poller.wait_handled(len(demo_events), timeout=DEMO_LOAD_TIMEOUT_SECONDS):
        print("Warning: some demo booking events are not applied yet.", flush=True)

    dev_routes.OUTBOX._printer = print_sent

    def print_outbox() -> None:
        while True:
            try:
                dev_routes.OUTBOX.collect()
            except Exception:
                logging.getLogger("portal.local").exception("outbox read failed")
            time.sleep(0.5)

    threading.Thread(target=print_outbox, name="outbox-printer", daemon=True).start()

    config_file = ROOT / ".chalice" / "config.json"
    config = Config.create(
        chalice_stage="local",
        app_name="client-portal",
        project_dir=str(ROOT),
        config_from_disk=json.loads(config_file.read_text()),
        chalice_app=app,
    )
    server = create_local_server(app, config, "127.0.0.1", api_port)

    def stop(*_: Any) -> None:
        raise KeyboardInterrupt

    # Explicit, because a shell that starts us in the background ignores SIGINT.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(
        f"\nPortal ready in {time.monotonic() - started:.1f} s:\n"
        f"  API        http://127.0.0.1:{api_port}/health  (page: http://127.0.0.1:{api_port}/)\n"
        f"  AWS (moto) http://127.0.0.1:{moto_port}\n"
        f"  Outbox     http://127.0.0.1:{api_port}/_dev/outbox\n"
        f"  Demo       {demo.PRIMARY_EMAIL}, {demo.SECOND_EMAIL}, {demo.OTHER_EMAIL}\n"
        "Ctrl-C stops everything.\n",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
    finally:
        poller.stopped.set()
        publisher.stopped.set()
        mail_poller.stopped.set()
        server.server.server_close()
        moto_server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
