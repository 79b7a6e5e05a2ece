"""Parse rates of the field transforms on the FakeNewsCorpus sample.

Run from the repository root:
    .venv/bin/python bench/field_parse_rates.py [path/to/news_sample.csv] [--show]

Prints the share of rows whose date parsed, whose authors field gave at least one name,
whose language was detected (and which languages), and how titles and URLs changed.
``--show`` also lists every authors value with what came out of it.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transforms.bylines import parse_byline  # noqa: E402
from transforms.dates import parse_date  # noqa: E402
from transforms.language import detect_language  # noqa: E402
from transforms.titles import clean_title  # noqa: E402
from transforms.urls import canonicalize_url, registered_domain  # noqa: E402

DEFAULT = Path("../shared/corpora/fakenewscorpus-sample/news_sample.csv")


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    path = Path(args[0]) if args else DEFAULT
    if not path.exists():
        print(f"corpus not found: {path}", file=sys.stderr)
        return 2
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    n = len(rows)
    dated = sum(parse_date(r["scraped_at"]).utc is not None for r in rows)
    assumed = sum(parse_date(r["scraped_at"]).assumed_tz for r in rows)
    nonempty_authors = [r for r in rows if r["authors"].strip()]
    bylines = [parse_byline(r["authors"]) for r in rows]
    with_name = sum(bool(b.authors) for b in bylines)
    langs: Counter[str | None] = Counter()
    scores = []
    for r in rows:
        code, score = detect_language(r["content"])
        langs[code] += 1
        if score is not None:
            scores.append(score)
    detected = n - langs[None]
    titles_changed = sum(clean_title(r["title"], r["domain"]) != r["title"] for r in rows)
    suffix_removed = sum(
        (clean_title(r["title"], r["domain"]) or "") != " ".join(r["title"].split()) for r in rows
    )
    urls_changed = sum(canonicalize_url(r["url"]) != r["url"] for r in rows)
    domain_agrees = sum(registered_domain(r["url"]) == registered_domain(r["domain"]) for r in rows)

    def pct(k: int, d: int = n) -> str:
        return f"{k}/{d} ({100 * k / d:.1f}%)" if d else "0/0"

    print(f"rows: {n}")
    print(f"scraped_at parsed: {pct(dated)}; zone assumed (none given): {pct(assumed)}")
    print(f"authors field non-empty: {pct(len(nonempty_authors))}")
    print(f"authors gave >=1 name: {pct(with_name)} of all rows, "
          f"{pct(with_name, len(nonempty_authors))} of non-empty fields")
    print(f"agency credited: {sum(b.agency is not None for b in bylines)}")
    print(f"language detected: {pct(detected)}; languages: {dict(langs.most_common())}")
    if scores:
        low = sum(s < 0.5 for s in scores)
        print(f"language score: min {min(scores):.3f}, median {sorted(scores)[len(scores) // 2]:.3f}"
              f", below 0.5: {low}")
    print(f"titles changed: {pct(titles_changed)} (site suffix removed: {pct(suffix_removed)})")
    print(f"urls changed by canonicalization: {pct(urls_changed)}")
    print(f"registered domain of url == of domain column: {pct(domain_agrees)}")
    if "--show" in argv:
        seen = set()
        for r, b in zip(rows, bylines, strict=True):
            if r["authors"] in seen or not r["authors"].strip():
                continue
            seen.add(r["authors"])
            print(f"{r['authors'][:90]!r:95} -> {b.authors} {b.agency or ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
