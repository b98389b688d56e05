#!/usr/bin/env bash
# Deploy one stage to the AWS account of the current credentials (make deploy STAGE=prod).
#
#   infra/deploy.sh STAGE            STAGE: dev | prod
#
# Environment:
#   PORTAL_ORIGIN       origin of the portal web page (bucket CORS), e.g. https://portail.example.com
#   ARTIFACT_BUCKET     an existing S3 bucket for the code upload (aws cloudformation package)
#   ONCALL_EMAIL        where the alarms are mailed (docs/operations.md)
#   AWS_REGION          region (default ca-central-1)
#   STACK_NAME          default portal-STAGE
#
# Never run by the tests. Needs the AWS CLI and credentials allowed to deploy
# CloudFormation with IAM roles (CAPABILITY_IAM) and SAM (CAPABILITY_AUTO_EXPAND).
set -euo pipefail

STAGE="${1:?usage: infra/deploy.sh dev|prod}"
case "$STAGE" in dev | prod) ;; *) echo "stage must be dev or prod" >&2; exit 2 ;; esac
: "${PORTAL_ORIGIN:?set PORTAL_ORIGIN (e.g. https://portail.example.com)}"
: "${ARTIFACT_BUCKET:?set ARTIFACT_BUCKET (an S3 bucket for the code upload)}"
: "${ONCALL_EMAIL:?set ONCALL_EMAIL (where the alarms are mailed)}"
REGION="${AWS_REGION:-ca-central-1}"
STACK="${STACK_NAME:-portal-$STAGE}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
OUT="$ROOT/build/$STAGE"

cd "$ROOT"
"$PY" -m infra.package --stage "$STAGE"

aws cloudformation package \
  --region "$REGION" \
  --template-file "$OUT/sam.json" \
  --s3-bucket "$ARTIFACT_BUCKET" \
  --s3-prefix "$STACK" \
  --output-template-file "$OUT/packaged.yaml"

aws cloudformation deploy \
  --region "$REGION" \
  --stack-name "$STACK" \
  --template-file "$OUT/packaged.yaml" \
  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
  --parameter-overrides "Stage=$STAGE" "PortalOrigin=$PORTAL_ORIGIN" "OnCallEmail=$ONCALL_EMAIL" \
  --no-fail-on-empty-changeset \
  --tags "app=client-portal" "stage=$STAGE"

aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK" \
  --query "Stacks[0].Outputs" --output table
