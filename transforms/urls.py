"""Canonical URLs and registered domains, offline.

Two URLs that differ only in case of the host, a default port, a fragment, the order of
the query or a tracking parameter name the same article; ``canonicalize_url`` maps them
to one string so that identity and duplicate checks agree. ``registered_domain`` names
the site a URL belongs to, from the public-suffix snapshot bundled with ``tldextract``
(nothing is fetched at run time).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import SplitResult, urlsplit, urlunsplit

import tldextract

# Query parameters that say how a reader arrived, not what they read. Matched on the
# lower-cased name. Kept to names that no site uses for content.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "li_fat_id", "igshid", "mc_cid", "mc_eid", "mkt_tok",
        "_ga", "_gl", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp", "hsctatracking",
        "oly_anon_id", "oly_enc_id", "vero_id", "wickedid", "rb_clickid", "s_cid",
        "ncid", "ocid", "cmpid", "smid", "smtyp", "cmp", "ito", "wt.mc_id", "wt.mc_ev",
        "ns_mchannel", "ns_source", "ns_campaign", "ns_linkname", "ns_fee",
        "__twitter_impression", "share", "spref", "ref_src", "ref_url",
    }
)
# Families of tracking parameters: Google Analytics campaign tags (utm_*), BBC/AT
# Internet campaign tags (at_*), Piwik/Matomo (pk_*, mtm_*).
TRACKING_PREFIXES: tuple[str, ...] = ("utm_", "at_", "pk_", "mtm_")

DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443, "ftp": 21}

# RFC 3986 unreserved characters: percent-encoding them changes nothing, so decode them.
_UNRESERVED = re.compile(r"%([0-9A-Fa-f]{2})")
_EDGE_JUNK = re.compile(r"^[\s\x00-\x20]+|[\s\x00-\x20]+$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_BARE_HOST = re.compile(r"^(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?(?:[/?#]|$)")


def _normalize_escapes(part: str) -> str:
    """Upper-case percent escapes and decode the ones of unreserved characters."""

    def fix(m: re.Match[str]) -> str:
        ch = chr(int(m.group(1), 16))
        if ch.isascii() and (ch.isalnum() or ch in "-._~"):
            return ch
        return "%" + m.group(1).upper()

    return _UNRESERVED.sub(fix, part)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: resolve ``.`` and ``..`` in a path."""
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        if seg == ".":
            if i == len(segments) - 1:
                out.append("")
            continue
        if seg == "..":
            if len(out) > 1:
                out.pop()
            if i == len(segments) - 1:
                out.append("")
            continue
        out.append(seg)
    return "/".join(out) or "/"


def _is_tracking(name: str) -> bool:
    key = name.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _clean_query(query: str) -> str:
    """Drop tracking parameters and sort the rest; each pair keeps its own encoding."""
    pairs = []
    for pair in re.split(r"[&;]", query):
        if not pair:
            continue
        name = pair.split("=", 1)[0]
        if _is_tracking(name.replace("+", " ")):
            continue
        pairs.append(_normalize_escapes(pair).replace(" ", "%20"))
    # Sort by name first so that "a=2&b=1" and "b=1&a=2" agree; a stable sort on the
    # whole pair also orders repeated names the same way every time.
    pairs.sort(key=lambda p: (p.split("=", 1)[0], p))
    return "&".join(pairs)


def canonicalize_url(url: str | None) -> str | None:
    """Return the canonical form of ``url``, or None when there is no URL.

    Lower-cases the scheme and host, drops the fragment, a default port, a trailing dot
    on the host and tracking parameters, sorts the query, and resolves dot segments.
    The path keeps its case (paths are case-sensitive on most servers).

    >>> canonicalize_url("HTTPS://WWW.Example.com:443/a/../News?b=2&utm_source=x&a=1#top")
    'https://www.example.com/News?a=1&b=2'
    """
    if url is None:
        return None
    # White space and C0 controls at either end are not part of a URL (WHATWG strips them).
    url = _EDGE_JUNK.sub("", url)
    if not url:
        return None
    if url.startswith("//"):
        url = "http:" + url
    elif not _SCHEME.match(url) and _BARE_HOST.match(url):
        # "www.bbc.co.uk/news/x": a host without a scheme is still a web address.
        url = "http://" + url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url  # not a URL we can take apart; keep it as given rather than guess
    scheme = parts.scheme.lower()
    if not parts.netloc:
        # No host ("mailto:", a bare path): lower-case the scheme, drop the fragment and
        # otherwise keep the text as given rather than guess at its structure.
        bare = url.split("#", 1)[0]
        if scheme and bare[: len(scheme)].lower() == scheme:
            bare = scheme + bare[len(scheme):]
        bare = _EDGE_JUNK.sub("", bare)
        if bare and not _SCHEME.match(bare) and _BARE_HOST.match(bare):
            # "0.0 #": what is left once the fragment is gone is a bare host, so its
            # canonical form is that host's (a canonical form must be a fixed point).
            return canonicalize_url(bare)
        return bare or None

    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    netloc = host
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    if port is not None and DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{netloc}:{port}"

    # A raw space is not valid in a URL; browsers send it as %20.
    path = _remove_dot_segments(_normalize_escapes(parts.path)).replace(" ", "%20") or "/"
    query = _clean_query(parts.query)
    # "#!" marks a hash-bang URL, where the fragment is the page (old AJAX sites).
    fragment = parts.fragment if parts.fragment.startswith("!") else ""
    return urlunsplit(SplitResult(scheme, netloc, path, query, fragment))


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # No cache directory (nothing is written) and no suffix-list URLs (nothing is
    # fetched): tldextract then reads the snapshot shipped inside the package.
    # Private suffixes are included so that blogs on shared hosts stay apart:
    # "willyloman.wordpress.com" is its own site, not "wordpress.com".
    return tldextract.TLDExtract(
        cache_dir=None,
        suffix_list_urls=(),
        fallback_to_snapshot=True,
        include_psl_private_domains=True,
    )


def registered_domain(url_or_host: str | None) -> str | None:
    """Return the registered domain of a URL or host name, or None.

    >>> registered_domain("https://www.bbc.co.uk/news/x")
    'bbc.co.uk'
    """
    if not url_or_host:
        return None
    text = url_or_host.strip()
    if not text:
        return None
    if not _SCHEME.match(text) and not text.startswith("//"):
        text = "//" + text
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".").lower()
    ext = _extractor()(host)
    if ext.suffix and ext.domain:
        return f"{ext.domain}.{ext.suffix}"
    if ext.domain and not ext.suffix and re.fullmatch(r"[\d.]+|[0-9a-f:]+", ext.domain):
        return ext.domain  # an IP address names its host
    return None
