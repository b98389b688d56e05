"""Small real images for tests."""

from __future__ import annotations

import io

from PIL import Image


def jpeg(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(out, "JPEG")
    return out.getvalue()
