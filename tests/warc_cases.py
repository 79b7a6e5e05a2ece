"""Build WARC files for tests and the extraction bench (warcio writes them, as crawlers do).

``build_warc(path, pages)`` writes a warcinfo record, then for each ``(url, html)`` page a
request and a 200 ``text/html`` response, with the records that are not articles by rule
around them: a 404 response, an image response, a revisit and a metadata record. Whether
each record is its own gzip member (``gzip="record"``), the whole file one member
(``"file"``) or nothing is compressed (``None``) is the caller's choice.
"""

from __future__ import annotations

import gzip as gzip_module
import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

# The records build_warc adds that are not pages, by the kind runs.records_skipped counts.
SKIPPED_PER_FILE = {"warcinfo": 1, "metadata": 1, "revisit": 1, "response-not-200": 1, "response-not-html": 1}
SKIPPED_PER_PAGE = {"request": 1}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _response(writer: WARCWriter, url: str, body: bytes, status: str, ctype: str, date: str | None = None):
    headers = StatusAndHeaders(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                               protocol="HTTP/1.1")
    warc_headers = {"WARC-Date": date} if date else None
    return writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                     warc_headers_dict=warc_headers)


def _request(writer: WARCWriter, url: str):
    host = url.split("/")[2] if "//" in url else "example.com"
    headers = StatusAndHeaders("GET / HTTP/1.1", [("Host", host), ("User-Agent", "copydesk-tests")],
                               is_http_request=True)
    return writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=headers)


def build_warc(
    path: Path, pages: list[tuple[str, bytes]], gzip: str | None = "record",
    content_type: str = "text/html", date: str = "2024-03-01T10:00:00Z",
) -> Path:
    """Write ``pages`` as a WARC/1.0 file at ``path`` (see the module docstring)."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip == "record")
    writer.write_record(writer.create_warcinfo_record(path.name, {"software": "copydesk tests", "format": "WARC"}))
    writer.write_record(_response(writer, "https://example.com/missing", b"<html>Not found</html>",
                                  "404 Not Found", "text/html"))
    for n, (url, body) in enumerate(pages):
        writer.write_record(_request(writer, url))
        writer.write_record(_response(writer, url, body, "200 OK", content_type, date))
        if n == 0:
            writer.write_record(_response(writer, "https://example.com/logo.png", PNG, "200 OK", "image/png"))
            revisit = writer.create_revisit_record(url, digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                                   refers_to_uri=url, refers_to_date=date)
            writer.write_record(revisit)
            writer.write_record(writer.create_warc_record(url, "metadata", payload=io.BytesIO(b"fetchTimeMs: 12\r\n"),
                                                          warc_content_type="application/warc-fields"))
    data = out.getvalue()
    path.write_bytes(gzip_module.compress(data) if gzip == "file" else data)
    return path
