"""Shared builders for the reader tests (tests/test_readers_*.py): small inputs, and
``read``, which runs ``iter_records`` on a path."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import tarfile
import zipfile
from pathlib import Path

import zstandard

from flows.readers import (
    DEFAULT_LIMITS,
    InputFile,
    ReadLimits,
    iter_records,
)
from transforms.fields import SourceConfig

JSONL = b'{"id": 1, "title": "One", "body": "First."}\n{"id": 2, "title": "Two", "body": "Second."}\n'
CSV = b'id,title,body\n1,One,"First,\nwith a line break"\n2,Two,Second.\n'


def read(path: Path, config: SourceConfig | None = None, limits: ReadLimits | None = None,
         relpath: str | None = None):
    file = InputFile(str(path), os.stat(path).st_size if os.path.exists(path) else 0,
                     relpath or path.name)
    return list(iter_records(file, config or SourceConfig(), limits or DEFAULT_LIMITS))


def errors(records) -> list[str | None]:
    return [r.error[0] if r.error else None for r in records]


def compress(data: bytes, kind: str) -> bytes:
    return {
        "gz": gzip.compress,
        "bz2": bz2.compress,
        "xz": lzma.compress,
        "zst": lambda d: zstandard.ZstdCompressor().compress(d),
    }[kind](data)


def build_zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


def build_tar(path: Path, members: dict[str, bytes], mode: str = "w") -> None:
    with tarfile.open(path, mode) as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


SMALL = ReadLimits(max_record_bytes=1000, max_expanded_bytes=100_000, max_expansion_ratio=50,
                   ratio_floor_bytes=10_000, max_reject_raw_bytes=200)
