"""``python -m infra.package``: one SAM template with everything wired, a zip Lambda can run.

Packaging takes a while (a cold dependency cache downloads the Lambda wheels), so it
runs once per test session (tests/infra/conftest.py); every check reads that one build.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra.cloudfront import API_ENVIRONMENT
from infra.package import (
    LAMBDA_PYTHON,
    LAMBDA_RUNTIME,
    MAX_ZIP_BYTES,
    PHOTO_BUCKET_NAME,
    RESOURCE_ENVIRONMENT,
    Package,
    used_services,
)

ROOT = Path(__file__).resolve().parents[2]
CFN_LINT = Path(sys.executable).with_name("cfn-lint")
LOCAL_ONLY = {"PORTAL_CODE_SECRET", "AWS_ENDPOINT_URL"}
FROM_LAMBDA = {"AWS_REGION", "AWS_DEFAULT_REGION"}  # set by the Lambda runtime itself


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
        elif hasattr(source, "topic"):
            (event,) = events
            assert event == {"Type": "SNS", "Properties": {"Topic": {"Ref": "SesEventsTopic"}}}
        elif source.name == "publish_events":
            continue  # its stream source: test_the_publisher_reads_the_outbox_stream_...
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
    api_only = set(API_ENVIRONMENT)  # the origin check runs in the API's function only
    for logical_id, props in functions(template).items():
        variables = props["Environment"]["Variables"]
        expected = needed if props["Handler"] == "app.app" else needed - api_only
        assert expected <= set(variables), (logical_id, expected - set(variables))
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


def roles(template: dict[str, Any]) -> dict[str, str]:
    """Function handler name -> its policy document, as JSON text."""
    resources = template["Resources"]
    found = {}
    for props in functions(template).values():
        role = resources[props["Role"]["Fn::GetAtt"][0]]["Properties"]
        (policy,) = role["Policies"]
        found[props["Handler"].removeprefix("app.")] = json.dumps(policy["PolicyDocument"])
    return found


def test_one_role_per_function_each_pinned_and_least_privilege(template: dict[str, Any]) -> None:
    by_function = roles(template)
    assert len(set(by_function.values())) == len(by_function) >= 4
    for text in by_function.values():
        assert ":*:*:" not in text.replace('"arn:*:sns:*:*:*"', "") and "dynamodb" in text
        assert "/aws/lambda/*" not in text and "log-group:/aws/lambda/client-portal-prod-" in text
    booking = by_function["booking_events"]
    assert not re.search(r'"(ses|sns|ssm|secretsmanager):', booking)
    # The API records emails on the outbound queue; it consumes no queue.
    assert re.findall(r'"sqs:\w+"', by_function["app"]) == [
        '"sqs:GetQueueUrl"',
        '"sqs:SendMessage"',
    ]
    assert not re.search(r'"(ses|sns):', by_function["cleanup"])
    assert PHOTO_BUCKET_NAME in by_function["app"]  # a name, not a Ref (no cycle)


def test_alarms_go_to_the_on_call_topic_and_the_api_is_throttled_and_logged(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    alarms = {k: r for k, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert len(alarms) >= 4
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())
    dead_letter = [
        a
        for a in alarms.values()
        if "BookingEventsDeadLetterQueue" in json.dumps(a["Properties"].get("Dimensions"))
    ]
    assert dead_letter
    assert resources["AlarmSubscription"]["Properties"]["Endpoint"] == {"Ref": "OnCallEmail"}
    api = next(r for r in resources.values() if r["Type"] == "AWS::Serverless::Api")
    (throttle,) = api["Properties"]["MethodSettings"]
    assert throttle["ThrottlingRateLimit"] > 0 and throttle["ThrottlingBurstLimit"] > 0
    log_format = api["Properties"]["AccessLogSetting"]["Format"]
    json.loads(log_format)  # one JSON object per request
    for leak in ("path", "querystring", "sourceIp", "authorizer", "header", "userAgent"):
        assert f"$context.{leak}" not in log_format and "$input" not in log_format


def test_failed_scheduled_runs_land_in_a_queue_that_rings(template: dict[str, Any]) -> None:
    for name in ("send_reminders", "cleanup"):
        config = handler(template, name)["EventInvokeConfig"]
        destination = config["DestinationConfig"]["OnFailure"]["Destination"]
        assert destination == {"Fn::GetAtt": ["ScheduledJobsFailedQueue", "Arn"]}
        assert "portal-${Stage}-scheduled-jobs-failed" not in roles(template)[name]
        assert (
            ":sqs:${AWS::Region}:${AWS::AccountId}:portal-prod-scheduled-jobs-failed"
            in (roles(template)[name])
        )
    alarm = template["Resources"]["ScheduledJobsFailedAlarm"]["Properties"]
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_ses_sends_through_a_configuration_set_with_bounce_events(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    destination = resources["SesBounceEvents"]["Properties"]["EventDestination"]
    assert set(destination["MatchingEventTypes"]) == {"bounce", "complaint"}
    variables = handler(template, "app")["Environment"]["Variables"]
    assert variables["PORTAL_SES_CONFIGURATION_SET"] == {"Ref": "SesConfigurationSet"}


def test_zip_is_small_and_holds_only_runtime_files(package: Package) -> None:
    assert package.zip.stat().st_size <= MAX_ZIP_BYTES
    with zipfile.ZipFile(package.zip) as archive:
        names = archive.namelist()
    assert {"app.py", "chalice/app.py", "chalicelib/config.py"} <= set(names)
    # The page's modules (one per tab, chalicelib/web/*.js) all ship: the API serves them.
    web = Path(__file__).parents[2] / "chalicelib" / "web"
    assert {f"chalicelib/web/{path.name}" for path in web.iterdir()} <= set(names)
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


def lambda_python() -> str | None:
    """An interpreter of the Lambda runtime's version on this machine (PATH or pyenv)."""
    name = f"python{LAMBDA_PYTHON[0]}.{LAMBDA_PYTHON[1]}"
    pyenv = sorted((Path.home() / ".pyenv" / "versions").glob(f"{name[6:]}*/bin/{name}"))
    if pyenv:
        return str(pyenv[-1])
    found = shutil.which(name)
    return found if found and "/shims/" not in found else None  # a pyenv shim may refuse


