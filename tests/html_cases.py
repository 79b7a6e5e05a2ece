"""Web pages for the HTML and WARC tests: written here, shaped like real news pages.

``news_page()`` has what an extractor must leave out around its article: navigation, a
cookie banner, related links, an ad, a comment section and a footer.
"""

from __future__ import annotations

ARTICLE = [
    "The town council voted on Tuesday to keep the central library open on Sundays, after a "
    "petition signed by more than four thousand residents asked for longer opening hours.",
    "The change starts in March and will cost about eighty thousand pounds a year, paid from "
    "the reserve fund that the council set aside for community services last spring.",
    "Librarians welcomed the decision but said they would need two more members of staff to "
    "run the reading rooms, the children's corner and the computer desks on the extra day.",
]
COMMENT = "Great news, about time the council listened to us readers here!"
RELATED = "Related: Ferry timetable to change from spring"
COOKIE = "We use cookies to improve your experience. Accept all cookies"
NAV = "Home News Sport Weather Contact"


def news_page(
    title: str = "Library to open on Sundays",
    paragraphs: list[str] | None = None,
    head: str = "",
    lang: str = "en",
    charset_meta: str = '<meta charset="utf-8">',
) -> str:
    """A news page whose article holds ``paragraphs`` (``ARTICLE`` by default)."""
    body = "".join(f"<p>{p}</p>" for p in (ARTICLE if paragraphs is None else paragraphs))
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head>{charset_meta}<title>{title} - Riverside Post</title>{head}'
        "</head><body>"
        f'<div class="cookie-banner" id="cookie-consent"><p>{COOKIE}</p><button>OK</button></div>'
        f'<nav class="menu"><ul>{"".join(f"<li><a href=/{w}>{w}</a></li>" for w in NAV.split())}</ul></nav>'
        f'<main><article><h1>{title}</h1><div class="article-body">{body}</div></article>'
        '<aside class="related"><h3>Related</h3><ul>'
        f'<li><a href="/ferry">{RELATED}</a></li><li><a href="/buses">Night buses return</a></li></ul></aside>'
        '<div class="advert">Advertisement: Buy the new Riverside phone today</div>'
        f'<section id="comments" class="comments"><h3>Comments</h3><div class="comment"><p>{COMMENT}</p></div>'
        "</section></main>"
        "<footer><p>Copyright Riverside Post 2024. All rights reserved.</p></footer></body></html>"
    )


SCRIPT_ONLY = (
    "<!DOCTYPE html><html><head><title>Loading</title><script src=/app.js></script></head>"
    "<body><div id=root></div><script>window.__STATE__ = {\"page\": 1}; render(document.getElementById('root'));"
    "</script></body></html>"
)

LOGIN_WALL = (
    "<html><head><title>Sign in</title></head><body><form action=/login><p>Please sign in to continue.</p>"
    "<input name=user><input type=password name=pw><button>Sign in</button></form></body></html>"
)
