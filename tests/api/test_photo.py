"""Profile photo: presigned upload, commit, PUT, rotate, delete, signed URLs, failure safety.

Images are made here with Pillow. moto's S3 ignores every condition of a
presigned POST (size, type, signature, expiry), so the tests post the way a
browser does (``requests`` reaches moto's mock) and the service's own checks
are what is being tested.
"""

from __future__ import annotations

import base64
import io
import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from PIL import Image
from pynamodb.connection.base import Connection
from pynamodb.exceptions import PutError, TransactWriteError

from chalicelib.adapters import clock, objects
from chalicelib.config import settings
from chalicelib.errors import Unavailable
from chalicelib.services import photo_image, photos
from chalicelib.services.activity import Actor
from chalicelib.services.photos import photo_view
from chalicelib.store.accounts import Account
from chalicelib.store.object_leases import ObjectLease

MB = 1024 * 1024
RED = (220, 20, 20)
BLUE = (20, 20, 220)


@pytest.fixture(autouse=True)
def fresh_s3_client(aws_env: None) -> Any:
    objects.reset()
    yield
    objects.reset()


def s3() -> Any:
    return boto3.client("s3", region_name=settings().region)


def jpeg(width: int = 400, height: int = 300, *, orientation: int | None = None) -> bytes:
    """Left half red, right half blue; GPS and camera EXIF, optional Orientation."""
    img = Image.new("RGB", (width, height), BLUE)
    img.paste(RED, (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel 12"  # Model
    if orientation:
        exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (45.0, 30.0, 9.0), 3: "W", 4: (73.0, 34.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 200, 10, 128)).save(out, "PNG")
    return out.getvalue()


def ticket(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    response = client.http.post("/profile/photo/upload", headers=headers)
    assert response.status_code == 200, response.json_body
    return response.json_body


def upload(client: Any, headers: dict[str, str], data: bytes) -> str:
    """What a browser does: get the form, post it with the file to S3."""
    form = ticket(client, headers)
    posted = requests.post(
        form["url"], data=form["fields"], files={"file": ("photo.jpg", data)}, timeout=10
    )
    assert posted.status_code in (200, 201, 204), posted.text
    return form["key"]


def commit(client: Any, headers: dict[str, str], key: str) -> Any:
    return client.http.post("/profile/photo", headers=headers, body=json.dumps({"key": key}))


def put_image(client: Any, headers: dict[str, str], data: bytes, content_type: str) -> Any:
    binary_headers = {**headers, "Content-Type": content_type, "Accept": "application/json"}
    return client.http.put("/profile/photo", headers=binary_headers, body=data)


def stored(key: str) -> dict[str, Any]:
    return s3().get_object(Bucket=settings().bucket, Key=key)


def keys_under(prefix: str) -> list[str]:
    listing = s3().list_objects_v2(Bucket=settings().bucket, Prefix=prefix)
    return [item["Key"] for item in listing.get("Contents", [])]


def current_photo(account_id: str) -> Any:
    return Account.get(account_id, consistent_read=True).photo


def leases() -> list[ObjectLease]:
    return list(ObjectLease.scan())


def with_photo(client: Any, signed_in: Any, **image: Any) -> tuple[Account, dict[str, str]]:
    account, headers = signed_in()
    response = put_image(client, headers, jpeg(**image), "image/jpeg")
    assert response.status_code == 200, response.json_body
    return account, headers


# ---------------------------------------------------------------- upload ticket


def test_upload_ticket_is_a_sigv4_presigned_post_for_an_account_key(client, signed_in):
    account, headers = signed_in()
    form = ticket(client, headers)

    assert form["key"].startswith(f"uploads/{account.account_id}/")
    assert form["max_bytes"] == 10 * MB
    assert form["expires_in"] == 300
    fields = form["fields"]
    assert fields["key"] == form["key"]
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert "x-amz-signature" in fields
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 10 * MB] in policy["conditions"]
    assert ["starts-with", "$Content-Type", "image/"] in policy["conditions"]
    assert fields["Content-Type"].startswith("image/")
    lease = ObjectLease.get(form["key"])
    assert (lease.account_id, lease.kind) == (account.account_id, "upload")
    assert lease.check_after >= int((clock.now() + timedelta(hours=23)).timestamp())


def test_upload_ticket_needs_a_session(client, aws_env):
    response = client.http.post("/profile/photo/upload")
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "unauthenticated"


# ---------------------------------------------------------------- commit


def test_full_flow_stores_an_upright_photo_without_metadata(client, signed_in):
    account, headers = signed_in()
    original = jpeg(400, 300, orientation=6)  # camera held sideways: shown turned 90° clockwise
    assert b"PhoneMaker" in original
    key = upload(client, headers, original)

    response = commit(client, headers, key)

    assert response.status_code == 200, response.json_body
    photo = response.json_body
    assert (photo["width"], photo["height"]) == (300, 400)
    assert photo["updated_at"]
    assert photo["version"] == Account.get(account.account_id).version
    stored_key = current_photo(account.account_id).key
    assert stored_key.startswith(f"photos/{account.account_id}/")

    obj = stored(stored_key)
    assert obj["ContentType"] == "image/jpeg"
    assert obj["ServerSideEncryption"] == "AES256"
    assert obj["CacheControl"] == "private, max-age=3600"
    data = obj["Body"].read()
    assert b"PhoneMaker" not in data and b"Exif" not in data
    img = Image.open(io.BytesIO(data))
    assert not img.getexif()
    assert "exif" not in img.info and "icc_profile" not in img.info
    assert img.size == (300, 400)
    # Upright: the stored left (red) half is now on top.
    top, bottom = img.convert("RGB").getpixel((150, 60)), img.getpixel((150, 340))
    assert top[0] > 150 and top[2] < 100
    assert bottom[2] > 150 and bottom[0] < 100

    # The served URL reads exactly that object.
    served = requests.get(photo["url"], timeout=10)
    assert served.status_code == 200
    assert served.content == data

    # The upload is gone, and so is every lease (nothing left for cleanup).
    assert keys_under(f"uploads/{account.account_id}/") == []
    assert leases() == []


def test_profile_shows_the_photo(client, signed_in):
    _, headers = with_photo(client, signed_in)
    profile = client.http.get("/profile", headers=headers)
    assert profile.status_code == 200, profile.json_body
    photo = profile.json_body["photo"]
    assert (photo["width"], photo["height"]) == (400, 300)
    assert "X-Amz-Signature=" in photo["url"]


def test_photo_url_is_signed_for_one_hour_and_the_bucket_is_not_public(client, signed_in):
    account, _ = with_photo(client, signed_in)
    url = photo_view(current_photo(account.account_id))["url"]
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["3600"]
    assert query["X-Amz-Signature"]

    block = s3().get_public_access_block(Bucket=settings().bucket)
    assert all(block["PublicAccessBlockConfiguration"].values())
    unsigned = url.split("?")[0]
    assert requests.get(unsigned, timeout=10).status_code == 403


def test_a_text_file_named_jpg_is_415_and_is_discarded(client, signed_in):
    account, headers = signed_in()
    key = upload(client, headers, b"this is not an image, whatever its name says\n" * 10)

    response = commit(client, headers, key)

    assert response.status_code == 415
    assert response.json_body["error"]["code"] == "unsupported_media_type"
    assert current_photo(account.account_id) is None
    assert keys_under("uploads/") == []
    assert commit(client, headers, key).status_code == 404  # used up


def test_another_accounts_upload_key_is_404(client, signed_in):
    _, owner_headers = signed_in("owner@example.com")
    intruder, intruder_headers = signed_in("intruder@example.com")
    key = upload(client, owner_headers, jpeg())

    response = commit(client, intruder_headers, key)

    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "not_found"
    assert current_photo(intruder.account_id) is None
    assert keys_under("uploads/") == [key]  # the owner's upload is untouched


def test_another_accounts_key_under_own_prefix_is_404(client, signed_in):
    """A key copied under the caller's prefix was never issued to anyone: 404."""
    account, headers = signed_in()
    key = f"uploads/{account.account_id}/never-issued-key"
    s3().put_object(Bucket=settings().bucket, Key=key, Body=jpeg())

    response = commit(client, headers, key)

    assert response.status_code == 404
    assert current_photo(account.account_id) is None


def test_a_key_issued_but_never_uploaded_is_422_not_uploaded(client, signed_in):
    _, headers = signed_in()
    form = ticket(client, headers)

    response = commit(client, headers, form["key"])

    assert response.status_code == 422
    assert response.json_body["error"]["fields"] == {"key": "not_uploaded"}


def test_a_malformed_key_is_422(client, signed_in):
    _, headers = signed_in()
    response = commit(client, headers, "../../etc/passwd")
    assert response.status_code == 422
    assert response.json_body["error"]["fields"] == {"key": "invalid_format"}


def test_an_upload_older_than_an_hour_is_404(client, signed_in, frozen_clock):
    account, headers = signed_in()
    key = upload(client, headers, jpeg())
    frozen_clock(clock.now() + timedelta(hours=1, minutes=1))

    assert commit(client, headers, key).status_code == 404
    assert current_photo(account.account_id) is None


def test_an_upload_over_max_bytes_is_413_and_deleted(client, signed_in):
    """moto accepts the 11 MB post despite the policy; the commit must refuse it."""
    account, headers = signed_in()
    key = upload(client, headers, jpeg() + b"\0" * (11 * MB))

    response = commit(client, headers, key)

    assert response.status_code == 413
    assert response.json_body["error"]["code"] == "payload_too_large"
    assert keys_under("uploads/") == []
    assert current_photo(account.account_id) is None


def test_replacing_deletes_the_previous_photo_and_the_upload(client, signed_in):
    account, headers = with_photo(client, signed_in)
    first = current_photo(account.account_id).key

    key = upload(client, headers, png())
    response = commit(client, headers, key)

    assert response.status_code == 200, response.json_body
    assert (response.json_body["width"], response.json_body["height"]) == (64, 48)
    second = current_photo(account.account_id).key
    assert second != first
    assert keys_under(f"photos/{account.account_id}/") == [second]
    assert keys_under("uploads/") == []
    assert leases() == []


# ---------------------------------------------------------------- PUT


def test_put_a_small_jpeg(client, signed_in):
    account, headers = signed_in()

    response = put_image(client, headers, jpeg(2000, 1500), "image/jpeg")

    assert response.status_code == 200, response.json_body
    assert (response.json_body["width"], response.json_body["height"]) == (1024, 768)
    key = current_photo(account.account_id).key
    assert Image.open(io.BytesIO(stored(key)["Body"].read())).size == (1024, 768)


def test_put_with_a_text_content_type_is_415_in_the_error_shape(client, signed_in):
    account, headers = signed_in()

    response = put_image(client, headers, b"hello", "text/plain")

    assert response.status_code == 415
    assert response.json_body["error"]["code"] == "unsupported_media_type"
    assert response.json_body["error"]["message"]
    assert current_photo(account.account_id) is None


def test_put_lying_about_its_type_is_415(client, signed_in):
    _, headers = signed_in()
    response = put_image(client, headers, b"GIF89a not really", "image/png")
    assert response.status_code == 415
    assert response.json_body["error"]["code"] == "unsupported_media_type"


def test_put_over_5_mb_is_413(client, signed_in):
    account, headers = signed_in()
    response = put_image(client, headers, jpeg() + b"\0" * (5 * MB), "image/jpeg")
    assert response.status_code == 413
    assert current_photo(account.account_id) is None


# ---------------------------------------------------------------- rotate


def test_rotate_90_turns_clockwise_and_four_turns_come_back(client, signed_in):
    account, headers = with_photo(client, signed_in)

    sizes = []
    for _ in range(4):
        response = client.http.post(
            "/profile/photo/rotate", headers=headers, body=json.dumps({"degrees": 90})
        )
        assert response.status_code == 200, response.json_body
        sizes.append((response.json_body["width"], response.json_body["height"]))

    assert sizes == [(300, 400), (400, 300), (300, 400), (400, 300)]
    key = current_photo(account.account_id).key
    assert keys_under(f"photos/{account.account_id}/") == [key]
    img = Image.open(io.BytesIO(stored(key)["Body"].read())).convert("RGB")
    left, right = img.getpixel((60, 150)), img.getpixel((340, 150))
    assert left[0] > 150 and right[2] > 150  # red still on the left after a full turn
    assert leases() == []


def test_rotate_90_puts_the_left_side_on_top(client, signed_in):
    account, headers = with_photo(client, signed_in)
    response = client.http.post(
        "/profile/photo/rotate", headers=headers, body=json.dumps({"degrees": 90})
    )
    assert response.status_code == 200
    img = Image.open(io.BytesIO(stored(current_photo(account.account_id).key)["Body"].read()))
    top = img.convert("RGB").getpixel((150, 60))
    assert img.size == (300, 400) and top[0] > 150  # clockwise: the left (red) half goes up


@pytest.mark.parametrize("degrees", [45, 0, 360, -90, "90"])
def test_rotate_refuses_other_angles(client, signed_in, degrees):
    _, headers = with_photo(client, signed_in)
    response = client.http.post(
        "/profile/photo/rotate", headers=headers, body=json.dumps({"degrees": degrees})
    )
    assert response.status_code == 422
    assert response.json_body["error"]["fields"] == {"degrees": "invalid_choice"}


def test_rotate_without_a_photo_is_404(client, signed_in):
    _, headers = signed_in()
    response = client.http.post(
        "/profile/photo/rotate", headers=headers, body=json.dumps({"degrees": 180})
    )
    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "not_found"


# ---------------------------------------------------------------- delete


def test_delete_removes_the_photo_and_its_object(client, signed_in):
    account, headers = with_photo(client, signed_in)
    key = current_photo(account.account_id).key

    response = client.http.delete("/profile/photo", headers=headers)

    assert response.status_code == 204
    assert current_photo(account.account_id) is None
    assert keys_under(f"photos/{account.account_id}/") == []
    with pytest.raises(ClientError):
        stored(key)
    assert leases() == []
    assert client.http.delete("/profile/photo", headers=headers).status_code == 204  # idempotent


def test_delete_when_s3_fails_after_the_switch_still_204_and_leaves_a_lease(
    client, signed_in, monkeypatch
):
    account, headers = with_photo(client, signed_in)
    key = current_photo(account.account_id).key
    monkeypatch.setattr(objects, "delete", failing("DeleteObject"))

    response = client.http.delete("/profile/photo", headers=headers)

    assert response.status_code == 204
    assert current_photo(account.account_id) is None
    assert [lease.object_key for lease in leases()] == [key]  # for the cleanup job


# ---------------------------------------------------------------- failure safety


def failing(operation: str) -> Any:
    """An ``objects`` function failing as the adapter does when S3 fails."""

    def fail(*args: Any, **kwargs: Any) -> Any:
        error = ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, operation)
        raise Unavailable("s3") from error

    return fail


