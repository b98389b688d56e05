"""The local stack's demo people (infra/local/demo.py) stay distinct through the walk-through."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.services import phones
from infra.local import demo

README = Path(__file__).resolve().parents[2] / "README.md"


def _demo_mobiles() -> dict[str, str]:
    """email -> E.164 mobile of each demo person (first record per person)."""
    found: dict[str, str] = {}
    for event in demo.events():
        record = event.get("client_record")
        if record and record["mobile_phone"]:
            person = f"{record['first_name']} {record['last_name']}"
            found.setdefault(person, phones.to_e164(record["mobile_phone"]) or "")
    return found


def test_each_demo_person_has_their_own_mobile():
    mobiles = _demo_mobiles()
    assert set(mobiles) == {"Camille Tremblay", "Alex Martin"}
    assert all(mobiles.values())
    assert len(set(mobiles.values())) == len(mobiles)


def test_the_walk_through_gives_camille_no_other_demo_persons_mobile():
    # The README's walk-through saves Camille's profile with a new mobile: it must not be
    # Alex's, or two demo people end up with the same number (and get each other's SMS).
    typed = re.findall(r'"mobile_phone":"([^"]+)"', README.read_text(encoding="utf-8"))
    assert typed, "the walk-through no longer saves a mobile: update this test"
    saved = {phones.to_e164(number) for number in typed}
    others = {mobile for person, mobile in _demo_mobiles().items() if person != "Camille Tremblay"}
    assert not saved & others
