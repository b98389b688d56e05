"""The three outcomes of a DynamoDB read or write, said once for every service.

- ``get_or_none``: an item or ``None`` (instead of ``try/except DoesNotExist``).
- ``conditional``: a conditional write, ``True`` when it won, ``False`` when its
  condition refused it; any other failure propagates (the API answers 503).
- ``cancelled_by``: why a cancelled transaction refused one *item*, found by the
  item itself rather than by its position (DynamoDB reports the reasons in the
  order pynamodb sends the items, which is not the order they were written).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, ParamSpec, TypeVar

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

M = TypeVar("M", bound=Model)
P = ParamSpec("P")

CONDITION_FAILED: Final = "ConditionalCheckFailed"
TRANSACTION_CONFLICT: Final = "TransactionConflict"

# pynamodb's Connection.transact_write_items sends condition checks, then deletes,
# then puts, then updates (each kind in call order); DynamoDB's reasons follow.
_SEND_ORDER: Final = {"check": 0, "delete": 1, "save": 2, "update": 3}
_ITEMS_ATTRIBUTE: Final = "portal_items"


def get_or_none(
    model: type[M],
    hash_key: Any,
    range_key: Any = None,
    *,
    consistent_read: bool = False,
    attributes_to_get: list[str] | None = None,
) -> M | None:
    """``model.get(...)``, or ``None`` when there is no such item."""
    try:
        return model.get(
            hash_key,
            range_key,
            consistent_read=consistent_read,
            attributes_to_get=attributes_to_get,
        )
    except DoesNotExist:
        return None


def condition_failed(exc: PynamoDBException) -> bool:
    """The write was refused by its condition (as opposed to failing)."""
    return exc.cause_response_code == "ConditionalCheckFailedException"


def conditional(write: Callable[P, object], /, *args: P.args, **kwargs: P.kwargs) -> bool:
    """Run ``item.save`` / ``item.update`` / ``item.delete`` with its condition:
    ``True`` if it was written, ``False`` if the condition refused it.

    Any other failure (throttling, timeouts) is raised: the caller did not lose a
    race, DynamoDB failed (the API answers 503; see ``chalicelib.errors``).
    """
    try:
        write(*args, **kwargs)
    except PynamoDBException as exc:
        if condition_failed(exc):
            return False
        raise
    return True


class PortalTransaction(TransactWrite):
    """A ``TransactWrite`` that remembers its items, so that ``cancelled_by`` can
    find each one's cancellation reason."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._items: list[tuple[int, int, object]] = []

    def _remember(self, kind: str, item: object) -> None:
        self._items.append((_SEND_ORDER[kind], len(self._items), item))

    def condition_check(
        self,
        model_cls: type[M],
        hash_key: Any,
        range_key: Any = None,
        condition: Condition | None = None,
    ) -> None:
        super().condition_check(model_cls, hash_key, range_key, condition)
        self._remember("check", (model_cls, hash_key, range_key))

    def delete(
        self, model: M, condition: Condition | None = None, *, add_version_condition: bool = True
    ) -> None:
        super().delete(model, condition, add_version_condition=add_version_condition)
        self._remember("delete", model)

    def save(
        self, model: M, condition: Condition | None = None, return_values: str | None = None
    ) -> None:
        super().save(model, condition, return_values)
        self._remember("save", model)

    def update(
        self,
        model: M,
        actions: list[Action],
        condition: Condition | None = None,
        return_values: str | None = None,
        *,
        add_version_condition: bool = True,
    ) -> None:
        super().update(
            model, actions, condition, return_values, add_version_condition=add_version_condition
        )
        self._remember("update", model)

    def _commit(self) -> Any:
        try:
            return super()._commit()
        except TransactWriteError as exc:
            # (kind's send order, call order): the order DynamoDB gives the reasons in.
            sent = sorted(self._items, key=lambda entry: entry[:2])
            setattr(exc, _ITEMS_ATTRIBUTE, [item for _, _, item in sent])
            raise


def cancelled_by(exc: TransactWriteError, item: object) -> str | None:
    """DynamoDB's reason for refusing ``item`` in a cancelled transaction
    (``"ConditionalCheckFailed"``, ``"TransactionConflict"``...), or ``None``.

    ``item`` is the model instance given to ``save``/``delete``/``update``, or
    ``(Model, hash_key, range_key)`` for a ``condition_check``.
    """
    items: list[object] = getattr(exc, _ITEMS_ATTRIBUTE, [])
    reasons = exc.cancellation_reasons or []
    for index, sent in enumerate(items):
        if sent is item or (isinstance(item, tuple) and sent == item):
            reason = reasons[index] if index < len(reasons) else None
            return reason.code if reason is not None else None
    raise ValueError("the item is not part of this transaction")


def cancel_reasons(exc: TransactWriteError) -> set[str]:
    """Every reason DynamoDB gave for cancelling the transaction."""
    return {r.code for r in exc.cancellation_reasons or [] if r is not None}
