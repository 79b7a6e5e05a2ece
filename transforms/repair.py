"""Text repair: the documented ftfy configuration, and ``repair`` under it.

``repair(text)`` is always ``ftfy.fix_text(text, config=CONFIG)``; it runs through the
fast path in ``transforms.repair_fast``, which skips the lines ftfy provably leaves
unchanged. ``repair_and_explain`` also names the steps ftfy applied, which the article
records in its ``fixes``; the names come from ftfy's explanations (``step_name``):

- a fixer's name: ``unescape_html``, ``fix_c1_controls``, ``fix_latin_ligatures``,
  ``fix_line_breaks``, ``fix_surrogates``, ``remove_terminal_escapes``,
  ``remove_control_chars``, ``decode_inconsistent_utf8``, ``restore_byte_a0``,
  ``replace_lossy_sequences``;
- ``normalize:NFC``;
- the two halves of a mojibake repair, ``encode:<codec>`` then ``decode:<codec>`` (UTF-8
  read as cp1252 is repaired by ``encode:sloppy-windows-1252`` + ``decode:utf-8``; C1
  controls for cp1252 punctuation by ``encode:latin-1`` + ``decode:windows-1252``).

To change what repair does, change ``CONFIG`` (and say why next to the option): the fast
path derives what it may skip from the config and from ftfy's own tables, and the
equivalence tests in tests/test_repair_fast.py hold for any config.
"""

from __future__ import annotations

import ftfy

from transforms import repair_fast

__all__ = ["CONFIG", "config_description", "repair", "repair_and_explain", "repair_with", "step_name"]

CONFIG = ftfy.TextFixerConfig(
    # Decode entities such as "caf&#233;" (BBC has ~25 files with them); "auto" stops as
    # soon as a line contains "<", because then the text is real HTML and "&lt;" is
    # meant literally.
    unescape_html="auto",
    # ANSI colour codes are never article text.
    remove_terminal_escapes=True,
    # The point of the exercise: UTF-8 read as cp1252/Latin-1 ("Ã©" for "é"), once or twice.
    fix_encoding=True,
    # The four sub-options stay at ftfy's defaults on purpose: with explain=False ftfy's
    # fix_text ignores them and uses the defaults anyway, so any other value would make
    # repair() and repair_and_explain() disagree.
    restore_byte_a0=True,  # "Ã la" (NBSP turned into a space) is common in mojibake
    replace_lossy_sequences=True,  # "â€�" (a lost byte) becomes one "�", not three chars
    decode_inconsistent_utf8=True,  # mojibake embedded in otherwise good text
    fix_c1_controls=True,  # U+0092 etc. stand for cp1252 punctuation (U+0092 -> ’)
    # "ﬁ" from PDF copy-paste is a glitch, not style; ftfy leaves æ/œ alone.
    fix_latin_ligatures=True,
    # False: ftfy's width fix rewrites full-width CJK punctuation (，。！) to ASCII, which
    # is wrong for Chinese and Japanese (NeMo Curator issue #476).
    fix_character_width=False,
    # False: curly quotes are how the article was written; repairing is not restyling.
    uncurl_quotes=False,
    # CRLF, CR, U+2028/U+2029 and NEL become "\n" so paragraph splitting sees one kind.
    fix_line_breaks=True,
    # Lone or paired UTF-16 surrogates (from UCS-2 decoders) cannot even be written to Parquet.
    fix_surrogates=True,
    # NUL, BEL, U+FEFF and friends have no place in article text.
    remove_control_chars=True,
    # NFC: composed "é" and "e"+U+0301 must compare and hash equal downstream. Not NFKC,
    # which changes meaning ("10³" -> "103").
    normalization="NFC",
    # ftfy's default bound on one segment; lines longer than this are cut (see repair_with).
    max_decode_length=1_000_000,
    # Explanations cost time; repair_and_explain switches them on for itself.
    explain=False,
)


def config_description() -> dict[str, object]:
    """The repair configuration in force, as a plain dict (recorded in ``runs``).

    >>> config_description()["uncurl_quotes"]
    False
    """
    return dict(CONFIG._asdict())


def repair_with(text: str, config: ftfy.TextFixerConfig) -> str:
    """``ftfy.fix_text(text, config=config)``, skipping lines it provably leaves unchanged.

    >>> repair_with("caf&#233; \\u00e2\\u20ac\\u201d ok", CONFIG)
    'café — ok'
    """
    return repair_fast.fix_text(text, config, None)


def repair(text: str) -> str:
    """Repair text under ``CONFIG``; always equal to ``ftfy.fix_text(text, config=CONFIG)``.

    >>> repair("The BBC\\u00e2\\u20ac\\u2122s report costs \\u00c2\\u00a35")
    'The BBC’s report costs £5'
    """
    return repair_fast.fix_text(text, CONFIG, None)


# ``CONFIG`` with explanations on, made once: ``repair_and_explain`` runs per text.
_EXPLAINING = CONFIG._replace(explain=True)


def step_name(step: ftfy.ExplanationStep) -> str:
    """The name a step of ftfy's explanation is recorded under in ``fixes``.

    >>> step_name(ftfy.ExplanationStep("decode", "utf-8")), step_name(ftfy.ExplanationStep("apply", "fix_line_breaks"))
    ('decode:utf-8', 'fix_line_breaks')
    """
    action, parameter = step
    if action in ("encode", "decode", "normalize"):
        return f"{action}:{parameter}"
    return parameter  # "apply"/"transcode": the fixer's name


def repair_and_explain(text: str) -> tuple[str, list[str]]:
    """``repair(text)`` plus the names of the steps it applied, in first-use order.

    >>> repair_and_explain("caf&#233;\\r\\n")
    ('café\\n', ['unescape_html', 'fix_line_breaks'])
    """
    explanation: list[ftfy.ExplanationStep] = []
    fixed = repair_fast.fix_text(text, _EXPLAINING, explanation)
    return fixed, list(dict.fromkeys(step_name(step) for step in explanation))
