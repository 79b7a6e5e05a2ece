"""Archives (flows/readers/archives.py): zip and tar members, truncation, bombs."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import warnings
import zipfile

import pytest

from tests.reader_cases import CSV, JSONL, SMALL, build_tar, build_zip, compress, errors, read

MEMBERS = {
    "inner/a.jsonl": JSONL,
    "inner/b.csv.gz": gzip.compress(CSV),
    "c.txt": b"Title\n\nBody.",
    "__MACOSX/._c.txt": b"junk",
    "notes.pdf": b"%PDF-1.4",
}


def expected_member_records():
    return [
        ("member:c.txt", None),
        ("member:inner/a.jsonl:line:1", None),
        ("member:inner/a.jsonl:line:2", None),
        ("member:inner/b.csv.gz:row:1:line:2", None),
        ("member:inner/b.csv.gz:row:2:line:4", None),
        ("member:notes.pdf", "unsupported-format"),
    ]


def test_zip_archive(tmp_path):
    p = tmp_path / "a.zip"
    build_zip(p, MEMBERS)
    records = read(p)
    assert [(r.input_locator, r.error and r.error[0]) for r in records] == expected_member_records()
    assert records[1].fields["title"] == "One" and records[1].input_path == str(p)


@pytest.mark.parametrize(("suffix", "mode"), [(".tar", "w"), (".tar.gz", "w:gz"), (".tgz", "w:gz"),
                                              (".tar.bz2", "w:bz2"), (".tar.xz", "w:xz")])
def test_tar_archives(tmp_path, suffix, mode):
    p = tmp_path / f"a{suffix}"
    build_tar(p, dict(sorted(MEMBERS.items(), key=lambda kv: kv[0].replace("inner", "b"))), mode)
    got = sorted((r.input_locator, r.error and r.error[0]) for r in read(p))
    assert got == sorted(expected_member_records())


def test_tar_zst_archive(tmp_path):
    raw = tmp_path / "a.tar"
    build_tar(raw, {"x.jsonl": JSONL})
    p = tmp_path / "a.tar.zst"
    p.write_bytes(compress(raw.read_bytes(), "zst"))
    assert [r.input_locator for r in read(p)] == ["member:x.jsonl:line:1", "member:x.jsonl:line:2"]


def test_truncated_archives_keep_their_compressed_bytes(tmp_path):
    t = tmp_path / "a.tar.gz"
    build_tar(t, {"a.txt": os.urandom(50000)}, "w:gz")
    cut = t.read_bytes()[:20000]
    t.write_bytes(cut)
    whole = read(t)[-1]
    assert whole.error[0] == "truncated" and whole.input_locator is None and whole.raw == cut
    # A compressed member cut short inside a sound archive keeps the member's bytes.
    member = gzip.compress(JSONL * 500)
    member = member[: len(member) // 2]
    for path, build in ((tmp_path / "b.tar", build_tar), (tmp_path / "b.zip", build_zip)):
        build(path, {"m.jsonl.gz": member})
        last = read(path)[-1]
        assert last.error[0] == "truncated" and last.input_locator.startswith("member:m.jsonl.gz:")
        assert last.raw == member


def test_truncated_zip_and_tar(tmp_path):
    z = tmp_path / "a.zip"
    build_zip(z, {"a.jsonl": JSONL})
    z.write_bytes(z.read_bytes()[:-30])
    assert errors(read(z)) == ["truncated"]
    t = tmp_path / "a.tar.gz"
    build_tar(t, {"a.txt": os.urandom(50000)}, "w:gz")
    t.write_bytes(t.read_bytes()[:20000])
    assert errors(read(t))[-1] == "truncated"


def test_zip_bomb_refused_before_reading(tmp_path):
    p = tmp_path / "bomb.zip"
    build_zip(p, {"a.jsonl": b" " * 200_000})
    (record,) = read(p, limits=SMALL)
    assert record.error[0] == "archive-too-large"
    assert "refused" in record.error[1]


def test_archive_limit_stops_the_whole_archive(tmp_path):
    members = {f"m{i}.jsonl": b'{"title": "x"}\n' * 2000 for i in range(5)}
    p = tmp_path / "a.tar.gz"
    build_tar(p, members, "w:gz")
    records = read(p, limits=SMALL)
    # The first member's first chunk passes the ratio guard: one reject, no member after it.
    assert [(r.input_locator, r.error[0]) for r in records] == [("member:m0.jsonl", "archive-too-large")]


UNSAFE = {"../../x.jsonl": JSONL, "/abs/y.txt": b"Abs\n\nBody.", "./z.txt": b"Dot\n\nBody.", "ok/../w.txt": b"W\n\nB."}


@pytest.mark.parametrize("build", [build_zip, build_tar])
def test_unsafe_member_names_are_read_as_data_never_extracted(tmp_path, build):
    folder = tmp_path / "in" / "deep"
    folder.mkdir(parents=True)
    p = folder / ("a.zip" if build is build_zip else "a.tar")
    build(p, UNSAFE)
    before = sorted(tmp_path.rglob("*"))
    records = read(p)
    got = sorted((r.input_locator, r.error) for r in records)
    assert got == [
        ("member:../../x.jsonl:line:1", None), ("member:../../x.jsonl:line:2", None),
        ("member:./z.txt", None), ("member:/abs/y.txt", None), ("member:ok/../w.txt", None),
    ]
    # Members are read in memory: nothing is written anywhere, however the name climbs.
    assert sorted(tmp_path.rglob("*")) == before
    assert not os.path.exists("/abs/y.txt")


def test_duplicate_zip_member_names_get_distinct_locators(tmp_path):
    p = tmp_path / "a.zip"
    with warnings.catch_warnings(), zipfile.ZipFile(p, "w") as z:
        warnings.simplefilter("ignore")  # "Duplicate name": the point of the test
        z.writestr("a.jsonl", b'{"title": "first"}\n')
        z.writestr("b.txt", b"B\n\nBody.")
        z.writestr("a.jsonl", b'{"title": "second"}\n')
        z.writestr("b.txt", b"B2\n\nBody two.")
    records = read(p)
    assert [(r.input_locator, r.raw) for r in records] == [
        ("member:a.jsonl:line:1", b'{"title": "first"}'),
        ("member:a.jsonl:index:3:line:1", b'{"title": "second"}'),
        ("member:b.txt", b"B\n\nBody."),
        ("member:b.txt:index:4", b"B2\n\nBody two."),
    ]


def test_duplicate_tar_member_names_get_distinct_locators(tmp_path):
    p = tmp_path / "a.tar"
    with tarfile.open(p, "w") as t:
        for data in (b'{"title": "first"}\n', b'{"title": "second"}\n'):
            info = tarfile.TarInfo("a.jsonl")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    assert [r.input_locator for r in read(p)] == ["member:a.jsonl:line:1", "member:a.jsonl:index:2:line:1"]
