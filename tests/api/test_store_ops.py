"""The store helpers (``chalicelib.store.ops``) against moto's DynamoDB."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib.store.base import connection, transaction
from chalicelib.store.email_claims import EmailClaim
from chalicelib.store.ops import (
    CONDITION_FAILED,
    cancel_reasons,
    cancelled_by,
    conditional,
    get_or_none,
)

NOW = datetime(2026, 11, 29, 20, 15, tzinfo=UTC)


def claim(address: str, account_id: str = "a_1") -> EmailClaim:
    return EmailClaim(address, account_id=account_id, claimed_at=NOW)


def test_get_or_none(aws_env):
    assert get_or_none(EmailClaim, "x@example.com") is None
    claim("x@example.com").save()
    found = get_or_none(EmailClaim, "x@example.com", consistent_read=True)
    assert found is not None and found.account_id == "a_1"


def test_conditional_tells_a_refused_write_from_a_written_one(aws_env):
    new_only = EmailClaim.email.does_not_exist()
    assert conditional(claim("x@example.com").save, condition=new_only) is True
    assert conditional(claim("x@example.com", "a_2").save, condition=new_only) is False
    assert EmailClaim.get("x@example.com").account_id == "a_1"


def test_conditional_raises_a_failure_that_is_not_a_refusal(aws_env, monkeypatch):
    def throttled(self, operation, kwargs):
        error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "x"}}
        raise ClientError(error, operation)

    monkeypatch.setattr(BaseClient, "_make_api_call", throttled)
    with pytest.raises(PutError):
        conditional(claim("x@example.com").save, condition=EmailClaim.email.does_not_exist())


@pytest.mark.parametrize("order", ["save_first", "delete_first"])
def test_cancelled_by_finds_the_reason_of_each_item_whatever_the_order(aws_env, order):
    """pynamodb sends deletes before puts, whatever order they were written in: the
    reason is found by the item, so writing them the other way round changes nothing."""
    claim("taken@example.com", "a_other").save()
    claim("mine@example.com").save()
    refused = claim("taken@example.com")  # the address is someone else's
    fine = EmailClaim("mine@example.com")
    with pytest.raises(TransactWriteError) as caught:
        with transaction() as write:
            if order == "save_first":
                write.save(refused, condition=EmailClaim.email.does_not_exist())
                write.delete(fine, condition=EmailClaim.account_id == "a_1")
            else:
                write.delete(fine, condition=EmailClaim.account_id == "a_1")
                write.save(refused, condition=EmailClaim.email.does_not_exist())
    assert cancelled_by(caught.value, refused) == CONDITION_FAILED
    assert cancelled_by(caught.value, fine) is None
    assert cancel_reasons(caught.value) == {CONDITION_FAILED}
    with pytest.raises(ValueError):
        cancelled_by(caught.value, claim("other@example.com"))


def test_condition_check_items_are_found_by_their_key(aws_env):
    claim("mine@example.com").save()
    with pytest.raises(TransactWriteError) as caught:
        with transaction() as write:
            write.save(claim("new@example.com"))
            write.condition_check(
                EmailClaim, "mine@example.com", condition=EmailClaim.account_id == "a_2"
            )
    assert cancelled_by(caught.value, (EmailClaim, "mine@example.com", None)) == CONDITION_FAILED


def test_one_connection_for_every_model_and_transaction(aws_env):
    claim("x@example.com").save()
    assert connection() is connection()
    with transaction() as write:
        write.save(claim("y@example.com"))
    assert write._connection is connection()
