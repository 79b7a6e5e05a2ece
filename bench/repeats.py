"""Repeated paragraphs on the shared corpora: what the repeat rule removes and keeps.

    python -m bench.repeats [--corpora ../shared/corpora] [--show 10]

For BBC (``.txt`` files), the FakeNewsCorpus sample (``content``) and the article bodies
of the extraction benchmark (``ground-truth.json``, one paragraph a line: the pages' own
text, without the page around it), each article goes through ``clean_record``. A
paragraph *repeats* when its comparison key equals an earlier kept paragraph's. Before
the rule every repeat was removed; now only a copy error is (``paragraphs.is_copy_error``),
and a structural repeat (heading, label, list item, prompt, attribution) stays. Prints,
per corpus, the repeats and their words, removed before and after, and the articles that
lost the largest share of their words before.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Iterator
from pathlib import Path

from transforms.article import RecordContext, clean_record
from transforms.fields import SourceConfig
from transforms.records import Article, RawRecord

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"


def records(corpora: Path) -> Iterator[tuple[str, str, RawRecord]]:
    """(corpus, name, record) for every article of the three corpora."""
    for path in sorted((corpora / "bbc").rglob("*.txt")):
        yield "bbc", str(path.relative_to(corpora)), RawRecord(str(path), None, path.read_bytes())
    csv.field_size_limit(1 << 30)
    fake = corpora / "fakenewscorpus-sample" / "news_sample.csv"
    with fake.open(newline="", encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f)):
            fields = {"title": row["title"], "body": row["content"]}
            yield "fakenews", f"row {i} {row['url'][:60]}", RawRecord(str(fake), f"row:{i}", b"", "fields", fields)
    truth = json.loads((corpora / "article-extraction-benchmark" / "ground-truth.json").read_text("utf-8"))
    for key, page in sorted(truth.items()):
        body = page["articleBody"].replace("\n", "\n\n")
        yield "benchmark", f"{key} {page['url'][:60]}", RawRecord(key, None, b"", "fields", {"body": body})


def repeats_of(article: Article) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The article's repeats as (text, words): those removed, those kept."""
    seen: set[str] = set()
    removed, kept = [], []
    for p in sorted(article.paragraphs, key=lambda p: p.position):
        if p.status == "repeat" and p.repeat_of is not None:
            removed.append((p.text, p.word_count))
        elif p.status == "kept":
            if p.key in seen:
                kept.append((p.text, p.word_count))
            seen.add(p.key)
    return removed, kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", type=Path, default=CORPORA)
    parser.add_argument("--show", type=int, default=8, help="kept and removed repeats to print per corpus")
    args = parser.parse_args()
    stats: dict[str, dict[str, int]] = {}
    worst: list[tuple[float, str, str]] = []
    examples: dict[str, dict[str, dict[str, int]]] = {}
    for corpus, name, record in records(args.corpora):
        article = clean_record(record, RecordContext(corpus, "txt" if record.kind == "text" else "csv", SourceConfig()))
        if not isinstance(article, Article):
            continue
        s = stats.setdefault(corpus, dict.fromkeys(
            ("articles", "paragraphs", "words", "repeats", "repeat_words", "removed", "removed_words",
             "articles_before", "articles_after"), 0))
        removed, kept = repeats_of(article)
        words = article.values["word_count"] + sum(w for _, w in removed)
        s["articles"] += 1
        s["paragraphs"] += article.values["paragraph_count"] + len(removed)
        s["words"] += words
        s["repeats"] += len(removed) + len(kept)
        s["repeat_words"] += sum(w for _, w in removed + kept)
        s["removed"] += len(removed)
        s["removed_words"] += sum(w for _, w in removed)
        s["articles_before"] += bool(removed or kept)
        s["articles_after"] += bool(removed)
        if words:
            worst.append((sum(w for _, w in removed + kept) / words, corpus, name))
        ex = examples.setdefault(corpus, {"removed": {}, "kept": {}})
        for label, found in (("removed", removed), ("kept", kept)):
            for text, _ in found:
                ex[label][text[:70]] = ex[label].get(text[:70], 0) + 1
    header = (f"{'corpus':<10} {'articles':>8} {'paras':>7} {'repeats':>7} {'removed before':>14} "
              f"{'removed now':>11} {'kept now':>8} {'words before':>12} {'words now':>9} "
              f"{'articles before':>15} {'articles now':>12}")
    print(header)
    for corpus, s in stats.items():
        print(f"{corpus:<10} {s['articles']:>8} {s['paragraphs']:>7} {s['repeats']:>7} {s['repeats']:>14} "
              f"{s['removed']:>11} {s['repeats'] - s['removed']:>8} {s['repeat_words']:>12} "
              f"{s['removed_words']:>9} {s['articles_before']:>15} {s['articles_after']:>12}")
    print("\n(words before/now: words of the removed repeats; articles: articles losing any repeat)")
    print("\nlargest share of an article's words that removing every repeat took (before):")
    for share, corpus, name in sorted(worst, reverse=True)[:5]:
        print(f"  {share:6.1%}  {corpus:<10} {name}")
    for corpus, ex in examples.items():
        for label in ("removed", "kept"):
            top = sorted(ex[label].items(), key=lambda kv: -kv[1])[: args.show]
            print(f"\n{corpus}: {label} now ({len(ex[label])} distinct), most frequent:")
            for text, n in top:
                print(f"  {n:>3} x {text!r}")


if __name__ == "__main__":
    main()
