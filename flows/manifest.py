"""The manifest of ingested inputs: which files a run must read, and what it records.

Two steps keep a rerun cheap and exact:

1. ``select_inputs`` (in discover, serial): a file whose size, modification time and
   status-change time equal the current manifest row is skipped without being opened.
2. ``examine`` (in the shard tasks, parallel): every other file is hashed (xxh3-128 of
   its bytes); when the hash equals the manifest's, the file was only touched and is not
   read again (its manifest row is refreshed, its live rows stay those of the earlier run).

Input identity (``input_key``) is the absolute path as discovered, symbolic links not
resolved: ``INPUT=data/inbox`` and ``INPUT=$PWD/data/inbox`` name the same inputs, while two
folders holding the same file names are different inputs. Moving the corpus makes it new.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import duckdb
import xxhash

from flows.parquet import write_parquet
from flows.readers import InputFile, safe_text
from schemas.manifest import MANIFEST

_CHUNK = 1024**2
# The current manifest row of each input: the latest committed one.
LATEST_PER_INPUT = "QUALIFY row_number() OVER (PARTITION BY input_key ORDER BY run_id DESC) = 1"


@dataclass(frozen=True)
class ManifestEntry:
    """The current manifest row of one input."""

    input_path: str
    size: int | None
    mtime_ns: int | None
    ctime_ns: int | None
    content_hash: str | None
    ingested_run_id: str


@dataclass(frozen=True)
class Candidate:
    """An input discover could not rule out: new, or its stat differs from the manifest."""

    file: InputFile
    previous: ManifestEntry | None

    @property
    def size(self) -> int:
        """The bytes this candidate reads: the file's, or its piece's."""
        part = self.file.part
        if part is None:
            return self.file.size
        # A piece of a compressed file: its share of the file's (compressed) bytes.
        return part.end - part.start if part.compression is None else \
            (part.end - part.start) * self.file.size // max(part.expanded, 1)

    @property
    def stands_for_file(self) -> bool:
        """True for a whole file and for the first piece of a split one: the candidate
        that writes the file's manifest row and counts it."""
        return self.file.part is None or self.file.part.index == 0


def input_key(file: InputFile) -> str:
    """The identity of an input file: its path as discovered (absolute, symbolic links not
    resolved), storable as UTF-8. It is also the ``input_path`` the readers give the file's
    records, on which the views match facts to the manifest.

    >>> input_key(InputFile("/data/inbox/a.txt", 3, "a.txt"))
    '/data/inbox/a.txt'
    """
    return safe_text(file.path)


def stat_of(path: str) -> tuple[int | None, int | None, int | None]:
    """``(size, mtime_ns, ctime_ns)``; the link itself for a dangling link or a loop;
    ``(None, None, None)`` when the path is gone."""
    for stat_fn in (os.stat, os.lstat):
        try:
            st = stat_fn(path)
            return st.st_size, st.st_mtime_ns, st.st_ctime_ns
        except OSError:
            continue
    return None, None, None


