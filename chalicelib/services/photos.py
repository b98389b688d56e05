"""Profile photo: upload tickets, processing, storage, rotation, deletion, signed URLs.

The photo is a face in a health context: objects are private (SSE, public
access blocked), read only through one-hour signed URLs, stripped of all
metadata, and nothing of the image or the person is logged.

Every change of the photo follows one sequence, so a failure at any step leaves
the account pointing at a complete photo (the old or the new) and anything
left behind findable by the cleanup job:

1. lease the new object's key (``ObjectLease``, kind ``photo``);
2. write the new object;
3. lease the current photo's key (it is about to become garbage), then switch
   the account to the new photo with a write conditioned on the photo key it
   replaces (not on the profile version, so profile saves and photo changes do
   not block each other; the version is still incremented, so a stale profile
   save can never bring back a deleted photo);
4. delete the replaced object and the upload;
5. delete the leases of what is now current or deleted.

A failure in 1-3 answers 503 (retry is safe). After 3 the change is done: a
failure in 4-5 is logged, leaves its leases for the cleanup job, and the answer
is still a success. Cleanup contract (see docs/photo.md): a lease whose
``check_after`` has passed and whose object is not its account's current photo
is garbage: delete the object, then the lease; a lease on the current photo is
only deleted.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PynamoDBException, TransactWriteError

from chalicelib import observability
from chalicelib.adapters import clock, objects
from chalicelib.errors import (
    Conflict,
    NotFound,
    PayloadTooLarge,
    Unavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from chalicelib.instants import utc_iso
from chalicelib.services import activity
from chalicelib.services.activity import Actor
from chalicelib.store.accounts import Account, Photo
from chalicelib.store.base import expiry_day, transaction
from chalicelib.store.object_leases import ObjectLease
from chalicelib.store.ops import CONDITION_FAILED, TRANSACTION_CONFLICT, cancel_reasons, get_or_none

if TYPE_CHECKING:  # types only: Pillow and pydantic are not loaded at cold start
    from chalicelib.schemas.photo import PhotoChanged, PhotoOut, UploadTicket
    from chalicelib.services.photo_image import ProcessedImage

log = logging.getLogger("portal.photos")

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # presigned POST (phone photos are big)
MAX_BODY_BYTES = 5 * 1024 * 1024  # PUT /profile/photo, through API Gateway and Lambda
UPLOAD_FORM_TTL = 300  # seconds the presigned POST is valid
# An upload must be committed within this window; its lease is checked by
# cleanup only after LEASE_CHECK_DELAY, so cleanup never races a commit.
UPLOAD_COMMIT_WINDOW = timedelta(hours=1)
# Far longer than any request: cleanup never judges an object a request is
# still writing or switching to.
LEASE_CHECK_DELAY = timedelta(days=1)
URL_TTL = 3600  # seconds a photo URL is valid
_SWITCH_ATTEMPTS = 3

# --------------------------------------------------------------------------- views


def photo_view(photo: Photo | None) -> PhotoOut | None:
    """The profile's ``photo`` member: a one-hour signed URL and the size, or None."""
    if photo is None or not getattr(photo, "key", None):
        return None
    url = objects.presigned_get(photo.key, expires_in=URL_TTL)
    return {
        "url": url,
        "width": int(photo.width),
        "height": int(photo.height),
        "updated_at": utc_iso(photo.updated_at),
    }


def _changed_view(account: Account) -> PhotoChanged:
    view = photo_view(account.photo)
    assert view is not None
    return {**view, "version": account.version}


# --------------------------------------------------------------------------- routes' functions


def issue_upload(account_id: str) -> UploadTicket:
    """A presigned POST for a fresh key under ``uploads/{account_id}/``, leased to the account."""
    key = f"uploads/{account_id}/{secrets.token_urlsafe(24)}"
    _lease(key, account_id, "upload").save()
    form = objects.presigned_post(key, max_bytes=MAX_UPLOAD_BYTES, expires_in=UPLOAD_FORM_TTL)
    return {
        "url": form["url"],
        "fields": form["fields"],
        "key": key,
        "max_bytes": MAX_UPLOAD_BYTES,
        "expires_in": UPLOAD_FORM_TTL,
    }


