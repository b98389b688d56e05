"""Profile photo pixel processing, on real images generated here."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageCms, ImageFile, ImageOps, JpegImagePlugin, PngImagePlugin

from chalicelib.errors import UnsupportedMediaType, ValidationFailed
from chalicelib.services import photo_image
from chalicelib.services.photo_image import ProcessedImage, process_upload, rotate

RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)
QUADRANT_COLORS = (RED, GREEN, BLUE, WHITE)  # top-left, top-right, bottom-left, bottom-right

# How a camera stores an upright picture for each EXIF Orientation value: the
# inverse of what a viewer does to display it (EXIF 2.32, tag 0x0112).
STORE_FOR_ORIENTATION = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # viewer turns it 90° clockwise
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,  # viewer turns it 90° counter-clockwise
}


def quadrants(width: int = 400, height: int = 300) -> Image.Image:
    img = Image.new("RGB", (width, height), WHITE)
    img.paste(RED, (0, 0, width // 2, height // 2))
    img.paste(GREEN, (width // 2, 0, width, height // 2))
    img.paste(BLUE, (0, height // 2, width // 2, height))
    return img


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def exif_with_orientation(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


def stored_photo(orientation: int, fmt: str = "JPEG", width: int = 400, height: int = 300) -> bytes:
    """An upright quadrant picture as a camera stores it with this orientation."""
    method = STORE_FOR_ORIENTATION[orientation]
    upright = quadrants(width, height)
    stored = upright if method is None else upright.transpose(method)
    params: dict[str, object] = {"exif": exif_with_orientation(orientation)}
    if fmt == "JPEG":
        params["quality"] = 95
    if fmt == "WEBP":
        params["lossless"] = True
    return encode(stored, fmt, **params)


def opened(result: ProcessedImage) -> Image.Image:
    img = Image.open(io.BytesIO(result.data))
    assert img.format == "JPEG"
    assert img.size == (result.width, result.height)
    img.load()
    return img


def quadrant_colors(img: Image.Image) -> list[tuple[int, int, int]]:
    w, h = img.size
    points = [
        (w // 4, h // 4),
        (3 * w // 4, h // 4),
        (w // 4, 3 * h // 4),
        (3 * w // 4, 3 * h // 4),
    ]
    return [img.convert("RGB").getpixel(p) for p in points]


def assert_close(actual, expected, tolerance: int = 24) -> None:
    for got, want in zip(actual, expected, strict=True):
        assert all(abs(a - b) <= tolerance for a, b in zip(got, want, strict=True)), (
            actual,
            expected,
        )


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width x height, with a tiny IDAT: a bomb's shape."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------- orientation


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation):
    data = stored_photo(orientation)
    # The fixture itself: Pillow's reference transpose shows the upright picture.
    reference = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    assert reference.size == (400, 300)
    assert_close(quadrant_colors(reference), QUADRANT_COLORS)

    result = process_upload(data)

    assert (result.width, result.height) == (400, 300)
    assert_close(quadrant_colors(opened(result)), QUADRANT_COLORS)


@pytest.mark.parametrize("orientation", [5, 6, 7, 8])
def test_orientation_with_reduced_scale_jpeg_decoding(orientation):
    # 2400x1800 upright: draft() decodes the 1800x2400 stored JPEG at 1/2 scale.
    data = stored_photo(orientation, width=2400, height=1800)

    result = process_upload(data)

    assert (result.width, result.height) == (1024, 768)
    assert_close(quadrant_colors(opened(result)), QUADRANT_COLORS)


@pytest.mark.parametrize(
    ("orientation", "upright_size", "decoded_size", "result_size"),
    [
        (1, (4000, 3000), (2000, 1500), (1024, 768)),
        # A panorama shot in portrait: stored 1000x4000, draft must be asked for
        # the stored (pre-orientation) shape or it would not reduce at all.
        (6, (4000, 1000), (500, 2000), (1024, 256)),
        (8, (4000, 1000), (500, 2000), (1024, 256)),
    ],
)
def test_big_jpegs_are_decoded_at_reduced_scale(
    orientation, upright_size, decoded_size, result_size, monkeypatch
):
    decoded = []
    real_load = JpegImagePlugin.JpegImageFile.load

    def spy(self):
        decoded.append(self.size)
        return real_load(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "load", spy)
    upright = quadrants(*upright_size)
    method = STORE_FOR_ORIENTATION[orientation]
    img = upright if method is None else upright.transpose(method)
    data = encode(img, "JPEG", exif=exif_with_orientation(orientation))

    result = process_upload(data)

    assert decoded[0] == decoded_size  # 1/2 scale, still >= the target
    assert (result.width, result.height) == result_size
    assert_close(quadrant_colors(opened(result)), QUADRANT_COLORS)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_orientation_is_applied_for_png_and_webp(fmt):
    result = process_upload(stored_photo(6, fmt))

    assert (result.width, result.height) == (400, 300)
    assert_close(quadrant_colors(opened(result)), QUADRANT_COLORS)


# --------------------------------------------------------------------------- metadata


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"  # GPSLatitudeRef
    gps[2] = (45.0, 30.0, 12.5)  # GPSLatitude
    gps[3] = "W"
    gps[4] = (73.0, 33.0, 55.0)
    return exif


SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="Jane Roe"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
METADATA_KEYS = ("exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "photoshop")


def assert_no_metadata(result: ProcessedImage) -> None:
    img = opened(result)
    assert len(img.getexif()) == 0
    assert not any(key in img.info for key in METADATA_KEYS), img.info
    for marker in (b"Exif\x00", b"ICC_PROFILE", b"ns.adobe.com/xap", b"Jane", b"PhoneMaker"):
        assert marker not in result.data


def test_gps_and_all_other_jpeg_metadata_are_dropped():
    data = encode(
        quadrants(),
        "JPEG",
        exif=gps_exif(),
        icc_profile=SRGB_ICC,
        xmp=XMP,
        comment=b"taken by Jane at home",
    )
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(0x8825)[2] == (45.0, 30.0, 12.5)  # GPS is really there
    assert {"icc_profile", "xmp", "comment"} <= source.info.keys()

    result = process_upload(data)

    assert_no_metadata(result)
    assert_close(quadrant_colors(opened(result)), QUADRANT_COLORS)


def test_png_text_chunks_and_exif_are_dropped():
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Jane Roe")
    text.add_itxt("Comment", "Jane's home address", zip=True)
    data = encode(quadrants(), "PNG", pnginfo=text, exif=gps_exif(), icc_profile=SRGB_ICC)
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(0x8825)  # GPS is really there
    assert source.text["Author"] == "Jane Roe"

    assert_no_metadata(process_upload(data))


def test_webp_exif_and_xmp_are_dropped():
    data = encode(quadrants(), "WEBP", exif=gps_exif(), xmp=XMP, icc_profile=SRGB_ICC)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)

    assert_no_metadata(process_upload(data))


def test_a_jpeg_comment_alone_is_dropped():
    # Pillow's JPEG writer copies im.info["comment"] unless told otherwise.
    data = encode(quadrants(), "JPEG", comment=b"Jane Roe, 12 rue des Lilas")
    assert Image.open(io.BytesIO(data)).info["comment"]

    assert_no_metadata(process_upload(data))


def test_a_multi_picture_jpeg_is_a_jpeg():
    # Phones add a Multi-Picture index (depth map, HDR gain map); Pillow calls it MPO.
    extra = Image.new("RGB", (40, 30), (9, 9, 9))
    data = encode(quadrants(2400, 1800), "MPO", save_all=True, append_images=[extra])
    assert Image.open(io.BytesIO(data)).format == "MPO"

    result = process_upload(data)

    assert (result.width, result.height) == (1024, 768)
    assert_close(quadrant_colors(opened(result)), QUADRANT_COLORS)
    assert b"MPF\x00" not in result.data


def red_green_swapped_profile() -> bytes:
    """The sRGB profile with its red and green primaries swapped: a colour space
    where (255, 0, 0) means sRGB green, so a conversion is impossible to miss."""
    icc = bytearray(SRGB_ICC)
    count = struct.unpack(">I", icc[128:132])[0]
    entries = {bytes(icc[132 + 12 * i : 136 + 12 * i]): 132 + 12 * i for i in range(count)}
    red, green = entries[b"rXYZ"], entries[b"gXYZ"]
    icc[red + 4 : red + 12], icc[green + 4 : green + 12] = (
        icc[green + 4 : green + 12],
        icc[red + 4 : red + 12],
    )
    return bytes(icc)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_embedded_icc_profile_is_converted_to_srgb(fmt):
    data = encode(Image.new("RGB", (64, 64), RED), fmt, icc_profile=red_green_swapped_profile())

    result = process_upload(data)

    assert_close([opened(result).getpixel((32, 32))], [GREEN], tolerance=8)
    assert_no_metadata(result)


def test_a_broken_icc_profile_does_not_reject_the_photo():
    data = encode(quadrants(), "JPEG", icc_profile=b"not really a profile")

    result = process_upload(data)

    assert_no_metadata(result)
    assert_close(quadrant_colors(opened(result)), QUADRANT_COLORS)


# --------------------------------------------------------------------------- size limits


@pytest.mark.parametrize(
    "size",
    [
        (20000, 20000),  # 400 MP: beyond Pillow's own DecompressionBombError
        (10000, 10000),  # 100 MP: Pillow would only warn
        (7000, 6000),  # 42 MP: only our MAX_PIXELS catches it
        (1, 40_000_001),
    ],
)
def test_huge_image_headers_are_refused_without_decoding(size, monkeypatch):
    def no_decoding(self):
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    data = png_header_only(*size)
    assert len(data) < 100

    with pytest.raises(ValidationFailed) as caught:
        process_upload(data)

    assert caught.value.code == "image_too_large"
    assert caught.value.status == 422
    assert caught.value.fields == {"photo": "image_too_large"}


def test_pixel_limit_is_inclusive(monkeypatch):
    monkeypatch.setattr(photo_image, "MAX_PIXELS", 100)

    assert process_upload(encode(Image.new("RGB", (10, 10)), "PNG")).width == 10
    with pytest.raises(ValidationFailed):
        process_upload(encode(Image.new("RGB", (11, 10)), "PNG"))


def test_pillow_global_bomb_limit_is_left_alone():
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(ValidationFailed):
        process_upload(png_header_only(20000, 20000))
    assert Image.MAX_IMAGE_PIXELS == before


# --------------------------------------------------------------------------- formats


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"Bonjour, ceci est un fichier texte.\n" * 50, id="text"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg"),
        pytest.param(encode(quadrants(), "GIF"), id="gif"),
        pytest.param(encode(quadrants(), "BMP"), id="bmp"),
        pytest.param(encode(quadrants(), "TIFF"), id="tiff"),
        pytest.param(truncated(encode(quadrants(), "JPEG")), id="truncated-jpeg"),
        pytest.param(truncated(encode(quadrants(2400, 1800), "JPEG")), id="truncated-jpeg-draft"),
        pytest.param(truncated(encode(quadrants(), "PNG")), id="truncated-png"),
        pytest.param(truncated(encode(quadrants(), "WEBP")), id="truncated-webp"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"\x00" * 200, id="jpeg-magic-then-junk"),
        pytest.param(png_header_only(400, 300), id="png-without-pixel-data"),
    ],
)
def test_anything_but_a_readable_jpeg_png_or_webp_is_unsupported(data):
    with pytest.raises(UnsupportedMediaType) as caught:
        process_upload(data)
    assert caught.value.status == 415


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_output_is_a_progressive_jpeg(fmt):
    result = process_upload(encode(quadrants(), fmt))

    img = opened(result)
    assert img.mode == "RGB"
    assert img.info.get("progressive") or img.info.get("progression")


# --------------------------------------------------------------------------- scaling


def test_a_12_megapixel_jpeg_is_scaled_to_fit_1024():
    result = process_upload(encode(quadrants(4000, 3000), "JPEG"))

    assert (result.width, result.height) == (1024, 768)
    assert_close(quadrant_colors(opened(result)), QUADRANT_COLORS)


def test_a_tall_png_is_scaled_to_fit_1024():
    result = process_upload(encode(quadrants(1500, 3000), "PNG"))

    assert (result.width, result.height) == (512, 1024)
    assert_close(quadrant_colors(opened(result)), QUADRANT_COLORS)


def test_a_small_png_is_not_upscaled():
    result = process_upload(encode(quadrants(300, 200), "PNG"))

    assert (result.width, result.height) == (300, 200)


def test_transparent_png_becomes_rgb_on_white():
    img = Image.new("RGBA", (200, 100), (0, 0, 0, 0))  # transparent black
    img.paste((255, 0, 0, 255), (0, 0, 100, 100))  # opaque red left half

    result = process_upload(encode(img, "PNG"))

    out = opened(result)
    assert out.mode == "RGB"
    assert_close([out.getpixel((50, 50)), out.getpixel((150, 50))], [RED, WHITE])


def test_palette_png_with_transparency_becomes_rgb_on_white():
    img = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    img.paste((0, 0, 255, 255), (0, 0, 100, 100))
    palette = img.convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
    palette.info["transparency"] = palette.getpixel((150, 50))
    data = encode(palette, "PNG", transparency=palette.getpixel((150, 50)))

    out = opened(process_upload(data))

    assert_close([out.getpixel((50, 50)), out.getpixel((150, 50))], [BLUE, WHITE])


def test_transparent_webp_is_accepted():
    img = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    img.paste((0, 255, 0, 255), (0, 0, 100, 100))

    out = opened(process_upload(encode(img, "WEBP", lossless=True)))

    assert_close([out.getpixel((50, 50)), out.getpixel((150, 50))], [GREEN, WHITE])


def test_16_bit_grey_png_keeps_its_tones():
    img = Image.new("I;16", (64, 64), 0x8000)  # mid grey, not white

    out = opened(process_upload(encode(img, "PNG")))

    assert_close([out.getpixel((32, 32))], [(128, 128, 128)], tolerance=4)


def test_cmyk_and_grey_jpegs_become_rgb():
    cmyk = quadrants().convert("CMYK")
    grey = Image.new("L", (100, 100), 200)

    out_cmyk = opened(process_upload(encode(cmyk, "JPEG")))
    out_grey = opened(process_upload(encode(grey, "JPEG")))

    assert out_cmyk.mode == out_grey.mode == "RGB"
    assert_close(quadrant_colors(out_cmyk), QUADRANT_COLORS, tolerance=40)
    assert_close([out_grey.getpixel((50, 50))], [(200, 200, 200)], tolerance=4)


# --------------------------------------------------------------------------- rotate


def stored(width: int = 400, height: int = 300) -> bytes:
    return process_upload(encode(quadrants(width, height), "PNG")).data


def test_rotate_90_turns_clockwise():
    result = rotate(stored(), 90)

    assert (result.width, result.height) == (300, 400)
    # Clockwise: top-left goes to top-right, bottom-left to top-left.
    assert_close(quadrant_colors(opened(result)), [BLUE, RED, WHITE, GREEN])


def test_rotate_180_and_270():
    assert_close(quadrant_colors(opened(rotate(stored(), 180))), [WHITE, BLUE, GREEN, RED])
    result = rotate(stored(), 270)
    assert (result.width, result.height) == (300, 400)
    assert_close(quadrant_colors(opened(result)), [GREEN, WHITE, RED, BLUE])


def test_four_quarter_turns_give_back_the_photo():
    data = stored(1024, 768)
    for _ in range(4):
        result = rotate(data, 90)
        data = result.data

    assert (result.width, result.height) == (1024, 768)
    assert_close(quadrant_colors(opened(result)), QUADRANT_COLORS)
    assert_no_metadata(result)


@pytest.mark.parametrize("degrees", [0, 45, -90, 360, 91, True, "90", None])
def test_rotate_refuses_other_angles(degrees):
    with pytest.raises(ValidationFailed) as caught:
        rotate(stored(), degrees)
    assert caught.value.fields == {"degrees": "invalid_choice"}


def test_rotate_refuses_garbage():
    with pytest.raises(UnsupportedMediaType):
        rotate(b"not a jpeg", 90)
