"""The size limits that keep one worker's memory bounded whatever the input holds.

Set per run in ``[limits]`` of sources.toml (``flows.sources`` parses them); the readers
apply them to every record, every decompressed stream and every archive.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReadLimits:
    """Size limits that keep one worker's memory bounded whatever the input holds."""

    # A news article is rarely over 100 KB; 16 MiB leaves room for a 10 MB outlier while a
    # 50 MB "line" (a dump glued into one line) is refused.
    max_record_bytes: int = 16 * 1024**2
    # Total decompressed bytes read from one input file (an archive counts all members):
    # far above any real shard, far below what fills a disk or memory.
    max_expanded_bytes: int = 2 * 1024**3
    # Decompressed/compressed ratio above which data is a bomb; text compresses 3-15x,
    # repetitive JSON up to ~50x, a zip bomb 1000x and more.
    max_expansion_ratio: float = 200.0
    # The ratio guard starts only after this many decompressed bytes: a 1 KB gzip of a
    # 300 KB blank-padded file is not a bomb worth refusing.
    ratio_floor_bytes: int = 64 * 1024**2
    # At most this much of an oversized or unsupported input is kept as a reject's raw bytes.
    max_reject_raw_bytes: int = 1024**2
    # A .json file is parsed whole (unlike JSONL): refuse larger ones; split them into JSONL.
    max_json_bytes: int = 512 * 1024**2


DEFAULT_LIMITS = ReadLimits()
