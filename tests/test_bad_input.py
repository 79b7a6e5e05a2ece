"""Bad input through the real flow: each case becomes a reject with its reason and raw
bytes (or, for an odd name or a 10 MB article, an article), the run completes, and the
``runs`` row balances: records read = articles + rejects. Nothing is lost: every input
file has a row in ``articles_all`` or ``rejects``.

The reader-level behaviour of each case is tested in ``tests/test_readers_*.py``; these
tests check the end of the flow."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import warnings
import zipfile

import pytest

from flows.lake import Lake
from tests.conftest import SEED
from tests.conftest import lake_rows as rows

GOOD = json.dumps({"id": "g1", "title": "Council votes", "text": "The council voted on the budget today."})
BINARY = bytes(range(256)) * 64
BLANK = b"  \n\t \r\n\n"
NUL = b"Title of a story\n\nThe body of the story has a \x00 NUL byte inside it, which text never has.\n"
CSV = b'id,title,body\n1,"Stray quote,body one\n2,Two,"body, two"\n'
LONG_LINE = b'{"title": "Huge", "text": "' + b"x" * (50 * 1024**2) + b'"}\n'
ODD_NAME = os.fsdecode(b"odd name \xe9 'quote' $(x) \xe2\x80\x94 [1].txt")


def _truncated_gzip() -> bytes:
    # Cut past the first MiB of text: the readers choose the encoding on that sample.
    def words() -> bytes:
        text = os.urandom(4000).hex()
        return " ".join(text[i : i + 8] for i in range(0, len(text), 8)).encode()

    data = b"".join(b'{"id": "t%d", "title": "T%d", "text": "%s"}\n' % (i, i, words()) for i in range(300))
    full = gzip.compress(data)
    return full[: len(full) // 2]


def _big_article() -> bytes:
    words = "The council met on Tuesday to discuss the budget for the coming year and voted. " * 6
    count = 10 * 1024**2 // (len(words) + 8)
    return ("A very long article\n\n" + "\n\n".join(f"{i}: {words}" for i in range(count))).encode()


@pytest.fixture(scope="module")
def bad_lake(tmp_path_factory, prefect_api):
    """One run over an inbox holding every kind of bad input next to good ones."""
    import flows.manifest
    from flows.etl import etl
    from flows.readers import files as reader_files
    from flows.runners import make_task_runner

    root = tmp_path_factory.mktemp("bad")
    inbox = root / "inbox"
    inbox.mkdir()
    files = {
        "good.jsonl": GOOD.encode() + b"\n",
        "seed.txt": SEED.read_bytes(),
        "binary.txt": BINARY,
        "empty.txt": b"",
        "blank.txt": BLANK,
        "nul.txt": NUL,
        "truncated.jsonl.gz": _truncated_gzip(),
        # Text (not NULs, which are refused as binary first): 80 MB from 80 KB.
        "bomb.jsonl.gz": gzip.compress(b" " * (80 * 1024**2), compresslevel=1),
        "feed.jsonl": GOOD.replace("g1", "f1").encode() + b"\n{broken json\n",
        "table.csv": CSV,
        "longline.jsonl": LONG_LINE,
        "secret.jsonl": GOOD.encode() + b"\n",
        "vanishing.jsonl": GOOD.encode() + b"\n",
        ODD_NAME: SEED.read_bytes(),
        "big.txt": _big_article(),
    }
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    (inbox / "secret.jsonl").chmod(0)
    os.symlink("loop.txt", inbox / "loop.txt")
    secret = str(inbox / "secret.jsonl")
    real_open, real_select = open, flows.manifest.select_inputs

    def no_permission(path, *args, **kwargs):
        # root reads a chmod 000 file: make open() answer as it does for everyone else.
        if str(path) == secret:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    def then_vanish(*args, **kwargs):
        selected = real_select(*args, **kwargs)
        (inbox / "vanishing.jsonl").unlink()  # listed by discover, gone when the shard reads
        return selected

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(reader_files, "open", no_permission, raising=False)
        mp.setattr(flows.manifest, "select_inputs", then_vanish)
        summary = etl.with_options(task_runner=make_task_runner("thread", 2))(
            input=str(inbox), lake=str(root / "lake"), workers=2
        )
    (inbox / "secret.jsonl").chmod(0o644)
    return summary, Lake(root / "lake"), inbox


def rejects_of(lake, inbox, name):
    return rows(lake, f"select * from rejects where input_path = '{inbox / name}' order by input_locator")


CASES = {
    # file: (reason, what the raw bytes must be)
    "binary.txt": ("undecodable", BINARY),
    "empty.txt": ("empty", b""),
    "blank.txt": ("blank", BLANK),
    "nul.txt": ("nul-bytes", NUL),
    "truncated.jsonl.gz": ("truncated", None),
    "bomb.jsonl.gz": ("archive-too-large", None),
    "feed.jsonl": ("invalid-json", b"{broken json"),
    "table.csv": ("invalid-csv", b'1,"Stray quote,body one'),
    "longline.jsonl": ("record-too-large", LONG_LINE[: 1024**2]),
    "secret.jsonl": ("unreadable", b""),
    "loop.txt": ("symlink-loop", b""),
    "vanishing.jsonl": ("vanished", b""),
}


# The reject's detail, as a regular expression ({inbox}: the inbox folder).
DETAILS = {
    "binary.txt": r"1664 control bytes in the first 16384: binary, not text",
    "empty.txt": r"the file holds no bytes",
    "blank.txt": r"the file holds only white space",
    "nul.txt": r"1 NUL bytes in a text file",
    # Random text: where the cut falls, and so the count, changes from run to run.
    "truncated.jsonl.gz": r"gzip stream ends early: Compressed file ended before the end-of-stream marker "
    r"was reached \(raw: the compressed bytes\) \(after \d+ records\)",
    "bomb.jsonl.gz": r"expands more than 200x \(\d+ bytes to over \d+\); refused as a decompression bomb "
    r"\(after 0 records\)",
    "feed.jsonl": r"Expecting property name enclosed in double quotes at column 2",
    "table.csv": r"unbalanced quote: the quoted field does not close before the end of the file",
    "longline.jsonl": r"line of 52428830 bytes passes the 16777216-byte limit \(ReadLimits.max_record_bytes\)",
    "secret.jsonl": r"no bytes could be read: permission denied: {inbox}/secret\.jsonl",
    "loop.txt": r"no bytes could be read: symbolic link loop at {inbox}/loop\.txt",
    "vanishing.jsonl": r"no bytes could be read: the file was listed but is gone",
}


@pytest.mark.parametrize("name", CASES)
def test_bad_input_becomes_a_reject_with_reason_and_raw_bytes(bad_lake, name):
    _, lake, inbox = bad_lake
    reason, raw = CASES[name]
    found = rejects_of(lake, inbox, name)
    assert [r["reason"] for r in found] == [reason], found
    [reject] = found
    assert re.fullmatch(DETAILS[name].format(inbox=re.escape(str(inbox))), reject["detail"]), reject["detail"]
    if raw is not None:
        assert reject["raw"].rstrip(b"\r\n") == raw.rstrip(b"\r\n")


def test_records_before_a_truncation_are_kept(bad_lake):
    _, lake, inbox = bad_lake
    kept = rows(lake, f"select source_id from articles_all where input_path = '{inbox / 'truncated.jsonl.gz'}'")
    # Every record before the break, in order, and the reject says how many that was.
    assert 0 < len(kept) < 300
    assert {r["source_id"] for r in kept} == {f"t{i}" for i in range(len(kept))}
    [reject] = rejects_of(lake, inbox, "truncated.jsonl.gz")
    assert reject["detail"].endswith(f"(after {len(kept)} records)")
    assert reject["input_locator"] == f"line:{len(kept) + 1}"


def test_good_rows_around_bad_ones_are_articles(bad_lake):
    _, lake, inbox = bad_lake
    for name in ("feed.jsonl", "good.jsonl", "table.csv", "seed.txt"):
        assert rows(lake, f"select count(*) n from articles_all where input_path = '{inbox / name}'")[0]["n"] == 1


def test_odd_file_name_is_read_and_named_printably(bad_lake):
    _, lake, inbox = bad_lake
    [article] = rows(lake, "select * from articles_all where input_path like '%odd name%'")
    assert article["input_path"].endswith("odd name \\xe9 'quote' $(x) \u2014 [1].txt")
    assert article["title"] == "\u2018Difficult\u2019 Russia-Ukraine peace talks end without breakthrough"
    assert article["word_count"] == 498


def test_ten_megabyte_article_is_an_article(bad_lake):
    _, lake, inbox = bad_lake
    [article] = rows(lake, f"select * from articles_all where input_path = '{inbox / 'big.txt'}'")
    assert article["title"] == "A very long article"
    assert article["char_count"] == 10_474_544


def test_run_completes_balanced_and_loses_nothing(bad_lake):
    summary, lake, inbox = bad_lake
    assert summary.committed
    [run] = rows(lake, "select * from runs")
    assert run["records_read"] == run["articles"] + run["rejects"] == summary.records_read
    assert run["rejects"] == rows(lake, "select count(*) n from rejects")[0]["n"]
    assert run["articles"] == rows(lake, "select count(*) n from articles_all")[0]["n"]
    assert dict(run["rejects_by_reason"]) == {
        reason: sum(1 for r, _ in CASES.values() if r == reason) for reason, _ in CASES.values()
    }
    sql = "select input_path from articles_all union select input_path from rejects"
    named = {r["input_path"] for r in rows(lake, sql)}
    on_disk = {os.fsencode(str(inbox / n)).decode("utf-8", "backslashreplace") for n in os.listdir(inbox)}
    assert on_disk | {str(inbox / "vanishing.jsonl")} == named


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as z:
        warnings.simplefilter("ignore")  # "Duplicate name": on purpose
        for name, data in members:
            z.writestr(name, data)
    return buffer.getvalue()


def _story(n: int) -> bytes:
    return json.dumps({"id": f"h{n}", "title": f"Story {n}", "text": f"The council voted on item {n} today."}).encode()


HOSTILE = {
    # A lone surrogate in a key failed the whole shard at Parquet writing.
    "surrogate.jsonl": rb'{"id": "s1", "title": "Surrogate", "text": "The body.", "k\ud800": "v\udfff"}' + b"\n",
    "deep.jsonl": _story(1) + b"\n" + b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n" + _story(2) + b"\n",
    "dupkeys.jsonl": b'{"id": "d1", "title": "First", "title": "Second", "text": "Body."}\n',
    "dupes.zip": _zip([("a.jsonl", _story(3) + b"\n"), ("a.jsonl", _story(4) + b"\n"),
                       ("../../climb.jsonl", _story(5) + b"\n")]),
    "fake.jsonl.gz": _story(6) + b"\n" + _story(7) + b"\n",
    "mac.jsonl": _story(8) + b"\r" + _story(9) + b"\r",
    os.fsdecode(b"bad\xffname.txt"): b"Raw byte\n\nThe council met.",
    "bad\\xffname.txt": b"Literal text\n\nThe council met again.",
}


@pytest.fixture(scope="module")
def hostile_lake(tmp_path_factory, prefect_api):
    """One run over hostile files that used to fail a shard, lose records or collide."""
    from flows.etl import etl
    from flows.runners import make_task_runner

    root = tmp_path_factory.mktemp("hostile")
    inbox = root / "inbox"
    inbox.mkdir()
    for name, data in HOSTILE.items():
        (inbox / name).write_bytes(data)
    summary = etl.with_options(task_runner=make_task_runner("thread", 2))(
        input=str(inbox), lake=str(root / "lake"), workers=2
    )
    return summary, Lake(root / "lake"), inbox


def test_hostile_inputs_run_balanced_and_lose_nothing(hostile_lake):
    summary, lake, inbox = hostile_lake
    assert summary.committed
    [run] = rows(lake, "select * from runs")
    assert (run["records_read"], run["articles"], run["rejects"]) == (13, 11, 2)
    assert dict(run["rejects_by_reason"]) == {"invalid-json": 1, "corrupt": 1}
    ids = {r["source_id"] for r in rows(lake, "select source_id from articles_all")}
    assert {"s1", "d1", *(f"h{i}" for i in (1, 2, 3, 4, 5, 8, 9))} <= ids
    assert len(rows(lake, "select distinct article_id from articles_all")) == 11


def test_hostile_records_are_cleaned_and_kept(hostile_lake):
    _, lake, inbox = hostile_lake
    [surrogate] = rows(lake, "select * from articles_all where source_id = 's1'")
    assert json.loads(surrogate["extra"]) == {"k\ufffd": "v\ufffd"} and "lone-surrogate" in surrogate["fixes"]
    [dup] = rows(lake, "select * from articles_all where source_id = 'd1'")
    assert dup["title"] == "Second" and json.loads(dup["extra"]) == {"copydesk:duplicate_keys": {"title": ["First"]}}
    [fake] = rows(lake, "select * from rejects where reason = 'corrupt'")
    assert fake["raw"] == HOSTILE["fake.jsonl.gz"]
    [deep] = rows(lake, "select * from rejects where reason = 'invalid-json'")
    assert deep["detail"] == "nested more than 100 levels deep (the JSON nesting limit)"
    assert deep["input_locator"] == "line:2"
    names = {r["input_path"].rsplit("/", 1)[1] for r in rows(lake, "select input_path from articles_all")}
    assert {"bad\\xffname.txt", "bad\\\\xffname.txt"} <= names
    sql = f"select input_locator from articles_all where input_path = '{inbox / 'dupes.zip'}'"
    zipped = {r["input_locator"] for r in rows(lake, sql)}
    assert zipped == {"member:../../climb.jsonl:line:1", "member:a.jsonl:line:1", "member:a.jsonl:index:2:line:1"}
