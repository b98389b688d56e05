#!/usr/bin/env bash
# Deploy one stage to the AWS account of the current credentials (make deploy STAGE=prod,
# which builds build/STAGE first). docs/deploying.md walks through it.
#
#   infra/deploy.sh STAGE            STAGE: dev | prod
#
# Environment:
#   ARTIFACT_BUCKET     an existing S3 bucket for the code and the template (required)
#   ONCALL_EMAIL        where the alarms are mailed (docs/operations.md; required)
#   DOMAIN_NAME         optional custom domain of the portal (e.g. portail.example.com)
#   CERTIFICATE_ARN     its ACM certificate, in us-east-1 (required with DOMAIN_NAME)
#   AWS_REGION          region (default ca-central-1)
#   STACK_NAME          default portal-STAGE
#   BUILD_DIR           default build/STAGE (what `make package` wrote)
#
# The template goes to ARTIFACT_BUCKET too (`deploy --s3-bucket`), never inline: inline
# templates are capped at 51,200 bytes. A first deploy that failed leaves a stack in
# ROLLBACK_COMPLETE, which can only be deleted: it is deleted first, then created again.
# Needs the AWS CLI v2 and credentials allowed to deploy CloudFormation with IAM roles.
set -euo pipefail

STAGE="${1:?usage: infra/deploy.sh dev|prod}"
case "$STAGE" in dev | prod) ;; *) echo "stage must be dev or prod" >&2; exit 2 ;; esac
: "${ARTIFACT_BUCKET:?set ARTIFACT_BUCKET (an S3 bucket for the code and template upload)}"
: "${ONCALL_EMAIL:?set ONCALL_EMAIL (where the alarms are mailed)}"
if [ -n "${DOMAIN_NAME:-}" ] && [ -z "${CERTIFICATE_ARN:-}" ]; then
  echo "DOMAIN_NAME needs CERTIFICATE_ARN (an ACM certificate in us-east-1)" >&2; exit 2
fi
REGION="${AWS_REGION:-ca-central-1}"
STACK="${STACK_NAME:-portal-$STAGE}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${BUILD_DIR:-$ROOT/build/$STAGE}"
[ -f "$OUT/sam.json" ] || { echo "no $OUT/sam.json: run make deploy STAGE=$STAGE" >&2; exit 2; }

status="$(aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK" \
  --query 'Stacks[0].StackStatus' --output text 2>/dev/null || echo NONE)"
if [ "$status" = ROLLBACK_COMPLETE ]; then
  echo "$STACK is in ROLLBACK_COMPLETE (a failed first deploy): deleting it before creating it again"
  aws cloudformation delete-stack --region "$REGION" --stack-name "$STACK"
  aws cloudformation wait stack-delete-complete --region "$REGION" --stack-name "$STACK"
fi

aws cloudformation package \
  --region "$REGION" \
  --template-file "$OUT/sam.json" \
  --s3-bucket "$ARTIFACT_BUCKET" \
  --s3-prefix "$STACK" \
  --use-json \
  --output-template-file "$OUT/packaged.json"

parameters=("Stage=$STAGE" "OnCallEmail=$ONCALL_EMAIL")
if [ -n "${DOMAIN_NAME:-}" ]; then
  parameters+=("DomainName=$DOMAIN_NAME" "CertificateArn=$CERTIFICATE_ARN")
fi

aws cloudformation deploy \
  --region "$REGION" \
  --stack-name "$STACK" \
  --template-file "$OUT/packaged.json" \
  --s3-bucket "$ARTIFACT_BUCKET" \
  --s3-prefix "$STACK" \
  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
  --parameter-overrides "${parameters[@]}" \
  --no-fail-on-empty-changeset \
  --tags "app=client-portal" "stage=$STAGE"

if [ "$STAGE" = prod ]; then
  aws cloudformation update-termination-protection --region "$REGION" --stack-name "$STACK" \
    --enable-termination-protection >/dev/null
fi

aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK" \
  --query "Stacks[0].Outputs" --output table
