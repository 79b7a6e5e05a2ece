r"""Control characters made visible: ``\xNN`` instead of the character.

Terminal escapes (an OSC sequence that sets a terminal's title, a cursor move) must never
reach a terminal from the lake, and a one-line field (a source, an id, a URL, a date as
given, a path) has no use for control characters at all. Body and title text are cleaned
by the repair step instead (ftfy removes control characters and terminal escapes and
names the fix); this module is for the fields that repair does not touch, and for what
``copydesk query`` prints.
"""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls; tab and newline are kept where text may hold them.
_ALL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_TAB_NEWLINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escape_controls(text: str, keep_tab_newline: bool = True) -> str:
    r"""``text`` with each control character as ``\xNN`` (tab and newline kept unless
    ``keep_tab_newline`` is false).

    >>> print(escape_controls("line\x1b]0;owned\x07 one"))
    line\x1b]0;owned\x07 one
    >>> escape_controls("a\tb\nc", keep_tab_newline=False)
    'a\\x09b\\x0ac'
    """
    if text.isprintable():  # no control character (they are not printable): the common case
        return text
    pattern = _CONTROLS_BUT_TAB_NEWLINE if keep_tab_newline else _ALL_CONTROLS
    if not pattern.search(text):
        return text
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def escape_field(value: str | None) -> str | None:
    r"""A one-line field as it is stored: every control character escaped; None stays None.

    >>> escape_field("Reuters\x1b[2J"), escape_field(None)
    ('Reuters\\x1b[2J', None)
    """
    return None if value is None else escape_controls(value, keep_tab_newline=False)
