"""The local outbox (infra/local/outbox.py): each message listed once, whoever collects."""

from __future__ import annotations

import time
from typing import Any

from infra.local import outbox as outbox_module
from infra.local.outbox import Outbox
from tests.support.concurrency import together


def test_concurrent_collects_list_each_message_once(monkeypatch):
    sent: dict[str, list[dict[str, Any]]] = {"emails": [], "sms": [], "events": []}

    def read_outbox() -> dict[str, list[dict[str, Any]]]:
        snapshot = {kind: [dict(item) for item in items] for kind, items in sent.items()}
        time.sleep(0.02)  # long enough for another collector to read the same snapshot
        return snapshot

    monkeypatch.setattr(outbox_module, "read_outbox", read_outbox)
    printed: list[str] = []

    def printer(kind: str, item: dict[str, Any]) -> None:
        printed.append(f"{kind}: {item['to']}")
        time.sleep(0.01)  # printing to a terminal lets other threads run

    box = Outbox(printer=printer)
    for round_number in range(3):
        sent["emails"].append({"to": "a@example.com", "subject": f"code {round_number}"})
        sent["sms"].append({"to": "+15145550123", "text": f"sms {round_number}"})
        results = together([box.collect] * 6)
        assert not [r for r in results if isinstance(r, BaseException)]
    listed = box.collect()
    assert [m["subject"] for m in listed["emails"]] == ["code 0", "code 1", "code 2"]
    assert [m["text"] for m in listed["sms"]] == ["sms 0", "sms 1", "sms 2"]
    # The terminal prints each once too.
    assert printed == ["emails: a@example.com", "sms: +15145550123"] * 3


def test_collect_answers_a_copy(monkeypatch):
    sent = {"emails": [{"to": "a@example.com", "subject": "s"}], "sms": [], "events": []}
    monkeypatch.setattr(outbox_module, "read_outbox", lambda: {k: list(v) for k, v in sent.items()})
    box = Outbox()
    first = box.collect()
    sent["emails"].append({"to": "b@example.com", "subject": "t"})
    box.collect()
    assert len(first["emails"]) == 1  # what a request is serialising does not grow under it
