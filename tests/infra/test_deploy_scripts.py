"""``make deploy`` / ``make destroy`` against a recording stand-in for the AWS CLI: the
template always goes through S3, a failed first create is cleared, dev deletes everything,
prod asks for confirmation; ``chalice deploy`` stops with a pointer to ``make deploy``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.deploy_guard import MESSAGE, refuse_chalice_deploy

ROOT = Path(__file__).resolve().parents[2]
FAKE_AWS = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$AWS_CALLS"
case "$*" in
  *"describe-stacks"*"StackStatus"*) echo "${FAKE_STATUS:-NONE}" ;;
  *"describe-stacks"*"PhotoBucketName"*) echo "portal-dev-photos-123456789012" ;;
esac
"""


def run(script: str, stage: str, tmp_path: Path, **env: str) -> tuple[int, list[str], str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "aws").write_text(FAKE_AWS, encoding="utf-8")
    (bin_dir / "aws").chmod(0o755)
    calls = tmp_path / "calls.log"
    calls.write_text("", encoding="utf-8")
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STACK_"))},
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "AWS_CALLS": str(calls),
        **env,
    }
    result = subprocess.run(
        ["bash", str(ROOT / "infra" / script), stage],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )
    return result.returncode, calls.read_text(encoding="utf-8").splitlines(), result.stderr


@pytest.fixture
def build(tmp_path: Path) -> Path:
    out = tmp_path / "build"
    out.mkdir()
    (out / "sam.json").write_text('{"Resources": {}}' + " " * 60_000, encoding="utf-8")
    return out


def test_deploy_sends_the_template_through_s3_and_clears_a_failed_first_create(
    tmp_path: Path, build: Path
) -> None:
    code, calls, stderr = run(
        "deploy.sh",
        "prod",
        tmp_path,
        ARTIFACT_BUCKET="my-artifacts",
        ONCALL_EMAIL="oncall@example.com",
        BUILD_DIR=str(build),
        FAKE_STATUS="ROLLBACK_COMPLETE",
    )
    assert code == 0, stderr
    commands = [" ".join(call.split()[:2]) for call in calls]
    assert commands.index("cloudformation delete-stack") < commands.index("cloudformation deploy")
    (package,) = [c for c in calls if c.startswith("cloudformation package")]
    (deploy,) = [c for c in calls if c.startswith("cloudformation deploy")]
    assert "--s3-bucket my-artifacts" in package and "--s3-bucket my-artifacts" in deploy
    assert f"--template-file {build}/packaged.json" in deploy
    assert not [c for c in calls if "--template-body" in c]
    assert "Stage=prod" in deploy and "DomainName" not in deploy
    assert "OnCallEmail=oncall@example.com" in deploy
    assert any("--enable-termination-protection" in c for c in calls)


def test_deploy_passes_the_custom_domain_and_needs_its_certificate(
    tmp_path: Path, build: Path
) -> None:
    common = {
        "ARTIFACT_BUCKET": "a",
        "ONCALL_EMAIL": "oncall@example.com",
        "BUILD_DIR": str(build),
        "DOMAIN_NAME": "portail.example.com",
    }
    code, calls, stderr = run("deploy.sh", "dev", tmp_path, **common)
    assert code == 2 and "CERTIFICATE_ARN" in stderr and not calls
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    code, calls, stderr = run("deploy.sh", "dev", tmp_path, **common, CERTIFICATE_ARN=arn)
    assert code == 0, stderr
    (deploy,) = [c for c in calls if c.startswith("cloudformation deploy")]
    assert "DomainName=portail.example.com" in deploy and f"CertificateArn={arn}" in deploy
    assert not [c for c in calls if "delete-stack" in c]  # nothing failed before


def test_destroy_dev_empties_the_bucket_deletes_the_stack_and_frees_the_secret_name(
    tmp_path: Path,
) -> None:
    code, calls, stderr = run("destroy.sh", "dev", tmp_path)
    assert code == 0, stderr
    commands = [" ".join(call.split()[:2]) for call in calls]
    assert "s3 rm" in commands
    assert next(c for c in calls if c.startswith("s3 rm")).startswith(
        "s3 rm s3://portal-dev-photos-123456789012 --recursive"
    )
    assert commands.index("s3 rm") < commands.index("cloudformation delete-stack")
    assert commands.index("cloudformation wait") < commands.index("secretsmanager delete-secret")
    assert any("--force-delete-without-recovery" in c for c in calls)


def test_destroy_prod_needs_confirmation_and_keeps_the_data(tmp_path: Path) -> None:
    code, calls, stderr = run("destroy.sh", "prod", tmp_path)
    assert code == 2 and "CONFIRM=portal-prod" in stderr and not calls
    code, calls, stderr = run("destroy.sh", "prod", tmp_path, CONFIRM="portal-prod")
    assert code == 0, stderr
    assert any(c.startswith("cloudformation delete-stack") for c in calls)
    assert not [c for c in calls if c.startswith(("s3 ", "secretsmanager "))]


def test_make_has_destroy_and_deploy_targets() -> None:
    for target, expected in (("destroy", "infra/destroy.sh dev"), ("deploy", "infra/deploy.sh")):
        result = subprocess.run(
            ["make", "-n", target, "STAGE=dev"], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0 and expected in result.stdout, result.stderr


def test_chalice_deploy_stops_with_a_pointer_to_make_deploy() -> None:
    with pytest.raises(SystemExit, match="make deploy"):
        refuse_chalice_deploy(["/x/.venv/bin/chalice", "--project-dir", ".", "deploy"])
    refuse_chalice_deploy(["/x/.venv/bin/chalice", "package", "--stage", "prod", "out"])
    refuse_chalice_deploy(["/var/runtime/bootstrap.py"])
    chalice = Path(sys.executable).with_name("chalice")
    env = {**os.environ, "AWS_DEFAULT_REGION": "ca-central-1"}
    result = subprocess.run(
        [str(chalice), "deploy", "--stage", "dev"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode != 0
    assert MESSAGE in result.stderr
    assert not (ROOT / ".chalice" / "deployed").exists()
