"""Find the input files: walk INPUT (a file, a directory or a glob) into ``InputFile`` values.

``discover_inputs(input, exclude)`` lists every file to read, sorted by its path relative
to INPUT, skipping hidden names, documentation files (``DOC_FILE_STEMS``) and paths
matching ``exclude``; it raises ``InputError`` only when there is nothing to run on.
``match_pattern`` is the path-pattern language of sources.toml (``exclude`` and each
source's ``pattern``); ``safe_text`` writes a name with non-UTF-8 bytes so it can be stored.
"""

from __future__ import annotations

import glob
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from transforms.printable import escape_controls

__all__ = ["DOC_FILE_STEMS", "InputError", "InputFile", "discover_inputs", "match_pattern", "safe_text"]

# Files skipped when walking a directory or glob (never when named directly): the
# documentation corpora ship with, which would otherwise be read as one-article .txt
# files. Matched on the file name without extension, case-insensitively.
DOC_FILE_STEMS: frozenset[str] = frozenset(
    {"readme", "license", "licence", "copying", "notice", "changelog", "contributing"}
)


@lru_cache(maxsize=256)
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """Glob → regex: ``*`` and ``?`` stay inside one folder, ``**`` crosses folders."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                out.append(re.escape(c))
                i += 1
            else:
                body = pattern[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out))


def match_pattern(pattern: str, path: str) -> bool:
    """Whether a path matches a sources.toml pattern.

    A pattern without "/" matches the file name in any folder; one with "/" matches the
    path's end at a folder boundary, so it works on a path relative to INPUT and on an
    absolute path alike.

    >>> match_pattern("*.csv", "ag-news-test/test.csv")
    True
    >>> match_pattern("ag-news-test/*.csv", "/data/corpora/ag-news-test/test.csv")
    True
    >>> match_pattern("news/*.csv", "old-news/a.csv")
    False
    """
    path = path.replace("\\", "/")
    pattern = pattern.strip("/")
    regex = _pattern_regex(pattern)
    parts = path.strip("/").split("/")
    if "/" not in pattern:
        return regex.fullmatch(parts[-1]) is not None
    return any(regex.fullmatch("/".join(parts[i:])) for i in range(len(parts)))


class ByteRange(NamedTuple):
    """One piece of a large line-based file read by its own shard
    (``flows.readers.files.split_file``): bytes ``[start, end)`` of the file, or of its
    decompressed stream when ``compression`` is set (``expanded`` bytes in all), cut at
    line ends (record boundaries), the first of them physical line ``first_line``. Piece
    ``index`` 0 stands for the file in the manifest and the counts. ``first_row``: of a
    CSV/TSV piece, the rows before it (its header row included), so its data rows are
    numbered as in the whole file. A WARC piece is bytes of the file as stored
    (``compression`` None, whatever the file's name) starting at a record, at decompressed
    offset ``first_offset``."""

    index: int
    start: int
    end: int
    first_line: int
    compression: str | None = None
    expanded: int = 0
    first_row: int = 0
    first_offset: int = 0


@dataclass(frozen=True)
class InputFile:
    """One input file as discovered.

    ``relpath`` is relative to the INPUT root (the file name when INPUT is one file), with
    "/" separators and any byte that is not UTF-8 written as ``\\xNN`` (``safe_text``), so it
    can be stored and compared; ``path`` is the real path to open. ``regular``: whether ``path`` was a
    regular file at discovery (after following links); anything else (a FIFO, a device, a
    socket, a directory that cannot be listed, a dangling link) must not be opened or
    hashed: opening a FIFO blocks, reading ``/dev/zero`` never ends. The readers check
    again when they open the file.
    """

    path: str
    size: int
    relpath: str
    regular: bool = True
    part: ByteRange | None = None  # set when the file is read in pieces


class InputError(Exception):
    """The run cannot start: the input is missing or holds no files. One-line message."""


def safe_text(name: str) -> str:
    r"""A path or name as it can be stored: bytes that are not UTF-8 (surrogate escapes,
    which Parquet cannot store) are written as ``\xNN``, and so that this cannot collide
    with a name that holds the text ``\xNN`` itself, a backslash is written ``\\``.
    A name with neither (every name of a normal corpus) is returned as it is.

    >>> print(safe_text("caf\udce9.txt"), safe_text("caf\\xe9.txt"), safe_text("café.txt"))
    caf\xe9.txt caf\\xe9.txt café.txt
    >>> print(safe_text("title\x1b]0;x\x07.txt"))
    title\x1b]0;x\x07.txt
    """
    try:
        name.encode("utf-8")
        if "\\" not in name and escape_controls(name, keep_tab_newline=False) == name:
            return name
    except UnicodeEncodeError:
        pass
    escaped = name.replace("\\", "\\\\")
    try:
        data = escaped.encode("utf-8", "surrogateescape")  # the bytes of a file system name
    except UnicodeEncodeError:
        data = escaped.encode("utf-8", "surrogatepass")  # a lone surrogate from elsewhere
    # Control characters (a name can hold an escape sequence) as \xNN too: backslashes
    # are doubled above, so this cannot collide with a name holding the text \xNN.
    return escape_controls(data.decode("utf-8", "backslashreplace"), keep_tab_newline=False)


def _is_doc_file(name: str) -> bool:
    stem = name.split(".", 1)[0].lower()
    return stem in DOC_FILE_STEMS


def _excluded(path: str, exclude: Sequence[str]) -> bool:
    # Matched against the absolute path: a pattern matches any trailing part of it, so
    # "ag-news*/classes.txt" works whether INPUT is the corpus folder or its parent.
    if not exclude:
        return False
    return any(match_pattern(p, os.path.abspath(path)) for p in exclude)


def _file_entry(path: str, relpath: str) -> InputFile:
    try:
        st = os.stat(path)
    except OSError:
        # A symlink loop or a dangling link: still listed, so reading it yields a reject.
        return InputFile(os.path.abspath(path), 0, safe_text(relpath), regular=False)
    regular = stat.S_ISREG(st.st_mode)
    # A device's st_size means nothing (0 for /dev/zero, whose reading never ends).
    return InputFile(os.path.abspath(path), st.st_size if regular else 0, safe_text(relpath), regular)


def _walk(root: str, exclude: Sequence[str]) -> list[InputFile]:
    found: list[InputFile] = []
    seen_dirs: set[tuple[int, int]] = set()

    def visit(dirpath: str) -> None:
        try:
            st = os.stat(dirpath)
        except OSError:
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            return  # a directory symlink back into the tree: its files are listed already
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(dirpath), key=lambda e: e.name)
        except OSError:
            # A directory that cannot be listed becomes one reject instead of vanishing.
            rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
            found.append(InputFile(os.path.abspath(dirpath), 0, safe_text(rel) + "/", regular=False))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue  # hidden files and folders (.git, .DS_Store, editor swap files)
            rel = os.path.relpath(entry.path, root).replace(os.sep, "/")
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                visit(entry.path)
                continue
            if _is_doc_file(entry.name) or _excluded(entry.path, exclude):
                continue
            found.append(_file_entry(entry.path, rel))

    visit(root)
    return found


_MAGIC = re.compile(r"[*?[]")


def discover_inputs(input: str, exclude: Sequence[str] = ()) -> list[InputFile]:
    """List the input files under ``input`` (a file, a directory or a glob), sorted by relpath.

    Directories are walked recursively, following symbolic links but never into a folder
    already seen (so a link loop ends). Hidden names (".git", ".DS_Store") and
    documentation files (``DOC_FILE_STEMS``: README, LICENSE, ...) are skipped, and so are
    paths matching ``exclude`` (patterns as in sources.toml). Every other file is listed,
    whatever its extension: one that cannot be read becomes a reject, never a silent gap.

    >>> discover_inputs("/no/such/dir")
    Traceback (most recent call last):
    ...
    flows.readers.discovery.InputError: input not found: /no/such/dir; pass an existing file, directory or glob
    """
    if not input:
        raise InputError("no input given; pass a file, a directory or a glob")
    if os.path.lexists(input) and not os.path.isdir(input):
        return [_file_entry(input, os.path.basename(input))]
    if os.path.isdir(input):
        files = _walk(input, exclude)
        if not files:
            raise InputError(f"input directory holds no files: {input}; check the path")
        return sorted(files, key=lambda f: f.relpath)
    if _MAGIC.search(input):
        parts = re.split(r"[/\\]", input)
        base_parts = []
        for part in parts:
            if _MAGIC.search(part):
                break
            base_parts.append(part)
        base = "/".join(base_parts) or "."
        files_by_rel: dict[str, InputFile] = {}
        for match in sorted(glob.glob(input, recursive=True)):
            rel_root = os.path.relpath(match, base).replace(os.sep, "/")
            if os.path.isdir(match):
                for f in _walk(match, exclude):
                    rel = f"{rel_root}/{f.relpath}" if rel_root != "." else f.relpath
                    files_by_rel[rel] = InputFile(f.path, f.size, rel, f.regular)
            elif not (_is_doc_file(os.path.basename(match)) or _excluded(match, exclude)):
                files_by_rel[safe_text(rel_root)] = _file_entry(match, rel_root)
        if not files_by_rel:
            raise InputError(f"no files match the glob {input}; check the pattern and quoting")
        return sorted(files_by_rel.values(), key=lambda f: f.relpath)
    raise InputError(f"input not found: {input}; pass an existing file, directory or glob")
