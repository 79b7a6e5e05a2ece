"""Lost-ampersand entities: ``fix_lost_entities``, an opt-in text repair for some sources.

AG News lost the "&" of its HTML entities ("Oracle #39;s", "the  #36;10 million");
``fix_lost_entities`` restores them. It is applied, before ``transforms.repair``, only to
sources whose config sets ``fix_lost_entities`` (in other text a "#39;" could be
literal), and an article it changes records ``LOST_ENTITIES_STEP`` in its ``fixes``.
"""

from __future__ import annotations

import html
import re

__all__ = ["LOST_ENTITIES_STEP", "fix_lost_entities"]

# The name recorded in an article's `fixes` when fix_lost_entities changed its text.
LOST_ENTITIES_STEP = "lost-entities"

# Only the entities seen without their "&" in AG News, all punctuation or currency: a
# literal "#39;" or "quot;" is implausible in news prose, whereas "#1;" could be anything.
_LOST_NUMERIC = (
    "39",
    "36",
    "38",
    "038",
    "34",
    "133",
    "145",
    "146",
    "147",
    "148",
    "150",
    "151",
    "160",
    "8211",
    "8212",
    "8216",
    "8217",
    "8220",
    "8221",
)
_LOST_NAMED = ("quot", "amp", "lt", "gt")
# AG News replaced the "&" with a space ("Oracle #39;s", "the  #36;10 million"): consume
# that one space after a word character, otherwise accept the entity after anything but
# "&" (a real entity, left to repair) or a word character ("camp;" is not "c&amp;").
_LOST_ENTITY_RE = re.compile(
    r"(?:(?<=\w) |(?<![&\w#]) ?)"
    r"(?:#(" + "|".join(sorted(_LOST_NUMERIC, key=len, reverse=True)) + r")|(" + "|".join(_LOST_NAMED) + r"));"
)


def _lost_entity(match: re.Match[str]) -> str:
    number, name = match.groups()
    # html.unescape maps &#151; to "—" the way HTML5 does (cp1252 meaning of 0x80-0x9F).
    return html.unescape(f"&#{number};" if number else f"&{name};")


def fix_lost_entities(text: str) -> str:
    """Restore entities that lost their "&" ("Oracle #39;s" -> "Oracle's"). Opt-in.

    Apply only to sources known to have lost ampersands (AG News): in other text a
    "#39;" could be literal. Only the punctuation and currency entities listed in
    ``_LOST_NUMERIC``/``_LOST_NAMED`` are restored, and the space that stood in for the
    "&" is dropped.

    >>> fix_lost_entities("Oracle #39;s chief, the  #36;10 million prize #151; and more")
    "Oracle's chief, the $10 million prize— and more"
    """
    return _LOST_ENTITY_RE.sub(_lost_entity, text)