def assert_old_photo_intact(account_id: str, old: Any, old_data: bytes) -> None:
    now = current_photo(account_id)
    assert (now.key, now.width, now.height) == (old.key, old.width, old.height)
    assert stored(old.key)["Body"].read() == old_data


@pytest.mark.parametrize("step", ["put_jpeg", "get_bytes", "head_size"])
def test_s3_failure_while_replacing_keeps_the_old_photo_and_is_503(
    client, signed_in, monkeypatch, step
):
    account, headers = with_photo(client, signed_in)
    old = current_photo(account.account_id)
    old_data = stored(old.key)["Body"].read()
    key = upload(client, headers, jpeg(640, 480))
    monkeypatch.setattr(objects, step, failing(step))

    response = commit(client, headers, key)

    assert response.status_code == 503
    assert response.json_body["error"]["code"] == "unavailable"
    assert_old_photo_intact(account.account_id, old, old_data)
    # Whatever was left behind is leased: the upload, and any new object.
    leased = {lease.object_key for lease in leases()}
    assert key in leased
    assert set(keys_under(f"photos/{account.account_id}/")) - {old.key} <= leased

    monkeypatch.undo()
    retried = commit(client, headers, key)  # retry is safe
    assert retried.status_code == 200, retried.json_body
    assert (retried.json_body["width"], retried.json_body["height"]) == (640, 480)