def hash_file(path: str) -> str | None:
    """xxh3-128 of the file's bytes (hex), or None when it cannot be read or is not a
    regular file after following links: a FIFO would block the open, a device
    (``/dev/zero``) never ends. The readers reject those without reading them."""
    digest = xxhash.xxh3_128()
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        # O_NONBLOCK: a FIFO swapped in after the stat must not block the open either.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            return None
        with open(fd, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def current_manifest(files: list[str]) -> dict[str, ManifestEntry]:
    """The latest manifest row per input key in ``files`` (the committed runs' manifest
    files: then it is what the ``current_inputs`` view shows)."""
    if not files:
        return {}
    con = duckdb.connect()
    try:
        rows = con.execute(
            """SELECT input_key, input_path, size, mtime_ns, ctime_ns, content_hash, ingested_run_id
            FROM read_parquet(?, hive_partitioning = false)
            """ + LATEST_PER_INPUT,
            [files],
        ).fetchall()
    finally:
        con.close()
    return {r[0]: ManifestEntry(*r[1:]) for r in rows}


def select_inputs(
    files: list[InputFile], current: dict[str, ManifestEntry]
) -> tuple[list[Candidate], int]:
    """The files a run must examine, and how many were skipped as unchanged by their stat.

    A file is skipped only when size, mtime and ctime all equal its manifest row and it was
    read then (a file that could not be read is examined again when any of them moves).
    """
    candidates: list[Candidate] = []
    skipped = 0
    for f in files:
        previous = current.get(input_key(f))
        if previous is not None and previous.size is not None:
            if stat_of(f.path) == (previous.size, previous.mtime_ns, previous.ctime_ns):
                skipped += 1
                continue
        candidates.append(Candidate(f, previous))
    return candidates, skipped


def examine(candidate: Candidate, run_id: str, started_at: datetime) -> tuple[bool, dict]:
    """Hash one candidate: ``(read it, its manifest row)``.

    The stat is taken before the hash, so a file that changes while it is read looks
    changed again to the next run.
    """
    file, previous = candidate.file, candidate.previous
    size, mtime_ns, ctime_ns = stat_of(file.path)
    content_hash = hash_file(file.path)
    unchanged = previous is not None and content_hash is not None and content_hash == previous.content_hash
    row = {
        "input_key": input_key(file),
        # An unchanged file keeps the rows (and their input_path) of the run that read it.
        "input_path": previous.input_path if unchanged else input_key(file),
        "size": size,
        "mtime_ns": mtime_ns,
        "ctime_ns": ctime_ns,
        "content_hash": content_hash,
        "ingested_run_id": previous.ingested_run_id if unchanged else run_id,
        "examined_at": started_at,
        "run_id": run_id,
    }
    return not unchanged, row


class Examined(NamedTuple):
    """A shard's candidates once hashed: the files to read, and every candidate's manifest row."""

    to_read: list[InputFile]
    rows: list[dict]


def examine_all(candidates: list[Candidate], run_id: str, started_at: datetime) -> Examined:
    """``examine`` each candidate, in order. Every piece of a split file hashes the whole
    file (each must know whether it is unchanged); only the first writes its row."""
    to_read, rows = [], []
    for candidate in candidates:
        read, row = examine(candidate, run_id, started_at)
        if candidate.stands_for_file:
            rows.append(row)
        if read:
            to_read.append(candidate.file)
    return Examined(to_read, rows)


def stage_manifest(path: str | Path, rows: list[dict]) -> None:
    """Write one shard's manifest rows to its staging file ``path`` (replacing an earlier attempt's)."""
    write_parquet(rows, MANIFEST, path)


def view_statements(manifest_source: str, committed: str, temporary: bool = False) -> tuple[list[str], str]:
    """The ``manifest`` and ``current_inputs`` views, and the condition a fact row meets when
    it belongs to the live version of its input.

    ``manifest_source`` is SQL reading the physical manifest files; ``committed`` the
    condition that keeps committed runs only; ``temporary`` makes them a connection's temp
    views (consolidate's). A run that wrote no manifest rows (a lake made before the
    manifest existed) keeps all its rows visible.

    >>> statements, live = view_statements("SELECT 1", "true")
    >>> "current_inputs" in live
    True
    """
    view = "TEMP VIEW" if temporary else "VIEW"
    statements = [
        f"CREATE OR REPLACE {view} manifest AS SELECT * FROM ({manifest_source}) WHERE {committed}",
        # The latest committed row per input says which run's rows are live for it.
        f"""CREATE OR REPLACE {view} current_inputs AS
        SELECT input_key, input_path, ingested_run_id AS run_id, size, mtime_ns, content_hash
        FROM manifest
        {LATEST_PER_INPUT}""",
    ]
    live = (
        "((input_path, run_id) IN (SELECT input_path, run_id FROM current_inputs)"
        " OR run_id NOT IN (SELECT run_id FROM manifest))"
    )
    return statements, live
