"""One input file (flows/readers/files.py): opening, routing, and files that are not readable."""

from __future__ import annotations

import gzip
import io
import os

import pytest

from flows.readers import (
    REJECT_REASONS,
    discover_inputs,
    files,
    iter_records,
)
from tests.reader_cases import CSV, JSONL, build_zip, compress, errors, read
from transforms.fields import SourceConfig


def test_mixed_directory(tmp_path):
    (tmp_path / "txt").mkdir()
    (tmp_path / "txt" / "1.txt").write_bytes(b"T1\n\nB1")
    (tmp_path / "txt" / "2.txt.gz").write_bytes(gzip.compress(b"T2\n\nB2"))
    (tmp_path / "feed.jsonl.zst").write_bytes(compress(JSONL, "zst"))
    (tmp_path / "dump.csv.bz2").write_bytes(compress(CSV, "bz2"))
    build_zip(tmp_path / "arch.zip", {"x.json": b'[{"title": "Z"}]'})
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    files = discover_inputs(str(tmp_path))
    counts = {f.relpath: errors(iter_records(f, SourceConfig())) for f in files}
    assert counts == {
        "arch.zip": [None],
        "dump.csv.bz2": [None, None],
        "feed.jsonl.zst": [None, None],
        "image.png": ["unsupported-format"],
        "txt/1.txt": [None],
        "txt/2.txt.gz": [None],
    }


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("a.txt", b"", "empty"),
        ("a.jsonl", b"", "empty"),
        ("a.txt", b"  \n\t\r\n  ", "blank"),
        ("a.csv", b"\n\n   \n", "blank"),
        ("a.jsonl", b"\n\n", "blank"),
        ("a.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "undecodable"),
        ("a.jsonl", bytes(range(256)) * 50, "undecodable"),
        ("a.txt", b"Title\n\nBody with a \x00 NUL byte.", "nul-bytes"),
        ("a.docx", b"PK<html>Title</html>", "unsupported-format"),
        ("noext", b"Title\n\nBody", "unsupported-format"),
        ("a.csv", b"id,title\n", "empty"),
        ("a.json", b"[]", "empty"),
    ],
)
def test_bad_whole_files(tmp_path, name, content, reason):
    p = tmp_path / name
    p.write_bytes(content)
    (record,) = read(p)
    assert record.error[0] == reason, record.error
    assert reason in REJECT_REASONS
    # A reject keeps the file's bytes; a CSV of only a header has no data row to keep.
    assert record.raw == (b"" if (name, reason) == ("a.csv", "empty") else content)


def test_unreadable_file(tmp_path, monkeypatch):
    p = tmp_path / "secret.jsonl"
    p.write_bytes(JSONL)
    real_open = open

    def fake_open(path, *args, **kwargs):
        if str(path) == str(p):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    # readers calls open() by its module-global name: this exercises the real except path
    # even as root, who can read a chmod 000 file.
    monkeypatch.setattr(files, "open", fake_open, raising=False)
    (record,) = read(p)
    assert record.error[0] == "unreadable" and record.raw == b""
    assert record.error[1].startswith("no bytes could be read: permission denied")


def test_file_that_vanishes_after_discovery(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(JSONL)
    (file,) = discover_inputs(str(tmp_path))
    p.unlink()
    (record,) = iter_records(file, SourceConfig())
    assert record.error[0] == "vanished" and record.raw == b""
    assert record.error[1] == "no bytes could be read: the file was listed but is gone"


def test_file_error_mid_read_is_a_reject(tmp_path, monkeypatch):
    p = tmp_path / "a.jsonl"
    p.write_bytes(JSONL * 10)

    class Failing(io.BytesIO):
        def read(self, n=-1):
            raise OSError(5, "Input/output error")

        read1 = read  # a disk error fails every way of reading

    monkeypatch.setattr(files, "open", lambda *a, **k: Failing(), raising=False)
    (record,) = read(p)
    assert record.error[0] == "unreadable" and record.raw == b""
    assert record.error[1].startswith("no bytes could be read: ")
    assert "Input/output error" in record.error[1]


def test_fifo_is_a_reject_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (file,) = discover_inputs(str(tmp_path))
    assert file.regular is False
    (record,) = iter_records(file, SourceConfig())
    assert record.error == ("not-a-regular-file", "no bytes could be read: a named pipe (FIFO) is not read")
    assert record.raw == b"" and "not-a-regular-file" in REJECT_REASONS


@pytest.mark.parametrize(("target", "kind"), [("/dev/zero", "character device"), ("/dev/urandom", "character device")])
def test_link_to_a_device_is_a_reject_never_read(tmp_path, target, kind):
    os.symlink(target, tmp_path / "endless.jsonl")
    (tmp_path / "ok.txt").write_bytes(b"T\n\nB")
    dev, ok = discover_inputs(str(tmp_path))
    assert (dev.regular, dev.size, ok.regular) == (False, 0, True)
    (record,) = iter_records(dev, SourceConfig())
    assert record.error == ("not-a-regular-file", f"no bytes could be read: a {kind} is not read")


def test_socket_is_a_reject(tmp_path):
    import socket

    path = tmp_path / "s.txt"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        (file,) = discover_inputs(str(path))
        assert file.regular is False
        (record,) = iter_records(file, SourceConfig())
    assert record.error == ("not-a-regular-file", "no bytes could be read: a socket is not read")


def test_dangling_symlink(tmp_path):
    os.symlink(tmp_path / "gone.txt", tmp_path / "link.txt")
    (file,) = discover_inputs(str(tmp_path))
    (record,) = iter_records(file, SourceConfig())
    assert record.error[0] == "unreadable" and record.raw == b""
    assert record.error[1].startswith("no bytes could be read: dangling symbolic link")
