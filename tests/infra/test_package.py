"""``python -m infra.package``: one SAM template with everything wired, a zip Lambda can run.

Packaging takes a while (a cold dependency cache downloads the Lambda wheels), so it
runs once per test session; every check reads that one build.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra.package import MAX_ZIP_BYTES, RESOURCE_ENVIRONMENT, Package, build, used_services

ROOT = Path(__file__).resolve().parents[2]
CFN_LINT = Path(sys.executable).with_name("cfn-lint")
LOCAL_ONLY = {"PORTAL_CODE_SECRET", "PORTAL_DEV_ROUTES", "AWS_ENDPOINT_URL"}
FROM_LAMBDA = {"AWS_REGION", "AWS_DEFAULT_REGION"}  # set by the Lambda runtime itself


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory) -> Package:
    return build("prod", tmp_path_factory.mktemp("package") / "prod")


@pytest.fixture(scope="session")
def template(package: Package) -> dict[str, Any]:
    return json.loads(package.template.read_text(encoding="utf-8"))


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def handler(template: dict[str, Any], name: str) -> dict[str, Any]:
    (props,) = [p for p in functions(template).values() if p["Handler"] == f"app.{name}"]
    return props


def variables_read_by_the_code() -> set[str]:
    source = (ROOT / "chalicelib" / "config.py").read_text(encoding="utf-8")
    return set(re.findall(r"""env(?:iron)?\.get\(\s*["']([A-Z0-9_]+)["']""", source))


def test_cfn_lint_passes_on_the_packaged_template(package: Package) -> None:
    result = subprocess.run([str(CFN_LINT), str(package.template)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_function_and_schedule_of_the_app_is_packaged(template: dict[str, Any]) -> None:
    from app import app

    assert handler(template, "app")["Timeout"] <= 29  # API Gateway gives up at 29 s
    for source in app.event_sources:
        props = handler(template, source.name)
        events = list(props["Events"].values())
        if hasattr(source, "schedule_expression"):
            assert [e["Properties"]["Schedule"] for e in events] == [
                source.schedule_expression.to_string()
            ]
        else:
            (event,) = events
            assert event["Type"] == "SQS"
            queue = {"booking_events": "BookingEventsQueue", "mail_sender": "OutboundMailQueue"}
            assert event["Properties"]["Queue"] == {"Fn::GetAtt": [queue[source.name], "Arn"]}
            assert event["Properties"]["BatchSize"] == source.batch_size
            assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert handler(template, "cleanup")["Timeout"] == 900


def test_every_variable_the_code_reads_is_set_and_no_local_only_one(
    template: dict[str, Any],
) -> None:
    needed = variables_read_by_the_code() - LOCAL_ONLY - FROM_LAMBDA
    assert {"PORTAL_TABLE_PREFIX", "PORTAL_BUCKET", "PORTAL_CODE_SECRET_PARAMETER"} <= needed
    for logical_id, props in functions(template).items():
        variables = props["Environment"]["Variables"]
        assert needed <= set(variables), (logical_id, needed - set(variables))
        assert not LOCAL_ONLY & set(variables), logical_id
        for name, value in RESOURCE_ENVIRONMENT.items():
            assert variables[name] == value, (logical_id, name)
        assert variables["PORTAL_STAGE"] == "prod"


def test_the_api_has_exactly_the_app_routes_and_no_dev_route(template: dict[str, Any]) -> None:
    from app import app

    (api,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::Serverless::Api"]
    paths = set(api["Properties"]["DefinitionBody"]["paths"])
    assert paths == set(app.routes)
    assert not [path for path in paths if path.startswith("/_dev")]


def test_api_gateway_errors_use_the_contract_shape(template: dict[str, Any]) -> None:
    body = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    responses = body["x-amazon-apigateway-gateway-responses"]
    expected = {
        "MISSING_AUTHENTICATION_TOKEN": (404, "route_not_found"),
        "THROTTLED": (429, "rate_limited"),
        "REQUEST_TOO_LARGE": (413, "payload_too_large"),
        "DEFAULT_4XX": (None, "malformed_request"),
        "DEFAULT_5XX": (None, "internal_error"),
    }
    for response_type, (status, code) in expected.items():
        answer = responses[response_type]
        error = json.loads(answer["responseTemplates"]["application/json"])["error"]
        assert error["code"] == code and error["message"], response_type
        assert answer.get("statusCode") == status, response_type
    assert "Retry-After" in json.dumps(responses["THROTTLED"])


def test_stage_is_fixed_and_prod_tables_are_deletion_protected(template: dict[str, Any]) -> None:
    assert template["Parameters"]["Stage"]["AllowedValues"] == ["prod"]
    tables = [r for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]
    assert tables and all(t["Properties"]["DeletionProtectionEnabled"] is True for t in tables)


def test_roles_carry_the_pinned_policy(template: dict[str, Any]) -> None:
    roles = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    policies = [p for r in roles for p in r["Properties"].get("Policies", [])]
    assert policies
    for item in policies:
        text = json.dumps(item["PolicyDocument"])
        assert ":*:*:" not in text and "dynamodb" in text and "${PhotoBucket}" in text


def test_zip_is_small_and_holds_only_runtime_files(package: Package) -> None:
    assert package.zip.stat().st_size <= MAX_ZIP_BYTES
    with zipfile.ZipFile(package.zip) as archive:
        names = archive.namelist()
    assert {"app.py", "chalice/app.py", "chalicelib/config.py"} <= set(names)
    tops = {name.split("/")[0] for name in names}
    assert not tops & {"tests", "infra", "bench", "build", ".chalice", "pip", "setuptools"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    locales = {
        Path(n).stem for n in names if n.startswith("babel/locale-data/") and n.endswith(".dat")
    }
    assert {"root", "fr", "fr_CA", "en", "en_CA"} <= locales
    assert all(re.match(r"(root|fr|en)(_|$)", locale) for locale in locales)
    models = {n.split("/")[2] for n in names if n.startswith("botocore/data/") and n.count("/") > 3}
    assert used_services() <= models


def test_the_zip_imports_and_answers_on_its_own(package: Package, tmp_path: Path) -> None:
    """Unpacked alone (no site-packages), the app imports and the API answers GET /health."""
    with zipfile.ZipFile(package.zip) as archive:
        archive.extractall(tmp_path)
    probe = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import app; "
        "event = {'resource': '/health', 'path': '/health', 'httpMethod': 'GET', "
        "'headers': {}, 'multiValueHeaders': {}, 'queryStringParameters': None, "
        "'multiValueQueryStringParameters': None, 'pathParameters': None, "
        "'stageVariables': None, 'body': None, 'isBase64Encoded': False, "
        "'requestContext': {'resourcePath': '/health', 'httpMethod': 'GET', "
        "'identity': {'sourceIp': '192.0.2.1'}, 'requestId': 'probe', 'stage': 'api'}}; "
        "print(json.dumps(app.app(event, None)))"
    )
    env = {
        "PORTAL_STAGE": "prod",
        "AWS_DEFAULT_REGION": "ca-central-1",
        "AWS_REGION": "ca-central-1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    result = subprocess.run(
        [sys.executable, "-S", "-I", "-c", probe, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["statusCode"] == 200, answer
