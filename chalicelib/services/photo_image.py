"""Profile photo pixels: check, turn upright, strip metadata, scale, re-encode.

Pure functions over bytes; no AWS here. The photo service fetches the upload,
calls :func:`process_upload` (or :func:`rotate` for the stored photo) and stores
the returned JPEG.

Untrusted bytes: the format comes from the content (never the name or the
Content-Type), the pixel count is checked from the header before any pixel is
decoded, and every Pillow failure on the input becomes a 415.
"""

from __future__ import annotations

import functools
import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image

try:
    from PIL import ImageCms
except ImportError:  # a Pillow built without LittleCMS: colours are converted naively
    ImageCms = None  # type: ignore[assignment]

from chalicelib.errors import PortalError, UnsupportedMediaType, ValidationFailed

# 40 MP: above what phones save by default (12-24 MP) and what most cameras
# produce, so real photos pass. It bounds memory for the formats that cannot be
# decoded at reduced scale (PNG, WebP): Pillow keeps 4 bytes per RGB(A) pixel,
# so 40 MP is 160 MB decoded plus one same-size conversion copy for transparent
# images (~320 MB), which a 1 GB Lambda survives. Pillow's own bomb limit
# (89 MP warning, 179 MP error) is far too high for a Lambda, hence our own.
MAX_PIXELS: int = 40_000_000
TARGET_SIZE = 1024
JPEG_QUALITY = 85
# Scaling = a cheap ~2x reduction first (JPEG: draft, i.e. libjpeg's DCT-domain
# scaling; PNG/WebP: reducing_gap, an integer box reduce when the ratio is >= 3),
# then a windowed-sinc filter for the remaining 1-3x. HAMMING rather than
# LANCZOS/BICUBIC: measured on a photographic 12 MP JPEG against a fair LANCZOS
# from full resolution, the final q85 JPEGs differ by 0.13 dB PSNR (40.33 vs
# 40.46 dB; the q85 encoding itself dominates the error), while the filter step
# on the 2000x1500 draft drops from ~45 ms (LANCZOS) / ~31 ms (BICUBIC) to
# ~20 ms, which is what brings the 12 MP JPEG under 0.4x the naive pipeline's
# time (bench/bench_photo.py). Decoding (~60 ms, entropy-bound) is the floor.
_RESAMPLE = Image.Resampling.HAMMING
_REDUCING_GAP = 1.5

_FORMATS = ("JPEG", "PNG", "WEBP")
# Pillow names a JPEG carrying a Multi-Picture index "MPO" (phone photos with a
# depth map or an HDR gain map). It is a JPEG; its first image is the photo.
_JPEG_FORMATS = frozenset({"JPEG", "MPO"})
_ACCEPTED = _JPEG_FORMATS | set(_FORMATS)

# EXIF Orientation -> the transpose that makes the stored pixels upright
# (same table as ImageOps.exif_transpose).
_ORIENTATION_FIX = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# Clockwise degrees -> Pillow transpose (Pillow's ROTATE_* turn counter-clockwise).
_CLOCKWISE = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}

_WHITE = (255, 255, 255)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")) if ImageCms else None


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes  # progressive JPEG, sRGB, no metadata
    width: int
    height: int


def process_upload(data: bytes) -> ProcessedImage:
    """Turn an uploaded JPEG/PNG/WebP into the stored photo.

    Raises UnsupportedMediaType (415) for anything that is not a readable JPEG,
    PNG or WebP, ValidationFailed ``image_too_large`` (422) over MAX_PIXELS.
    """
    img = _open_checked(data)
    width, height = img.size
    # Fitting into a square box does not depend on orientation, so the target
    # can be computed on the stored (pre-orientation) dimensions, which is what
    # draft() and resize() work on.
    size = _fit(width, height, TARGET_SIZE)
    with _pillow_errors():
        if img.format in _JPEG_FORMATS and size[0] * 2 <= width and size[1] * 2 <= height:
            # libjpeg scales while decoding (1/2, 1/4, 1/8; never below `size`):
            # far less memory and time than a full decode.
            img.draft("RGB", size)
        img.load()
    orientation = _orientation(img)
    icc = img.info.get("icc_profile")

    img = _resizable(img)
    if img.size != size:
        img = img.resize(size, _RESAMPLE, reducing_gap=_REDUCING_GAP)
    # Orientation after scaling: transposing 1 MP is cheaper than 12 MP.
    fix = _ORIENTATION_FIX.get(orientation)
    if fix is not None:
        img = img.transpose(fix)
    img = _flatten(img)
    img = _to_srgb(img, icc)
    return _encode(img)


def rotate(jpeg: bytes, degrees: int) -> ProcessedImage:
    """Turn the stored photo clockwise by 90, 180 or 270 degrees."""
    if isinstance(degrees, bool) or degrees not in _CLOCKWISE:
        raise ValidationFailed({"degrees": "invalid_choice"})
    img = _open_checked(jpeg)
    with _pillow_errors():
        img.load()
    if img.mode != "RGB":  # our stored photos are RGB; be lenient anyway
        img = _to_srgb(_flatten(_resizable(img)), None)
    return _encode(img.transpose(_CLOCKWISE[degrees]))


