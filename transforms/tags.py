"""HTML tags inside ordinary text fields: the tags go, their text always stays.

Structured exports (JSONL, CSV) often carry markup in a title or a body: AG News titles
hold ``&lt;b&gt;...&lt;/b&gt;``, which the repair step unescapes to ``<b>...</b>``; CMS
exports hold ``<p>``, ``<br>`` and links. ``strip_tags`` takes out every tag of the HTML
vocabulary and comments, keeps all text between them, and turns the tags that break a
line into breaks: ``<br>`` a line break, a block's start or end (``<p>``, ``<div>``,
``<li>``, headings, table rows, ...) a paragraph break. Only names HTML defines count as
tags, so prose such as "x <y and z> w" or "<Reuters>" is left as it is. A whole HTML page
in a field is another matter (``transforms.html`` extracts articles from pages).
"""

from __future__ import annotations

import re

# The fix an article records when a text field lost tags.
STRIP_TAGS_FIX = "strip-tags"

# Elements that start or end a block: a paragraph break in text.
_BLOCK = frozenset(
    """p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 blockquote pre table thead tbody tfoot tr
    section article aside header footer nav figure figcaption main address hr""".split()
)
# Every other element of HTML (and a few of the old ones still seen in exports).
_INLINE = frozenset(
    """a abbr acronym b bdi bdo big cite code data del dfn em font i img ins kbd mark q s samp
    small span strike strong sub sup time tt u var wbr label caption td th col colgroup
    center picture source video audio iframe embed object param map area input button form
    select option textarea noscript script style link meta base body html head title""".split()
)
_TAG = re.compile(
    r"<!--.*?-->|</?(?P<name>[A-Za-z][A-Za-z0-9]*)(?:\s[^<>]*)?/?>", re.DOTALL
)


def _replace(match: re.Match[str]) -> str:
    name = (match.group("name") or "").lower()
    if not name:
        return ""  # a comment
    if name == "br":
        return "\n"
    if name in _BLOCK:
        return "\n\n"
    if name in _INLINE:
        return ""
    return match.group(0)  # not HTML: text that looks like a tag


def strip_tags(text: str) -> str:
    """``text`` without its HTML tags and comments, their text kept, breaks for ``<br>``
    and block tags.

    >>> strip_tags("Oil hits <b>$50</b> a barrel<br/>More <a href='x'>here</a>")
    'Oil hits $50 a barrel\\nMore here'
    >>> strip_tags("<p>One.</p><p>Two.</p>"), strip_tags("x <y and z> w <Reuters>")
    ('\\n\\nOne.\\n\\n\\n\\nTwo.\\n\\n', 'x <y and z> w <Reuters>')
    """
    if "<" not in text:
        return text
    return _TAG.sub(_replace, text)
