"""The command line (flows.cli) without a server: ``query`` never prints a control
character raw and never writes into the lake."""

from __future__ import annotations

from flows import cli


def test_escape_controls_keeps_tab_and_newline_and_escapes_the_rest():
    text = "a\tb\nc\x1b]0;owned\x07d\x9be\x00\rf \u00e9\u2014"
    assert cli.escape_controls(text) == "a\tb\nc\\x1b]0;owned\\x07d\\x9be\\x00\\x0df \u00e9\u2014"
    assert cli.escape_controls("plain text") == "plain text"


def test_query_prints_an_osc_sequence_escaped(tmp_path, capsys):
    (tmp_path / "lake").mkdir()
    sql = "select chr(27) || ']0;owned' || chr(7) || 'title' as title, 'ok' as \"x\u009by\""
    assert cli.main(["query", "--lake", str(tmp_path / "lake"), sql]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert out.splitlines() == ["title,x\\x9by", "\\x1b]0;owned\\x07title,ok"]
