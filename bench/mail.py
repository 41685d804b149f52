"""Mail throughput: the web request that queues 200 invitations, then delivery over SMTP.

Usage: .venv/bin/python bench/mail.py [--invitations 200] [--database-url URL]

A real SMTP server (aiosmtpd) listens on loopback; `send-mail`'s own function delivers the queue.
Targets (issue 3): the request returns in under 0.5 s; at least 50 messages/s delivered.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class CountingHandler:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invitations", type=int, default=200)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()

    from aiosmtpd.controller import Controller
    from werkzeug.security import generate_password_hash

    from feedback360 import create_app
    from feedback360.extensions import db
    from feedback360.mail import transport
    from feedback360.models import User
    from feedback360.outbox import send_pending
    from feedback360.rounds import services

    handler = CountingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app(
            {
                "INSTANCE_PATH": Path(tmp) / "instance",
                "SQLALCHEMY_DATABASE_URI": url,
                "WTF_CSRF_ENABLED": False,
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": port,
            }
        )
        with app.app_context():
            db.drop_all()
            db.create_all()
            leader = User(
                email="bench@example.com",
                name="Bench Leader",
                password_hash=generate_password_hash("bench-password", "pbkdf2:sha256:1000"),
            )
            db.session.add(leader)
            db.session.commit()
            a_round = services.create_round(
                leader, title="Bench", platforms=[], closes_on=None, anonymity_threshold=3
            )
            services.open_round(a_round)
            round_id = a_round.id
        client = app.test_client()
        client.post("/login", data={"email": "bench@example.com", "password": "bench-password"})
        lines = "\n".join(f"person{i:04d}@example.org, follower" for i in range(args.invitations))
        started = time.perf_counter()
        reply = client.post(f"/rounds/{round_id}/invitations", data={"lines": lines})
        request_seconds = time.perf_counter() - started
        assert reply.status_code == 200, reply.status_code
        with app.app_context():
            started = time.perf_counter()
            sent = 0
            while True:
                report = send_pending(transport(), 100)
                sent += report.sent
                if not (report.sent or report.retrying):
                    break
            send_seconds = time.perf_counter() - started
            db.drop_all()
    controller.stop()
    figures = {
        "database": url.split(":")[0],
        "invitations": args.invitations,
        "queue_request_seconds": round(request_seconds, 3),
        "sent": sent,
        "received_by_smtp_server": handler.count,
        "send_seconds": round(send_seconds, 3),
        "messages_per_second": round(sent / send_seconds, 1) if send_seconds else None,
        "targets": {"queue_request_seconds": 0.5, "messages_per_second": 50},
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