def native_distributions(site: Path) -> list[str]:
    """``name==version`` of the unpacked distributions that ship native libraries."""
    found = []
    for record in site.glob("*.dist-info/RECORD"):
        if ".so" in record.read_text(encoding="utf-8"):
            name, version = record.parent.name.removesuffix(".dist-info").rsplit("-", 1)
            found.append(f"{name}=={version}")
    return sorted(found)


def swap_natives_for_this_machine(site: Path, work: Path) -> None:
    """The same versions of the native distributions, built for this machine's CPU.

    The zip's natives are aarch64 (checked by test_lambda_runtime.py); to run the rest
    of the package on Lambda's Python here, on x86_64, only they are replaced."""
    machine = platform.machine()
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--only-binary=:all:", "--target", str(work),
        "--python-version", f"{LAMBDA_PYTHON[0]}.{LAMBDA_PYTHON[1]}",
        "--platform", f"manylinux2014_{machine}", "--platform", f"manylinux_2_28_{machine}",
        *native_distributions(site),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    for entry in work.iterdir():
        target = site / entry.name
        if target.is_dir():
            shutil.rmtree(target)
        shutil.move(str(entry), target)


def test_the_zip_imports_and_answers_on_lambdas_python(package: Package, tmp_path: Path) -> None:
    """Unpacked alone (no site-packages), on the runtime's Python version, the app imports
    and the API answers GET /health."""
    interpreter = lambda_python()
    if interpreter is None:
        pytest.skip(f"no {LAMBDA_RUNTIME} interpreter here (the natives are still checked)")
    site = tmp_path / "site"
    with zipfile.ZipFile(package.zip) as archive:
        archive.extractall(site)
    if platform.machine() != "aarch64":
        swap_natives_for_this_machine(site, tmp_path / "natives")
    probe = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import app; "
        "event = {'resource': '/health', 'path': '/health', 'httpMethod': 'GET', "
        "'headers': {}, 'multiValueHeaders': {}, 'queryStringParameters': None, "
        "'multiValueQueryStringParameters': None, 'pathParameters': None, "
        "'stageVariables': None, 'body': None, 'isBase64Encoded': False, "
        "'requestContext': {'resourcePath': '/health', 'httpMethod': 'GET', "
        "'identity': {'sourceIp': '192.0.2.1'}, 'requestId': 'probe', 'stage': 'api'}}; "
        "import PIL.Image, pydantic_core, maxminddb; "
        "zones = dict(event, resource='/timezones', path='/timezones', "
        "queryStringParameters={'lang': 'fr'}, "
        "requestContext=dict(event['requestContext'], resourcePath='/timezones')); "
        "print(json.dumps(app.app(zones, None))); "
        "print(sys.version_info[:2], json.dumps(app.app(event, None)))"
    )
    env = {
        "PORTAL_STAGE": "prod",
        "AWS_DEFAULT_REGION": "ca-central-1",
        "AWS_REGION": "ca-central-1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    result = subprocess.run(
        [interpreter, "-S", "-I", "-c", probe, str(site)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip().splitlines()[-1]
    assert line.startswith(str(LAMBDA_PYTHON)), line
    answer = json.loads(line[len(str(LAMBDA_PYTHON)) :])
    assert answer["statusCode"] == 200, answer
    # Babel's trimmed locale data and tzdata's zone.tab ship: the zones are named in French.
    zones = json.loads(result.stdout.strip().splitlines()[-2])
    assert zones["statusCode"] == 200, zones
    assert "Berlin (Allemagne)" in zones["body"]


def test_the_publisher_reads_the_outbox_stream_with_retries_and_a_dead_letter_queue(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    assert resources["PortalEventsBus"]["Type"] == "AWS::Events::EventBus"
    outbox = resources["OutboxTable"]["Properties"]
    assert outbox["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    assert outbox["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    (event,) = handler(template, "publish_events")["Events"].values()
    assert event["Type"] == "DynamoDB"
    source = event["Properties"]
    assert source["Stream"] == {"Fn::GetAtt": ["OutboxTable", "StreamArn"]}
    assert source["StartingPosition"] == "TRIM_HORIZON"
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["BisectBatchOnFunctionError"] is True
    assert source["MaximumRecordAgeInSeconds"] <= 24 * 3600  # the stream keeps records a day
    assert source["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["PortalEventsDeadLetterQueue", "Arn"]
    }
    assert json.loads(source["FilterCriteria"]["Filters"][0]["Pattern"]) == {
        "eventName": ["INSERT"]
    }  # a TTL expiry (REMOVE) is not an event
    alarm = resources["PortalEventsDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["PortalEventsDeadLetterQueue", "QueueName"]}}
    ]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)


def test_only_the_publisher_may_put_events_on_the_bus(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    publisher = handler(template, "publish_events")
    role_id = publisher["Role"]["Fn::GetAtt"][0]
    roles = {k: r for k, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    assert role_id in roles
    for logical_id, role in roles.items():
        text = json.dumps(role["Properties"]["Policies"])
        if logical_id == role_id:
            assert "events:PutEvents" in text and "event-bus/portal-prod-events" in text
            assert "dynamodb:PutItem" not in text and "ses:" not in text  # nothing else
        else:
            assert "events:PutEvents" not in text, logical_id
    others = [p for k, p in functions(template).items() if p is not publisher]
    assert all(p["Role"]["Fn::GetAtt"][0] != role_id for p in others)


def test_trimmed_endpoints_keep_every_shipped_service_and_resolve_alike(tmp_path: Path) -> None:
    """endpoints.json keeps only the shipped services (a new instance parses it with its
    first client); their clients resolve the same endpoints as with the full file."""
    from bench.bench_first_request import packaged_botocore

    site = packaged_botocore(tmp_path)
    endpoints = json.loads((site / "botocore" / "data" / "endpoints.json").read_text())
    kept = set(endpoints["partitions"][0]["services"])
    assert {"dynamodb", "sqs", "secretsmanager", "email", "s3", "sns", "events"} <= kept
    assert len(kept) < 20
    code = (
        "import json, botocore.session\n"
        "s = botocore.session.get_session()\n"
        f"names = {sorted(used_services())!r}\n"
        "print(json.dumps({n: s.create_client(n, region_name='ca-central-1',"
        " aws_access_key_id='a', aws_secret_access_key='b').meta.endpoint_url for n in names}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}

    def endpoints_with(path: str | None) -> dict:
        run_env = {**env, "PYTHONPATH": path} if path else env
        done = subprocess.run(
            [sys.executable, "-c", code], env=run_env, capture_output=True, text=True, check=True
        )
        return json.loads(done.stdout)

    assert endpoints_with(str(site)) == endpoints_with(None)
