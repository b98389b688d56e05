"""Build the deployable artefacts for one stage: ``build/<stage>/sam.json`` + ``deployment.zip``.

    python -m infra.package --stage prod          (``make package STAGE=prod``)

Steps, and why each exists:

1. Runtime dependencies are installed by pip for Lambda's platform (the target runtime's
   Python and CPU, manylinux up to its glibc, ``--only-binary=:all:``; never this
   machine's interpreter or CPU) at the exact versions
   of this virtualenv (the versions the tests ran with), into ``build/deps/<hash>``
   (cached by requirements + versions). ``chalice package`` would otherwise build a
   missing wheel from its sdist on this machine, linking it against this machine's
   shared libraries (it did so for Pillow 13, which has no wheel for Lambda's glibc),
   and would rebuild every time the app's code changes (its cache key hashes the code).
2. The dependencies are trimmed (the zip must stay under 20 MB): babel's locale data
   other than fr/en/root (the app speaks fr and en only; ~30 MB unpacked), botocore's
   API models for services the code never calls, the chalice CLI and its tools (the
   packager adds the one runtime file, ``chalice/app.py``, itself), scripts, caches.
3. ``chalice package --stage S --merge-template infra/resources.json`` runs on a clean
   copy of the runtime sources (app.py, chalicelib/, the stage's config and policies,
   the trimmed deps as ``vendor/``): nothing from tests/, infra/ or bench/ can leak in.
4. What chalice cannot express is added to its SAM template, from the logical ids it
   generated (they are only known after packaging, and resources.json must stay a valid
   template on its own): environment variables that reference the resources, the SQS
   event source on the BookingEventsQueue resource with partial batch failures, API
   Gateway's own errors in the contract's error shape, one role per function with its
   policy from infra/iam.py pinned to this account, region and bucket, fixed function
   names, the publisher's stream source on the outbox table (retries, bisect, DLQ), the
   Stage parameter and its conditions fixed to the stage, and the operations resources
   of infra/operations.py (alarms, API throttling and access logs, SES events).
5. Checks that fail the build: zip size, dev-only files, dev routes, unresolved wiring.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra import cloudfront, iam, operations, retention

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "infra" / "resources.json"
STAGES = ("dev", "prod")
MAX_ZIP_BYTES = 20 * 1024 * 1024
# The Lambda runtime every function runs on. python3.13 runs on Amazon Linux 2023 (glibc
# 2.34), on arm64 (Graviton: ~20% cheaper per GB-second than x86_64). python3.14 exists and
# every dependency has wheels for it, but no 3.14 interpreter here can prove the zip imports
# (tests/infra/test_package.py); moving up is these three lines.
LAMBDA_PYTHON = (3, 13)
LAMBDA_ARCHITECTURE = "arm64"
LAMBDA_GLIBC = (2, 34)
LAMBDA_RUNTIME = f"python{LAMBDA_PYTHON[0]}.{LAMBDA_PYTHON[1]}"
PLATFORMS = ["manylinux2014_aarch64"] + [
    f"manylinux_2_{n}_aarch64" for n in range(17, LAMBDA_GLIBC[1] + 1)
]
# Distributions that are tools, not runtime code (chalice's runtime is added by chalice).
NOT_RUNTIME = {"chalice"}
# boto3 is imported by chalicelib/adapters; Lambda ships one, but of another version than
# the botocore we pin, so the tested pair is packaged.
ALSO_RUNTIME = ("boto3",)
BABEL_LOCALES = re.compile(r"^(root|fr|fr_.*|en|en_.*)\.dat$")
# Services whose botocore models stay: what chalicelib calls, plus DynamoDB (pynamodb).
ALWAYS_SERVICES = {"dynamodb", "sts"}
CLIENT_CALL = re.compile(r"""client\(\s*["']([a-z0-9-]+)["']""")
TRIM_VERSION = "2"  # bump when the trimming rules change (part of the deps cache key)

# The photo bucket's name as infra/resources.json gives it (a Fn::Sub string).
PHOTO_BUCKET_NAME: str = json.loads(RESOURCES.read_text(encoding="utf-8"))["Resources"][
    "PhotoBucket"
]["Properties"]["BucketName"]["Fn::Sub"]
# Environment variables whose values are resources of the stack (not constants of config.json).
RESOURCE_ENVIRONMENT: dict[str, Any] = {
    "PORTAL_TABLE_PREFIX": {"Fn::Sub": "portal-${Stage}-"},
    # The bucket's name, not a Ref: the bucket's CORS names the CloudFront origin, whose
    # distribution points at the API, whose function this is (a Ref would be a cycle).
    "PORTAL_BUCKET": {"Fn::Sub": PHOTO_BUCKET_NAME},
    "PORTAL_BOOKING_QUEUE": {"Fn::GetAtt": ["BookingEventsQueue", "QueueName"]},
    "PORTAL_MAIL_QUEUE": {"Fn::GetAtt": ["OutboundMailQueue", "QueueName"]},
    "PORTAL_MAIL_QUEUE_URL": {"Ref": "OutboundMailQueue"},  # an SQS queue's Ref is its URL
    # SSM's path of the Secrets Manager secret CloudFormation generates (no manual step);
    # adapters/parameters.py reads such a path from Secrets Manager directly.
    "PORTAL_CODE_SECRET_PARAMETER": {
        "Fn::Sub": "/aws/reference/secretsmanager/portal-${Stage}-code-secret"
    },
    # GetAtt, not Ref: the same name, and moto's CloudFormation resolves only this form.
    "PORTAL_EVENTS_BUS": {"Fn::GetAtt": ["PortalEventsBus", "Name"]},
}
# The publisher's stream source (services/portal_events.py): only new outbox items, a
# failing batch bisected and retried from the first event the bus refused, for as long
# as 6 h; then the batch's coordinates go to the DLQ (alarmed) and the events stay in
# the outbox table (TTL 7 days) to be replayed.
PUBLISHER_DLQ = "portal-{stage}-portal-events-dlq"
PUBLISHER_STREAM_SETTINGS: dict[str, Any] = {
    "FunctionResponseTypes": ["ReportBatchItemFailures"],
    "BisectBatchOnFunctionError": True,
    "MaximumRetryAttempts": -1,
    "MaximumRecordAgeInSeconds": 6 * 3600,
    "FilterCriteria": {"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]},
}
# Read by the code only on a developer's machine; a package must never set them.
LOCAL_ONLY_ENVIRONMENT = ("PORTAL_CODE_SECRET", "AWS_ENDPOINT_URL")

# API Gateway's own errors (unknown route, throttling, body too large...) in the
# contract's shape. French: the contract's language when the caller's is unknown.
GATEWAY_RESPONSES: dict[str, tuple[int | None, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": (404, "route_not_found"),  # API Gateway's "no such route"
    "THROTTLED": (429, "rate_limited"),
    "REQUEST_TOO_LARGE": (413, "payload_too_large"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "unsupported_media_type"),
    "DEFAULT_4XX": (None, "malformed_request"),  # keeps API Gateway's status
    "DEFAULT_5XX": (None, "internal_error"),
}


class PackageError(Exception):
    """The package cannot be built, or was built but must not be deployed."""


@dataclass(frozen=True)
class Package:
    stage: str
    out: Path

    @property
    def template(self) -> Path:
        return self.out / "sam.json"

    @property
    def zip(self) -> Path:
        return self.out / "deployment.zip"


# ---------------------------------------------------------------- dependencies


def _requirement_name(line: str) -> str:
    return re.split(r"[\s=<>!~;\[]", line, maxsplit=1)[0].lower().replace("_", "-")


def runtime_requirements() -> list[str]:
    lines = [
        line.strip()
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith(("#", "-"))
    ]
    names = {_requirement_name(line) for line in lines}
    kept = [line for line in lines if _requirement_name(line) not in NOT_RUNTIME]
    return kept + [name for name in ALSO_RUNTIME if name not in names]


def tested_versions() -> list[str]:
    """``name==version`` of every distribution in this virtualenv: pip's constraints."""
    pins = {
        (dist.metadata["Name"] or "").lower(): dist.version
        for dist in importlib.metadata.distributions()
        if dist.metadata["Name"]
    }
    return sorted(f"{name}=={version}" for name, version in pins.items())


def used_services() -> set[str]:
    """AWS services the runtime code creates clients for (their botocore models must stay)."""
    found = set(ALWAYS_SERVICES)
    for path in [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]:
        found.update(CLIENT_CALL.findall(path.read_text(encoding="utf-8")))
    return found


def _python_tag() -> tuple[str, str]:
    major, minor = LAMBDA_PYTHON
    return f"{major}.{minor}", f"cp{major}{minor}"


def _errors(pip_output: str) -> str:
    return "\n".join(line for line in pip_output.splitlines() if not line.startswith("WARNING"))


def build_dependencies(cache_root: Path) -> Path:
    requirements = runtime_requirements()
    constraints = tested_versions()
    services = sorted(used_services())
    version, abi = _python_tag()
    key_source = json.dumps([requirements, constraints, services, PLATFORMS, version, TRIM_VERSION])
    target = cache_root / hashlib.sha256(key_source.encode()).hexdigest()[:16]
    if (target / ".complete").exists():
        return target
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    work = cache_root / f"{target.name}.inputs"
    work.mkdir(parents=True, exist_ok=True)
    (work / "requirements.txt").write_text("\n".join(requirements) + "\n", encoding="utf-8")
    (work / "constraints.txt").write_text("\n".join(constraints) + "\n", encoding="utf-8")
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--target", str(target), "--implementation", "cp", "--python-version", version,
        "--abi", abi, "--only-binary=:all:", "--no-compile",
        "-r", str(work / "requirements.txt"), "-c", str(work / "constraints.txt"),
    ]  # fmt: skip
    for platform in PLATFORMS:
        command += ["--platform", platform]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PackageError(
            "pip could not install the runtime dependencies as Lambda wheels "
            f"(manylinux <= 2_{LAMBDA_GLIBC[1]} aarch64, {abi}); a pinned version without "
            f"such a wheel must change in requirements.txt:\n{_errors(result.stderr)}"
        )
    trim_dependencies(target, set(services))
    (target / ".complete").write_text("ok\n", encoding="utf-8")
    shutil.rmtree(work, ignore_errors=True)
    return target


def trim_dependencies(site: Path, services: set[str]) -> None:
    for name in ("bin", "chalice"):
        shutil.rmtree(site / name, ignore_errors=True)
    for cache in list(site.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    locale_data = site / "babel" / "locale-data"
    for path in locale_data.glob("*.dat"):
        if not BABEL_LOCALES.match(path.name):
            path.unlink()
    botocore_data = site / "botocore" / "data"
    for path in botocore_data.iterdir():
        if path.is_dir() and path.name not in services:
            shutil.rmtree(path)
    _trim_endpoints(botocore_data)
    boto3_data = site / "boto3" / "data"
    if boto3_data.is_dir():
        for path in boto3_data.iterdir():
            if path.is_dir() and path.name not in services:
                shutil.rmtree(path)


def _trim_endpoints(botocore_data: Path) -> None:
    """Keep in ``endpoints.json`` (1.2 MB, parsed by a new instance's first client, ~9 ms)
    only the services whose models are shipped, by their endpoint prefix."""
    prefixes = set()
    for model in botocore_data.glob("*/*/service-2.json*"):
        raw = model.read_bytes()
        text = gzip.decompress(raw) if model.suffix == ".gz" else raw
        prefixes.add(json.loads(text)["metadata"]["endpointPrefix"])
    path = botocore_data / "endpoints.json"
    endpoints = json.loads(path.read_text(encoding="utf-8"))
    for partition in endpoints["partitions"]:
        services = partition.get("services", {})
        partition["services"] = {name: services[name] for name in services if name in prefixes}
    path.write_text(json.dumps(endpoints, separators=(",", ":")), encoding="utf-8")


# ---------------------------------------------------------------- chalice


def stage_sources(stage: str, src: Path, deps: Path) -> None:
    """A clean project with only what runs on Lambda; chalice packages this copy."""
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    shutil.copy2(ROOT / "app.py", src / "app.py")
    shutil.copytree(
        ROOT / "chalicelib",
        src / "chalicelib",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    (src / ".chalice").mkdir()
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    iam.write_policy_files(config, stage, src / ".chalice")  # one role per function
    # Dependencies come from vendor/ (built above), so chalice's own pip step has nothing to do.
    (src / "requirements.txt").write_text("", encoding="utf-8")
    (src / "vendor").symlink_to(deps, target_is_directory=True)


def run_chalice(stage: str, src: Path, out: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PORTAL_")}
    env.pop("AWS_ENDPOINT_URL", None)
    env.setdefault(
        "AWS_DEFAULT_REGION", "ca-central-1"
    )  # chalice wants one; the template uses ${AWS::Region}
    chalice = Path(sys.executable).with_name("chalice")
    command = [
        str(chalice) if chalice.exists() else "chalice", "--project-dir", str(src),
        "package", "--stage", stage, "--merge-template", str(RESOURCES), str(out),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=src, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PackageError(f"chalice package failed:\n{result.stdout}\n{result.stderr}")


# ---------------------------------------------------------------- wiring


def _queue_resource(template: dict[str, Any], queue_name: str, stage: str) -> str:
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::SQS::Queue":
            continue
        name = resource["Properties"].get("QueueName", {})
        if (
            isinstance(name, dict)
            and name.get("Fn::Sub", "").replace("${Stage}", stage) == queue_name
        ):
            return logical_id
    raise PackageError(f"no AWS::SQS::Queue in infra/resources.json is named {queue_name!r}")


def _table_resource(template: dict[str, Any], table_name: str, stage: str) -> str:
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        name = resource["Properties"].get("TableName", {})
        if (
            isinstance(name, dict)
            and name.get("Fn::Sub", "").replace("${Stage}", stage) == table_name
        ):
            return logical_id
    raise PackageError(f"no AWS::DynamoDB::Table in infra/resources.json is named {table_name!r}")


def _wire_stream_source(template: dict[str, Any], event: dict[str, Any], stage: str) -> None:
    """The placeholder stream ARN (store/outbox.py) -> the table's stream, with retries + DLQ."""
    table_name = event["Properties"]["Stream"].split(":table/", 1)[1].split("/", 1)[0]
    table = _table_resource(template, table_name, stage)
    dlq = _queue_resource(template, PUBLISHER_DLQ.format(stage=stage), stage)
    event["Properties"]["Stream"] = {"Fn::GetAtt": [table, "StreamArn"]}
    event["Properties"].update(copy.deepcopy(PUBLISHER_STREAM_SETTINGS))
    event["Properties"]["DestinationConfig"] = {
        "OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": [dlq, "Arn"]}}
    }


def _pin(value: Any, stage: str) -> Any:
    """The policy file's region/account wildcards -> this stack's region, account and bucket."""
    if isinstance(value, list):
        return [_pin(item, stage) for item in value]
    if not isinstance(value, str) or not value.startswith("arn:aws:"):
        return value
    pinned = value.replace("arn:aws:", "arn:${AWS::Partition}:", 1)
    pinned = pinned.replace(f":::portal-{stage}-photos-*", f":::{PHOTO_BUCKET_NAME}")
    pinned = re.sub(
        r"^(arn:\$\{AWS::Partition\}:[a-z0-9-]+):\*:\*:",
        r"\1:${AWS::Region}:${AWS::AccountId}:",
        pinned,
    )
    return {"Fn::Sub": pinned}


def pinned_policy(document: dict[str, Any], stage: str) -> dict[str, Any]:
    pinned = copy.deepcopy(document)
    for statement in pinned["Statement"]:
        statement["Resource"] = _pin(statement["Resource"], stage)
    return pinned


def _security_header_parameters() -> dict[str, str]:
    """The API's own answers carry the same security headers as the app's."""
    from chalicelib.api.headers import SECURITY_HEADERS

    return {f"gatewayresponse.header.{k}": f"'{v}'" for k, v in SECURITY_HEADERS.items()}


def gateway_responses() -> dict[str, Any]:
    from chalicelib.i18n.errors import message

    answers: dict[str, Any] = {}
    for response_type, (status, code) in GATEWAY_RESPONSES.items():
        body = json.dumps(
            {"error": {"code": code, "message": message(code, "fr")}}, ensure_ascii=False
        )
        answer: dict[str, Any] = {"responseTemplates": {"application/json": body}}
        if status is not None:
            answer["statusCode"] = status
        answer["responseParameters"] = _security_header_parameters()
        if code == "rate_limited":
            answer["responseParameters"]["gatewayresponse.header.Retry-After"] = "'1'"
        answers[response_type] = answer
    return answers


def _fix_log_group_names(resources: dict[str, Any]) -> None:
    """chalice 1.34 names the API's log group ``${ApiHandler}``; the function is APIHandler."""
    by_lower = {logical_id.lower(): logical_id for logical_id in resources}
    for resource in resources.values():
        if resource["Type"] != "AWS::Logs::LogGroup":
            continue
        name = resource["Properties"]["LogGroupName"]
        match = re.fullmatch(r"/aws/lambda/\$\{(\w+)\}", name.get("Fn::Sub", ""))
        if match and match.group(1) not in resources and match.group(1).lower() in by_lower:
            name["Fn::Sub"] = f"/aws/lambda/${{{by_lower[match.group(1).lower()]}}}"


def _resolve_stage_conditions(template: dict[str, Any], stage: str) -> None:
    """``Fn::If`` on ``Stage == X`` conditions become literals: the Stage is fixed per package."""
    resolved = {
        name: condition["Fn::Equals"][1] == stage
        for name, condition in template.get("Conditions", {}).items()
        if condition.get("Fn::Equals", [None])[0] == {"Ref": "Stage"}
    }

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            branch = node.get("Fn::If")
            if len(node) == 1 and isinstance(branch, list) and branch[0] in resolved:
                return walk(branch[1] if resolved[branch[0]] else branch[2])
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    template["Resources"] = walk(template["Resources"])
    text = json.dumps(template["Resources"])
    for name in resolved:
        if f'"{name}"' not in text:
            del template["Conditions"][name]
    if not template.get("Conditions"):
        template.pop("Conditions", None)


def wire(template: dict[str, Any], stage: str) -> None:
    """Add to chalice's template what chalice cannot express, from its own logical ids."""
    template["Parameters"]["Stage"].update({"Default": stage, "AllowedValues": [stage]})
    _resolve_stage_conditions(template, stage)
    resources = template["Resources"]
    _fix_log_group_names(resources)
    for resource in resources.values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            props["Environment"]["Variables"].update(copy.deepcopy(RESOURCE_ENVIRONMENT))
            for event in props.get("Events", {}).values():
                if event["Type"] == "DynamoDB":
                    _wire_stream_source(template, event, stage)
                if event["Type"] != "SQS":
                    continue
                arn = event["Properties"]["Queue"]
                queue_name = (arn["Fn::Sub"] if isinstance(arn, dict) else arn).rsplit(":", 1)[-1]
                queue = _queue_resource(template, queue_name, stage)
                event["Properties"]["Queue"] = {"Fn::GetAtt": [queue, "Arn"]}
                # The handler returns {"batchItemFailures": [...]}: only those are retried.
                event["Properties"]["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
        elif resource["Type"] == "AWS::IAM::Role" and props.get("Policies"):
            for item in props["Policies"]:
                item["PolicyDocument"] = pinned_policy(item["PolicyDocument"], stage)
        elif resource["Type"] == "AWS::Serverless::Api":
            # In the API definition (not separate resources) so a change redeploys the stage.
            props["DefinitionBody"]["x-amazon-apigateway-gateway-responses"] = gateway_responses()
            props["Name"] = {"Fn::Sub": "${AWS::StackName}"}  # one stack, one recognisable API
    for resource in resources.values():
        if resource["Type"] == "AWS::Serverless::Function":
            # chalice writes the Python that runs it; the package is built for this one.
            resource["Properties"]["Runtime"] = LAMBDA_RUNTIME
            resource["Properties"]["Architectures"] = [LAMBDA_ARCHITECTURE]
    retention.apply(template, stage)
    cloudfront.add(template)
    iam.name_functions(template, stage)
    operations.add(template, stage)


# ---------------------------------------------------------------- checks


def zip_sizes(path: Path) -> tuple[int, int]:
    with zipfile.ZipFile(path) as archive:
        return path.stat().st_size, sum(item.file_size for item in archive.infolist())


FORBIDDEN_IN_ZIP = re.compile(r"^(tests|infra|bench|build|\.chalice|\.venv)/|__pycache__/|\.pyc$")


def check(package: Package) -> list[str]:
    problems = []
    zipped, _ = zip_sizes(package.zip)
    if zipped > MAX_ZIP_BYTES:
        problems.append(
            f"deployment.zip is {zipped / 1e6:.1f} MB (limit {MAX_ZIP_BYTES / 1e6:.1f})"
        )
    with zipfile.ZipFile(package.zip) as archive:
        leaked = [name for name in archive.namelist() if FORBIDDEN_IN_ZIP.search(name)]
    if leaked:
        problems.append(f"dev-only files in deployment.zip: {leaked[:5]}")
    template = json.loads(package.template.read_text(encoding="utf-8"))
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Api":
            dev = [
                p
                for p in resource["Properties"]["DefinitionBody"]["paths"]
                if p.startswith("/_dev")
            ]
            if dev:
                problems.append(f"{logical_id} exposes dev-only routes: {dev}")
    return problems


# ---------------------------------------------------------------- entry point


def build(stage: str, out: Path | None = None, cache_root: Path | None = None) -> Package:
    if stage not in STAGES:
        raise PackageError(f"stage must be one of {STAGES}, not {stage!r}")
    package = Package(stage, (out or ROOT / "build" / stage).resolve())
    deps = build_dependencies((cache_root or ROOT / "build" / "deps").resolve())
    if package.out.exists():
        shutil.rmtree(package.out)
    src = package.out.parent / f"{package.out.name}-src"
    stage_sources(stage, src, deps)
    run_chalice(stage, src, package.out)
    template = json.loads(package.template.read_text(encoding="utf-8"))
    wire(template, stage)
    package.template.write_text(
        json.dumps(template, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    shutil.rmtree(src, ignore_errors=True)
    problems = check(package)
    if problems:
        raise PackageError("package rejected:\n- " + "\n- ".join(problems))
    return package


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--stage", required=True, choices=STAGES)
    parser.add_argument("--out", type=Path, help="output folder (default build/<stage>)")
    args = parser.parse_args(argv)
    try:
        package = build(args.stage, args.out)
    except PackageError as exc:
        sys.exit(f"infra.package: {exc}")
    zipped, unzipped = zip_sizes(package.zip)
    print(package.template)
    print(f"{package.zip}: {zipped / 1e6:.1f} MB zipped, {unzipped / 1e6:.1f} MB unzipped")


if __name__ == "__main__":
    main()
