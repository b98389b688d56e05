"""Calls released at the same instant from their own threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call in its own thread, released at the same instant; results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as exc:  # reported by the assertions, never swallowed
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    return results
