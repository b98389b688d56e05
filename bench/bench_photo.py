"""Benchmark of the profile photo pipeline against a naive Pillow pipeline.

Run from the repository root:  python -m bench.bench_photo

Cases: a 12 MP phone-like JPEG (4000x3000, EXIF orientation 6, i.e. a portrait
shot) and an 8 MP PNG (3264x2448), both with photographic content (smooth
shapes + fine texture + grain) so the files have realistic sizes; plus rotating
a stored 1024x768 photo. Time is the median of several runs in this process;
peak memory is measured in a fresh subprocess per case with
getrusage(RUSAGE_SELF).ru_maxrss before/after (tracemalloc cannot see Pillow's C
allocations), so one case's peak cannot hide another's.

`run()` returns the rows for a `make bench` collector; `main()` prints them.
"""

from __future__ import annotations

import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageChops, ImageCms, ImageDraw, ImageFilter, ImageOps

from chalicelib.services import photo_image

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNS = 9

TARGET_JPEG_TIME_RATIO = 0.4
TARGET_PEAK_MB = 120.0
TARGET_ROTATE_MS = 50.0


# --------------------------------------------------------------------------- fixtures


def photographic(width: int, height: int, seed: int) -> Image.Image:
    """Content that compresses like a photo: soft shapes, edges, texture, grain."""
    rnd = random.Random(seed)
    small = Image.new("RGB", (width // 16, height // 16), (120, 140, 160))
    draw = ImageDraw.Draw(small)
    for _ in range(120):
        x, y = rnd.randrange(small.width), rnd.randrange(small.height)
        r = rnd.randrange(3, small.width // 6)
        color = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        shape = draw.ellipse if rnd.random() < 0.5 else draw.rectangle
        shape((x - r, y - r, x + r, y + r), fill=color)
    scene = small.filter(ImageFilter.GaussianBlur(2)).resize(
        (width, height), Image.Resampling.BICUBIC
    )
    texture = Image.effect_noise((width // 2, height // 2), 40).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    grain = Image.effect_noise((width, height), 12)
    detail = ImageChops.add(texture, grain, scale=2.0, offset=-128)
    return ImageChops.overlay(scene, Image.merge("RGB", (detail, detail, detail)))


def make_fixtures(directory: Path) -> dict[str, Path]:
    """Write the inputs once; the timing runs and the memory subprocesses share them."""
    exif = Image.Exif()
    exif[0x0112] = 6  # phone held upright: stored sideways, viewer turns it 90° clockwise
    exif[0x010F] = "BenchPhone"
    # A phone stores a portrait 3000x4000 shot as 4000x3000 pixels + orientation 6.
    jpeg = photographic(4000, 3000, seed=1)
    paths = {
        "jpeg": directory / "12mp.jpg",
        "jpeg_upright": directory / "12mp_upright.jpg",
        "jpeg_icc": directory / "12mp_icc.jpg",
        "png": directory / "8mp.png",
        "stored": directory / "stored.jpg",
    }
    jpeg.save(paths["jpeg"], "JPEG", quality=95, exif=exif.tobytes())
    exif[0x0112] = 1
    jpeg.save(paths["jpeg_upright"], "JPEG", quality=95, exif=exif.tobytes())
    # Phones embed a colour profile (iPhone: Display P3) that we must convert.
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    jpeg.save(paths["jpeg_icc"], "JPEG", quality=95, exif=exif.tobytes(), icc_profile=srgb)
    photographic(3264, 2448, seed=2).save(paths["png"], "PNG")
    stored = photo_image.process_upload(paths["jpeg_upright"].read_bytes())
    paths["stored"].write_bytes(stored.data)
    return paths


# --------------------------------------------------------------------------- pipelines


def naive(data: bytes) -> bytes:
    """What one writes without thinking about size: decode everything, then shrink."""
    img = Image.open(io.BytesIO(data))
    img.load()
    img = ImageOps.exif_transpose(img)
    img.thumbnail((1024, 1024))
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def ours(data: bytes) -> bytes:
    return photo_image.process_upload(data).data


def rotate_90(data: bytes) -> bytes:
    return photo_image.rotate(data, 90).data


PIPELINES: dict[str, Callable[[bytes], bytes]] = {
    "ours": ours,
    "naive": naive,
    "rotate": rotate_90,
}


# --------------------------------------------------------------------------- measuring


def median_ms(*funcs: Callable[[], object], runs: int = RUNS) -> list[float]:
    """Median wall time of each function; runs are interleaved so noise hits all alike."""
    for func in funcs:  # warm-up: plugin imports, lazy tables
        func()
    times: list[list[float]] = [[] for _ in funcs]
    for _ in range(runs):
        for i, func in enumerate(funcs):
            start = time.perf_counter()
            func()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) * 1000 for t in times]


def _maxrss_mb() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / (1024 * 1024) if sys.platform == "darwin" else usage / 1024


def _child(pipeline: str, path: str) -> None:
    """Subprocess body: one call of one pipeline, report the peak RSS increase."""
    data = Path(path).read_bytes()
    Image.init()  # every plugin imported before the baseline
    before = _maxrss_mb()
    PIPELINES[pipeline](data)
    print(json.dumps({"peak_increase_mb": _maxrss_mb() - before}))


# ru_maxrss is a per-process high-water mark that survives exec, and a child
# started by subprocess (vfork + exec) inherits its parent's peak: measured
# directly, every case would read "0 MB" after the parent's timing runs. A tiny
# launcher process in between starts the measured child from a small peak.
_LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


def peak_increase_mb(pipeline: str, path: Path) -> float:
    child = [sys.executable, "-m", "bench.bench_photo", "--child", pipeline, str(path)]
    completed = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *child],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(completed.stdout)["peak_increase_mb"])


def _row(
    case: str, ours_v: float, naive_v: float | None, unit: str, target: str, ok: bool | None
) -> dict:
    return {
        "case": case,
        "unit": unit,
        "ours": round(ours_v, 1),
        "naive": None if naive_v is None else round(naive_v, 1),
        "ratio": None if not naive_v else round(ours_v / naive_v, 2),
        "target": target,
        "ok": ok,
    }


def run() -> list[dict]:
    """Measure everything; one dict per table row (ok is None for information rows)."""
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_fixtures(Path(tmp))
        jpeg = paths["jpeg"].read_bytes()
        upright = paths["jpeg_upright"].read_bytes()
        png = paths["png"].read_bytes()
        stored = paths["stored"].read_bytes()

        t_ours, t_naive = median_ms(lambda: ours(jpeg), lambda: naive(jpeg))
        ratio = t_ours / t_naive
        rows.append(
            _row(
                f"12 MP JPEG {len(jpeg) / 1e6:.1f} MB, orient. 6: time",
                t_ours,
                t_naive,
                "ms",
                f"≤ {TARGET_JPEG_TIME_RATIO}× naive",
                ratio <= TARGET_JPEG_TIME_RATIO,
            )
        )
        t_ours, t_naive = median_ms(lambda: ours(upright), lambda: naive(upright))
        rows.append(_row("12 MP JPEG, orient. 1: time", t_ours, t_naive, "ms", "(info)", None))
        with_icc = paths["jpeg_icc"].read_bytes()
        t_ours, t_naive = median_ms(lambda: ours(with_icc), lambda: naive(with_icc))
        rows.append(
            _row("12 MP JPEG, orient. 1 + ICC: time", t_ours, t_naive, "ms", "(info)", None)
        )
        m_ours = peak_increase_mb("ours", paths["jpeg"])
        m_naive = peak_increase_mb("naive", paths["jpeg"])
        rows.append(
            _row(
                "12 MP JPEG, orient. 6: peak memory",
                m_ours,
                m_naive,
                "MB",
                f"≤ {TARGET_PEAK_MB:.0f} MB",
                m_ours <= TARGET_PEAK_MB,
            )
        )

        t_ours, t_naive = median_ms(lambda: ours(png), lambda: naive(png))
        rows.append(
            _row(f"8 MP PNG {len(png) / 1e6:.1f} MB: time", t_ours, t_naive, "ms", "(info)", None)
        )
        m_ours = peak_increase_mb("ours", paths["png"])
        m_naive = peak_increase_mb("naive", paths["png"])
        rows.append(
            _row(
                "8 MP PNG: peak memory",
                m_ours,
                m_naive,
                "MB",
                f"≤ {TARGET_PEAK_MB:.0f} MB",
                m_ours <= TARGET_PEAK_MB,
            )
        )

        (t_rotate,) = median_ms(lambda: rotate_90(stored))
        rows.append(
            _row(
                "rotate 90° of a stored 1024×768",
                t_rotate,
                None,
                "ms",
                f"≤ {TARGET_ROTATE_MS:.0f} ms",
                t_rotate <= TARGET_ROTATE_MS,
            )
        )
    return rows


def format_table(rows: list[dict]) -> str:
    header = ("case", "ours", "naive", "ratio", "target", "")
    lines = []
    for row in rows:
        unit = row["unit"]
        naive_v = "—" if row["naive"] is None else f"{row['naive']:.1f} {unit}"
        ratio = "—" if row["ratio"] is None else f"{row['ratio']:.2f}×"
        mark = {True: "✓", False: "✗", None: ""}[row["ok"]]
        lines.append(
            (row["case"], f"{row['ours']:.1f} {unit}", naive_v, ratio, row["target"], mark)
        )
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]

    def fmt(cells) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(header), separator, *(fmt(line) for line in lines)])


def main() -> None:
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    print(
        f"Pillow {Image.__version__}, median of {RUNS} interleaved runs (wall time), "
        f"peak RSS in fresh subprocesses; machine load {load:.1f} per CPU at start"
    )
    print(format_table(run()))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
    else:
        main()