# --------------------------------------------------------------------------- helpers


def _too_large() -> ValidationFailed:
    return ValidationFailed({"photo": "image_too_large"}, code="image_too_large")


@contextmanager
def _pillow_errors() -> Iterator[None]:
    """Map whatever Pillow raises on hostile or broken bytes to our errors.

    Pillow raises many types (OSError, SyntaxError, ValueError, EOFError,
    struct.error, zlib.error...) depending on the plugin, so all are caught,
    but only around the calls that read the input.
    """
    # catch_warnings touches process-wide state; fine in a Lambda (one request
    # at a time). It makes Pillow's bomb *warning* (> 89 MP) an error instead of
    # a log line, without weakening Image.MAX_IMAGE_PIXELS.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_large() from exc
        except (PortalError, MemoryError):
            raise
        except Exception as exc:
            raise UnsupportedMediaType() from exc


def _open_checked(data: bytes) -> Image.Image:
    """Identify the format from the bytes and refuse big images before decoding."""
    with _pillow_errors():
        # Lazy: reads the header only. `formats` keeps Pillow from trying its
        # other plugins (GIF, TIFF, PSD, EPS...) on untrusted input.
        img = Image.open(io.BytesIO(data), formats=_FORMATS)
    if img.format not in _ACCEPTED:
        raise UnsupportedMediaType()
    width, height = img.size
    if width < 1 or height < 1:
        raise UnsupportedMediaType()
    if width * height > MAX_PIXELS:
        raise _too_large()
    return img


def _fit(width: int, height: int, box: int) -> tuple[int, int]:
    """Largest size within box x box with the same aspect; never upscale."""
    scale = min(1.0, box / width, box / height)
    if scale >= 1.0:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


def _orientation(img: Image.Image) -> int:
    # Pillow reads Orientation from EXIF, or from XMP when EXIF has none.
    # Broken EXIF is only metadata we drop anyway: treat it as "upright".
    try:
        value = img.getexif().get(0x0112)
    except Exception:
        return 1
    return value if isinstance(value, int) and value in _ORIENTATION_FIX else 1


def _resizable(img: Image.Image) -> Image.Image:
    """Bring any decoded mode to RGB, L, CMYK, RGBA or LA, which resize() filters.

    Palette and 1-bit images would be resized with NEAREST, tRNS transparency
    would be lost, and 16-bit grey would be clipped to white by convert("L").
    """
    mode = img.mode
    if mode.startswith("I"):  # 16-bit grey PNG: scale 0..65535 down to 0..255
        return img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    transparent = "transparency" in img.info
    if mode in ("RGBA", "LA") or (mode in ("RGB", "L", "CMYK") and not transparent):
        return img
    has_alpha = transparent or mode in ("PA", "La", "RGBa")
    return img.convert("RGBA" if has_alpha else "RGB")


def _flatten(img: Image.Image) -> Image.Image:
    """Composite transparent pixels onto white (JPEG has no alpha)."""
    if img.mode not in ("RGBA", "LA"):
        return img
    rgba = img.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (*_WHITE, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert to sRGB RGB, using the embedded ICC profile when it is usable.

    Phones embed wide-gamut profiles (iPhone: Display P3); ignoring them would
    show dull colours once the profile is stripped.
    """
    if icc and ImageCms is not None:
        try:
            return _transform_to_srgb(icc, img.mode).apply(img)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            # A broken or mismatched profile (e.g. an RGB profile on a grey
            # image) is only metadata: fall back to the plain conversion.
            pass
    return img if img.mode == "RGB" else img.convert("RGB")


@functools.lru_cache(maxsize=8)
def _transform_to_srgb(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform:
    # Cached: uploads from the same phone model carry the same profile, and
    # building a transform costs a few ms. NOCACHE disables LittleCMS's
    # last-pixel cache, which makes a shared transform thread-safe (and is no
    # slower on photographic content, where consecutive pixels differ).
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    assert _SRGB is not None  # ImageCms is available: the caller checked
    return ImageCms.buildTransform(source, _SRGB, mode, "RGB", flags=ImageCms.Flags.NOCACHE)


def _encode(img: Image.Image) -> ProcessedImage:
    # A fresh info dict: Pillow's JPEG writer copies im.info["comment"], and we
    # pass no exif/icc_profile, so the output carries no metadata at all.
    img.info = {}
    out = io.BytesIO()
    # Progressive: the photo shows blurry-then-sharp on slow phones. optimize is
    # left off: libjpeg-turbo already computes optimal Huffman tables for
    # progressive scans (measured: same bytes, same time with optimize=True).
    img.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=False)
    return ProcessedImage(data=out.getvalue(), width=img.width, height=img.height)
