"""The package runs on Lambda's runtime: one Python 3.13+ runtime on arm64 for every
function, and every native library in the zip built for that CPU, that Python and no newer
glibc than the runtime's OS (Amazon Linux 2023: 2.34)."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

from infra.package import LAMBDA_ARCHITECTURE, LAMBDA_GLIBC, LAMBDA_PYTHON, LAMBDA_RUNTIME, Package

NATIVE = re.compile(r"\.so(\.\d+)*$")
PYTHON_EXTENSION = re.compile(r"\.(cpython-(\d+)-([a-z0-9_]+)-linux-gnu|abi3)\.so$")
GLIBC_VERSION = re.compile(r"^GLIBC_(\d+)\.(\d+)(?:\.\d+)?$")


def glibc_versions_needed(elf: ELFFile) -> set[tuple[int, int]]:
    needed = set()
    for section in elf.iter_sections():
        if isinstance(section, GNUVerNeedSection):
            for _, auxiliaries in section.iter_versions():
                for auxiliary in auxiliaries:
                    match = GLIBC_VERSION.match(auxiliary.name)
                    if match:
                        needed.add((int(match.group(1)), int(match.group(2))))
    return needed


def test_every_function_runs_on_one_current_python_on_arm64(template: dict[str, Any]) -> None:
    assert LAMBDA_PYTHON >= (3, 13)
    functions = [r for r in template["Resources"].values() if r["Type"].endswith("::Function")]
    assert len(functions) >= 4
    for function in functions:
        assert function["Properties"]["Runtime"] == LAMBDA_RUNTIME == "python3.13"
        assert function["Properties"]["Architectures"] == [LAMBDA_ARCHITECTURE] == ["arm64"]


def test_every_native_library_is_aarch64_for_the_runtime_python_and_glibc(
    package: Package,
) -> None:
    tag = f"{LAMBDA_PYTHON[0]}{LAMBDA_PYTHON[1]}"
    checked = []
    with zipfile.ZipFile(package.zip) as archive:
        for name in archive.namelist():
            if not NATIVE.search(name):
                continue
            elf = ELFFile(io.BytesIO(archive.read(name)))
            assert elf["e_machine"] == "EM_AARCH64", (name, elf["e_machine"])
            too_new = {v for v in glibc_versions_needed(elf) if v > LAMBDA_GLIBC}
            assert not too_new, (name, sorted(too_new))
            extension = PYTHON_EXTENSION.search(name)
            if extension and extension.group(1) != "abi3":
                assert extension.group(2) == tag and extension.group(3) == "aarch64", name
            checked.append(name)
    # Pillow, pydantic-core and maxminddb at least, and the libraries Pillow bundles.
    assert any("pydantic_core" in name for name in checked)
    assert any(name.startswith("PIL/_imaging.") for name in checked)
    assert any(name.startswith("pillow.libs/") for name in checked)