def commit_upload(account_id: str, key: str, actor: Actor) -> PhotoChanged:
    """Make an uploaded object the account's photo (checked, upright, stripped, scaled).

    404 unless ``key`` was issued to this account (recently and not yet used);
    422 ``not_uploaded`` when nothing was posted to it; 413 / 415 / 422
    ``image_too_large`` for what S3 let through but we refuse (the upload is
    then deleted: it can never become a photo).
    """
    _check_upload_lease(account_id, key)
    size = objects.head_size(key)
    if size is None:
        raise ValidationFailed({"key": "not_uploaded"})
    # moto (and a client that ignores the policy) can leave any size here.
    if size > MAX_UPLOAD_BYTES:
        _discard_upload(account_id, key)
        raise PayloadTooLarge()
    if size == 0:
        _discard_upload(account_id, key)
        raise UnsupportedMediaType()
    data = objects.get_bytes(key, limit=MAX_UPLOAD_BYTES)
    if data is None:  # deleted since the HEAD (another commit of the same key)
        raise NotFound()
    if len(data) > MAX_UPLOAD_BYTES:
        _discard_upload(account_id, key)
        raise PayloadTooLarge()
    from chalicelib.services import photo_image

    try:
        image = photo_image.process_upload(data)
    except (UnsupportedMediaType, ValidationFailed):
        _discard_upload(account_id, key)
        raise
    return _changed_view(_store(account_id, image, upload_key=key, actor=actor))


def replace_with_bytes(account_id: str, data: bytes, actor: Actor) -> PhotoChanged:
    """``PUT /profile/photo``: the same processing, for an image sent in the request."""
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    from chalicelib.services import photo_image

    image = photo_image.process_upload(data)
    return _changed_view(_store(account_id, image, upload_key=None, actor=actor))


def rotate(account_id: str, degrees: int, actor: Actor) -> PhotoChanged:
    """Turn the stored photo clockwise; 404 without a photo, 409 if it changed meanwhile."""
    account = _load(account_id)
    if account.photo is None:
        raise NotFound()
    data = objects.get_bytes(account.photo.key, limit=MAX_UPLOAD_BYTES)
    if data is None:
        raise NotFound()
    from chalicelib.services import photo_image

    image = photo_image.rotate(data, degrees)
    return _changed_view(_store(account_id, image, upload_key=None, expect=account, actor=actor))


def delete(account_id: str, actor: Actor) -> None:
    """Remove the photo; idempotent (no photo: nothing to do)."""
    account = _load(account_id)
    for attempt in range(_SWITCH_ATTEMPTS):
        if account.photo is None:
            return
        old_key = account.photo.key
        _lease(old_key, account_id, "photo").save()
        if _switch(account, old_key, None, actor):
            _tidy(account_id, garbage=[old_key], current=None)
            return
        if attempt + 1 < _SWITCH_ATTEMPTS:
            account = _load(account_id)
    raise Conflict("photo_changed")


# --------------------------------------------------------------------------- the sequence


def _store(
    account_id: str,
    image: ProcessedImage,
    *,
    upload_key: str | None,
    actor: Actor,
    expect: Account | None = None,
) -> Account:
    """Write the new object, switch the account to it, delete what it replaces.

    ``expect``: the account as read to compute ``image`` (a rotation); the
    switch then only happens over that same photo (else 409). Without it, the
    new photo replaces whatever is current (last write wins).
    """
    now = clock.now()
    new_key = f"photos/{account_id}/{secrets.token_urlsafe(16)}.jpg"
    _lease(new_key, account_id, "photo").save()
    objects.put_jpeg(new_key, image.data)
    observability.count(observability.PHOTOS_PROCESSED)
    photo = Photo(key=new_key, width=image.width, height=image.height, updated_at=now)

    account = expect or _load(account_id)
    attempts = 1 if expect is not None else _SWITCH_ATTEMPTS
    for attempt in range(attempts):
        old_key = account.photo.key if account.photo is not None else None
        if old_key:
            _lease(old_key, account_id, "photo").save()
        if _switch(account, old_key, photo, actor):
            garbage = [k for k in (old_key, upload_key) if k]
            _tidy(account_id, garbage=garbage, current=new_key)
            return account
        if attempt + 1 < attempts:
            account = _load(account_id)
    # Someone else changed the photo meanwhile: ours will never be current.
    _tidy(account_id, garbage=[new_key], current=None)
    raise Conflict("photo_changed")