def test_dynamodb_failure_during_the_switch_keeps_the_old_photo_and_is_503(
    client, signed_in, monkeypatch
):
    account, headers = with_photo(client, signed_in)
    old = current_photo(account.account_id)
    old_data = stored(old.key)["Body"].read()

    def broken_write(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise TransactWriteError("throttled")

    # The switch is one transaction (the account update and its activity event).
    monkeypatch.setattr(Connection, "transact_write_items", broken_write)
    response = client.http.post(
        "/profile/photo/rotate", headers=headers, body=json.dumps({"degrees": 90})
    )

    assert response.status_code == 503
    assert_old_photo_intact(account.account_id, old, old_data)
    orphans = set(keys_under(f"photos/{account.account_id}/")) - {old.key}
    assert len(orphans) == 1  # the rotated copy, written but never switched to
    assert orphans <= {lease.object_key for lease in leases()}


def test_s3_failure_deleting_the_replaced_photo_still_succeeds_and_leaves_a_lease(
    client, signed_in, monkeypatch
):
    account, headers = with_photo(client, signed_in)
    old = current_photo(account.account_id)
    monkeypatch.setattr(objects, "delete", failing("DeleteObject"))

    response = put_image(client, headers, png(), "image/png")

    assert response.status_code == 200
    new = current_photo(account.account_id)
    assert new.key != old.key
    assert [lease.object_key for lease in leases()] == [old.key]


def test_rotate_over_a_photo_changed_meanwhile_is_409(client, signed_in, monkeypatch):
    account, headers = with_photo(client, signed_in)
    real_rotate = photo_image.rotate

    def rotate_while_another_tab_replaces(data: bytes, degrees: int) -> Any:
        result = real_rotate(data, degrees)
        actor = Actor(account.account_id, None, None, None, None, None)
        photos.replace_with_bytes(account.account_id, png(), actor)
        return result

    monkeypatch.setattr(photo_image, "rotate", rotate_while_another_tab_replaces)
    response = client.http.post(
        "/profile/photo/rotate", headers=headers, body=json.dumps({"degrees": 90})
    )

    assert response.status_code == 409
    assert response.json_body["error"]["code"] == "photo_changed"
    current = current_photo(account.account_id)
    assert (current.width, current.height) == (64, 48)  # the other change stands
    assert keys_under(f"photos/{account.account_id}/") == [current.key]
    # At most a lease on the photo both requests replaced (already deleted):
    # cleanup only drops it. Nothing stored is left without a lease.
    assert all(lease.object_key != current.key for lease in leases())
    assert all(not keys_under(lease.object_key) for lease in leases())


def test_a_photo_change_bumps_the_profile_version(client, signed_in):
    account, headers = signed_in()
    before = Account.get(account.account_id).version
    response = put_image(client, headers, jpeg(), "image/jpeg")
    after = Account.get(account.account_id)
    assert after.version == before + 1 == response.json_body["version"]
    # A stale whole-item save (the version read before the photo) cannot restore "no photo".
    account.first_name = "Stale"
    with pytest.raises(PutError):
        account.save()
    assert current_photo(account.account_id) is not None
