#!/usr/bin/env bash
# Remove one stage's stack (make destroy STAGE=dev). docs/deploying.md, "Destroying".
#
#   infra/destroy.sh STAGE           STAGE: dev | prod
#
# Environment: AWS_REGION (default ca-central-1), STACK_NAME (default portal-STAGE),
#   CONFIRM    prod only: must be the stack's name (the data is kept, the service is not).
#
# dev: everything goes. The photo bucket is emptied first (CloudFormation cannot delete a
#   bucket that holds objects) and the code secret is deleted without a recovery window
#   after the stack, so the next deploy can create the same names at once.
# prod: the tables, the photo bucket and the code secret are kept (RetainExceptOnCreate);
#   the docs say how to adopt them into a new stack or remove them.
set -euo pipefail

STAGE="${1:?usage: infra/destroy.sh dev|prod}"
case "$STAGE" in dev | prod) ;; *) echo "stage must be dev or prod" >&2; exit 2 ;; esac
REGION="${AWS_REGION:-ca-central-1}"
STACK="${STACK_NAME:-portal-$STAGE}"

if [ "$STAGE" = prod ]; then
  if [ "${CONFIRM:-}" != "$STACK" ]; then
    echo "Destroying $STACK stops the portal. Its data is kept. Run again with CONFIRM=$STACK." >&2
    exit 2
  fi
  aws cloudformation update-termination-protection --region "$REGION" --stack-name "$STACK" \
    --no-enable-termination-protection >/dev/null
else
  bucket="$(aws cloudformation describe-stacks --region "$REGION" --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='PhotoBucketName'].OutputValue" --output text \
    2>/dev/null || true)"
  if [ -n "$bucket" ] && [ "$bucket" != None ]; then
    aws s3 rm "s3://$bucket" --recursive --region "$REGION" --only-show-errors
  fi
fi

aws cloudformation delete-stack --region "$REGION" --stack-name "$STACK"
aws cloudformation wait stack-delete-complete --region "$REGION" --stack-name "$STACK"

if [ "$STAGE" = dev ]; then
  aws secretsmanager delete-secret --region "$REGION" --secret-id "portal-$STAGE-code-secret" \
    --force-delete-without-recovery >/dev/null 2>&1 || true
  echo "$STACK and all its data are gone."
else
  echo "$STACK is gone; kept: the portal-$STAGE-* tables, the photo bucket, the code secret."
  echo "See docs/deploying.md, 'Destroying', to adopt them into a new stack or remove them."
fi
