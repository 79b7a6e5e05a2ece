"""Reject reasons and the per-file reading state (flows/readers/rejects.py)."""

from __future__ import annotations

import re

from flows.readers import DEFAULT_LIMITS, REJECT_REASONS, InputFile, ReadLimits
from flows.readers.rejects import Reading
from flows.readers.streams import Budget
from tests.conftest import ROOT
from transforms.fields import SourceConfig


def test_reject_reasons_are_the_documented_table():
    doc = (ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Reject reasons"):]
    documented = re.findall(r"^\| `([a-z-]+)` \|", section, flags=re.MULTILINE)
    assert documented == list(REJECT_REASONS)
    assert all(description for description in REJECT_REASONS.values())


def _reading(limits: ReadLimits = DEFAULT_LIMITS) -> Reading:
    return Reading(InputFile("/in/a.jsonl", 10, "a.jsonl"), SourceConfig(), limits, Budget(10, limits))


def test_a_reject_without_bytes_says_none_could_be_read():
    reject = _reading().reject(None, "vanished", "the file was listed but is gone")
    assert reject.error == ("vanished", "no bytes could be read: the file was listed but is gone")
    assert reject.raw == b"" and reject.input_path == "/in/a.jsonl"
    # An empty file is empty, not unreadable: its detail stays as given.
    assert _reading().reject(None, "empty", "the file holds no bytes").error[1] == "the file holds no bytes"


def test_a_reject_keeps_its_raw_bytes_up_to_the_cap():
    reject = _reading(ReadLimits(max_reject_raw_bytes=4)).reject("line:2", "invalid-json", "bad", b"abcdefgh")
    assert reject.raw == b"abcd"
    assert reject.error == ("invalid-json", "bad (raw bytes cut to the first 4)")
