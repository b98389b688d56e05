"""What a new Lambda instance pays: only what its first request needs.

- ``import app`` loads neither pydantic nor the schemas (routes name their
  models, ``api/schema_ref.py``), nor any other first-use library;
- a GET route answers without pydantic;
- one botocore session and one client per service serve every pynamodb
  model, transaction and adapter (each session parses the service models again).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST_USE = (
    "pydantic",
    "boto3",
    "ua_parser",
    "phonenumbers",
    "email_validator",
    "PIL",
    "babel",
    "maxminddb",
    "zoneinfo",
)


def _run(code: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PORTAL_"))}
    env.update(
        {
            "AWS_DEFAULT_REGION": "ca-central-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "PORTAL_STAGE": "dev",
        }
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


LOADED = (
    "import json, sys\n"
    f"first_use = {FIRST_USE!r}\n"
    "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & set(first_use))))\n"
)


def test_import_app_loads_no_first_use_library():
    assert _run("import app\n" + LOADED) == []


def test_a_get_route_answers_without_pydantic():
    code = (
        "from infra.local.moto_env import use_in_process_moto\n"
        "use_in_process_moto(code_secret='test')\n"
        "import moto\n"
        "moto.mock_aws().start()\n"
        "from infra.provision import provision\n"
        "provision()\n"
        "from app import app\n"
        "from chalice.test import Client\n"
        "from chalicelib.services import sessions\n"
        "from tests.conftest import make_account\n"
        "account = make_account()\n"
        "token = sessions.issue(account.account_id, 'camille@example.com', user_agent=None,\n"
        "                       ip=None, location=None).token\n"
        "with Client(app, stage_name='local', project_dir='.') as client:\n"
        "    for path in ('/profile', '/sessions', '/health'):\n"
        "        answer = client.http.get(path, headers={'Authorization': f'Bearer {token}'})\n"
        "        assert answer.status_code == 200, (path, answer.body)\n" + LOADED
    )
    assert "pydantic" not in _run(code)


def test_a_body_route_loads_its_models_on_first_use(client, signed_in):
    from chalicelib.api import schema_ref

    _, headers = signed_in()
    response = client.http.put("/profile", headers=headers, body=json.dumps({"version": "x"}))
    assert response.status_code == 400  # version must be an integer: pydantic did check
    assert schema_ref.schema("profile.ProfileUpdate").load().__name__ == "ProfileUpdate"


def test_a_misnamed_model_is_refused_at_declaration():
    from chalicelib.api.schema_ref import schema

    with pytest.raises(ValueError):
        schema("ProfileUpdate")


def test_one_session_and_one_dynamodb_client_serve_every_model(aws_env, monkeypatch):
    import botocore.session
    from pynamodb.exceptions import DoesNotExist

    from chalicelib.adapters import aws
    from chalicelib.store import ALL_MODELS, JobState, base

    sessions_started: list[object] = []
    clients: list[str] = []
    real_get_session = botocore.session.get_session
    real_create_client = botocore.session.Session.create_client

    def get_session(*args, **kwargs):
        sessions_started.append(1)
        return real_get_session(*args, **kwargs)

    def create_client(self, service_name, *args, **kwargs):
        clients.append(service_name)
        return real_create_client(self, service_name, *args, **kwargs)

    monkeypatch.setattr(botocore.session, "get_session", get_session)
    monkeypatch.setattr(botocore.session.Session, "create_client", create_client)
    aws.reset()
    base.connection.cache_clear()  # as in a fresh process

    for model in ALL_MODELS:
        key = ("nobody",) if model._range_keyname is None else ("nobody", "nothing")
        with pytest.raises(DoesNotExist):
            model.get(*key)
        assert model._get_connection().connection is base.connection()
    with base.transaction() as transaction:
        transaction.save(JobState("lock-free-job"))
    aws.client("sns")
    aws.client("sesv2")

    assert len(sessions_started) == 1
    assert clients == ["dynamodb", "sns", "sesv2"]
    assert aws.client("sns") is aws.client("sns")


def test_phonenumbers_can_load_while_a_request_waits():
    code = (
        "import json, sys, threading\n"
        "from chalicelib.services import phones\n"
        "assert 'phonenumbers' not in sys.modules\n"
        "phones.load_in_background()\n"
        "for thread in threading.enumerate():\n"
        "    if thread is not threading.main_thread():\n"
        "        thread.join()\n"
        "loaded = 'phonenumbers' in sys.modules\n"
        "print(json.dumps([loaded, phones.phone_view('+15145550123')['national']]))\n"
    )
    assert _run(code) == [True, "(514) 555-0123"]