def _switch(account: Account, old_key: str | None, photo: Photo | None, actor: Actor) -> bool:
    """Point the account at ``photo`` (None: no photo) if its photo is still ``old_key``,
    with its ``photo_changed`` / ``photo_removed`` event, in one transaction.

    False when the photo changed meanwhile. On success ``account`` holds the
    stored item (new version included).
    """
    # A path in a condition (pynamodb's annotations give the nested attribute its value type).
    key = cast(UnicodeAttribute, Account.photo.key)
    condition = Account.account_id.exists() & (key == old_key if old_key else key.does_not_exist())
    action = Account.photo.set(photo) if photo is not None else Account.photo.remove()
    try:
        with transaction() as write:
            # No version condition: the photo key is the condition. The version is
            # still incremented, which makes a concurrent stale save() of the
            # whole profile fail instead of restoring the replaced photo.
            write.update(
                account,
                actions=[action, Account.updated_at.set(clock.now())],
                condition=condition,
                add_version_condition=False,
            )
            activity.add(write, actor, "photo_changed" if photo is not None else "photo_removed")
    except TransactWriteError as exc:
        if cancel_reasons(exc) & {CONDITION_FAILED, TRANSACTION_CONFLICT}:
            return False
        raise
    # A transaction returns no item: read the stored one (its version may be past ours).
    account.refresh(consistent_read=True)
    return True


def _tidy(account_id: str, *, garbage: list[str], current: str | None) -> None:
    """Delete replaced objects, then the leases that are no longer needed.

    Best effort: the change is already done. A lease stays exactly when its
    object could not be deleted, for the cleanup job.
    """
    done: list[str] = [current] if current else []
    left = 0
    for key in garbage:
        try:
            objects.delete(key)
        except Unavailable:
            left += 1
            continue
        done.append(key)
    for key in done:
        try:
            ObjectLease(key).delete()
        except PynamoDBException:
            left += 1
    if left:
        log.warning(
            "photo tidy-up incomplete for account %s: %d left for cleanup", account_id, left
        )


def _discard_upload(account_id: str, key: str) -> None:
    """An upload we refused: it can never become a photo, so it goes now."""
    _tidy(account_id, garbage=[key], current=None)


# --------------------------------------------------------------------------- store helpers


def _lease(key: str, account_id: str, kind: str) -> ObjectLease:
    now = clock.now()
    check_after = now + LEASE_CHECK_DELAY
    return ObjectLease(
        key,
        account_id=account_id,
        kind=kind,
        created_at=now,
        check_after=int(check_after.timestamp()),
        check_day=expiry_day(check_after),
    )


def _check_upload_lease(account_id: str, key: str) -> None:
    """404 unless ``key`` is an upload issued to this account, recently, not yet used.

    Another account's key gets the same 404 as a key never issued.
    """
    if not key.startswith(f"uploads/{account_id}/"):
        raise NotFound()
    lease = get_or_none(ObjectLease, key, consistent_read=True)
    if lease is None or lease.account_id != account_id or lease.kind != "upload":
        raise NotFound()
    if clock.now() - lease.created_at > UPLOAD_COMMIT_WINDOW:
        raise NotFound()


def _load(account_id: str) -> Account:
    account = get_or_none(Account, account_id, consistent_read=True)
    if account is None:
        raise NotFound()
    return account
