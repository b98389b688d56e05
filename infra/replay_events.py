"""Re-publish portal events the publisher gave up on (its dead-letter queue's alarm fired).

    python -m infra.replay_events --since 2026-11-29T10:00:00Z --until 2026-11-29T11:00:00Z

Each DLQ message names a batch of the outbox stream with the arrival times of its
first and last record (``DDBStreamBatchInfo.approximateArrivalOfFirstRecord`` /
``...LastRecord``): give that window (a little wider is harmless; subscribers
de-duplicate by ``id``). Runs with the operator's credentials and the stage's
environment (``PORTAL_STAGE``, ``PORTAL_EVENTS_BUS``, ``AWS_REGION``): it scans the
outbox table, which the functions' roles may not.
"""

from __future__ import annotations

import argparse
from datetime import datetime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--since", required=True, type=datetime.fromisoformat)
    parser.add_argument("--until", required=True, type=datetime.fromisoformat)
    args = parser.parse_args(argv)
    from chalicelib.services.portal_events import replay

    print(f"{replay(args.since, args.until)} events put on the bus again")


if __name__ == "__main__":
    main()
