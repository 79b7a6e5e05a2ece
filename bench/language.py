"""CLD2 (``transforms.language``) against the py3langid labels it replaced:
``python -m bench.language [--list 40]``.

For BBC, AG News and the hand-checked bodies of the multilingual article-extraction pages
it prints the share of texts where both give the same kept label (None = no label counts
as a label), lists the differences, and times both detectors on the same texts in the
same run (median of ``--repeats``). py3langid is the oracle here only; it ships with the
test dependencies. Written to ``bench/results/language.json``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
RESULTS = ROOT / "bench" / "results"


def corpus_sets() -> dict[str, list[str]]:
    """The texts of each corpus as the ETL sees them (bodies with their titles)."""
    from transforms.decoding import decode

    bbc = [decode(p.read_bytes()).text for p in sorted((CORPORA / "bbc").glob("*/*.txt"))]
    raw = (CORPORA / "ag-news-test" / "test.csv").read_bytes().decode("utf-8")
    ag = ["\n".join(row[1:]) for row in csv.reader(io.StringIO(raw))]
    truth = json.loads((CORPORA / "article-extraction-benchmark" / "ground-truth.json").read_text("utf-8"))
    pages = [truth[k]["articleBody"] for k in sorted(truth)]
    return {"bbc": bbc, "ag-news": ag, "extraction-pages": pages}


def py3langid_detector():
    """The detector as it was: py3langid's model, the same sampling and letter minimum."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from transforms import language

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    iso = {"ary": "ar", "arz": "ar", "yue": "zh", "wuu": "zh", "uzs": "uz", "gug": "gn", "fuv": "ff",
           "kik": "ki", "sdh": "ku", "hbo": "he"}

    def detect(text: str) -> tuple[str | None, float | None]:
        sample = language._URL_OR_EMAIL.sub(" ", (text or "")[: language.MAX_CHARS])
        if sum(map(str.isalpha, sample)) < language.MIN_LETTERS:
            return None, None
        label, score = identifier.classify(sample)
        code = iso.get(label, label)
        return (code, float(score)) if len(code) == 2 else (None, None)

    return detect


def agreement(old: list[str | None], new: list[str | None]) -> float:
    return sum(a == b for a, b in zip(old, new, strict=True)) / max(1, len(old))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", type=int, default=40, help="differences to print per corpus")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    if not CORPORA.exists():
        print(f"needs the shared corpora at {CORPORA}", file=sys.stderr)
        return 2
    from transforms.language import identify

    old_detect = py3langid_detector()
    results: dict = {}
    print(f"{'corpus':18} {'texts':>6} {'kept label':>11} {'raw label':>10} {'py3langid us':>13} {'cld2 us':>8}")
    for name, texts in corpus_sets().items():
        old = [old_detect(t) for t in texts]
        new = [identify(t) for t in texts]
        old_codes = [c for c, _ in old]
        kept = agreement(old_codes, [n.code for n in new])
        # The detector alone: its label wherever it gave one, before the floors.
        raw = agreement(old_codes, [n.code or (n.raw if n.raw and len(n.raw) == 2 else None) for n in new])
        t_old, t_new = [], []
        for _ in range(args.repeats):
            t = time.perf_counter()
            for x in texts:
                old_detect(x)
            t_old.append(time.perf_counter() - t)
            t = time.perf_counter()
            for x in texts:
                identify(x)
            t_new.append(time.perf_counter() - t)
        us_old = statistics.median(t_old) / len(texts) * 1e6
        us_new = statistics.median(t_new) / len(texts) * 1e6
        diffs = [(i, o, n) for i, (o, n) in enumerate(zip(old, new, strict=True)) if o[0] != n.code]
        reasons = Counter(n.reason for n in new if n.code is None)
        results[name] = {"texts": len(texts), "kept_label_agreement": round(kept, 5),
                         "raw_label_agreement": round(raw, 5), "py3langid_us_per_text": round(us_old, 1),
                         "cld2_us_per_text": round(us_new, 1), "null_reasons": dict(reasons),
                         "differences": [{"index": i, "py3langid": o[0],
                                          "py3langid_score": None if o[1] is None else round(o[1], 3),
                                          "cld2": n.code, "cld2_raw": n.raw, "cld2_score": n.score,
                                          "reason": n.reason, "text": texts[i][:80]} for i, o, n in diffs]}
        print(f"{name:18} {len(texts):6} {kept:11.4%} {raw:10.4%} {us_old:13.1f} {us_new:8.1f}")
    for name, r in results.items():
        print(f"\n{name}: {len(r['differences'])} differences; nulls by reason {r['null_reasons']}")
        for d in r["differences"][: args.list]:
            print(f"  #{d['index']:5} py3langid {d['py3langid']} ({d['py3langid_score']})"
                  f" -> cld2 {d['cld2']} (raw {d['cld2_raw']} {d['cld2_score']}, {d['reason']}): {d['text']!r}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "language.json").write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(f"\nwritten to {(RESULTS / 'language.json').relative_to(ROOT)} (timings: median of {args.repeats}"
          " paired runs in this process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
