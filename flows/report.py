"""Run reports: Prefect artifacts for each run, and a static HTML report over the lake.

Each run publishes two artifacts (keys below), visible in the UI's Artifacts page and in
``prefect artifact ls``:

- ``copydesk-run`` (markdown): counts in and out per stage, rejects by reason, paragraphs
  removed by reason, encodings and fixes, the top boilerplate, and timings.
- ``copydesk-run-counts`` (table): the same numbers, one ``(section, name, value)`` row
  each. The sections named like ``runs`` columns hold exactly what the ``runs`` row holds,
  so a reader (or a test) can check one against the other.

``render_report(lake, out)`` writes ``out/index.html`` with the last runs and PNG charts
(articles per source and per month, removals by reason) next to it.
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from pathlib import Path

import duckdb

from flows.lake import Lake
from flows.report_sections import section_data, sections_html, trend_chart

MARKDOWN_KEY = "copydesk-run"
TABLE_KEY = "copydesk-run-counts"
TOP_BOILERPLATE = 10

# runs columns that are plain counts, and the ones that are maps (reason → count).
COUNT_COLUMNS = ("files_read", "records_read", "articles", "rejects", "paragraphs_read", "paragraphs_kept")
MAP_COLUMNS = ("rejects_by_reason", "paragraphs_removed", "encodings", "fixes_applied", "stage_seconds")


# ---- artifacts --------------------------------------------------------------------------


def top_boilerplate(lake: str, limit: int = TOP_BOILERPLATE) -> list[dict]:
    """The boilerplate paragraphs that take the most paragraphs out of bodies, lake-wide
    (the latest decisions): ``[{source, text, stories, paragraphs}]``.

    An empty list when the lake has no ``boilerplate`` view yet.
    """
    try:
        con = Lake(lake).connect(views=("runs", "boilerplate"))
        cursor = con.execute(
            "select source, text, stories, paragraphs from boilerplate "
            "order by paragraphs desc, stories desc, source, text limit ?",
            [limit],
        )
    except duckdb.Error:
        # A lake written before boilerplate decisions existed: nothing to show.
        return []
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def run_table(summary, boilerplate: list[dict] = ()) -> list[dict]:
    """The run's numbers as ``(section, name, value)`` rows, for the table artifact.

    Sections ``counts`` and the ``runs`` map columns (``rejects_by_reason``,
    ``paragraphs_removed``, ``encodings``, ``fixes_applied``, ``stage_seconds``) hold what
    the ``runs`` row holds; ``decisions`` holds consolidate's counts and ``boilerplate``
    the top boilerplate paragraphs with the paragraphs each took out.
    """
    rows = [{"section": "run", "name": "run_id", "value": summary.run_id}]
    rows += [{"section": "counts", "name": c, "value": int(getattr(summary, c))} for c in COUNT_COLUMNS]
    for column in MAP_COLUMNS:
        for name, value in getattr(summary, column).items():
            value = round(float(value), 3) if column == "stage_seconds" else int(value)
            rows.append({"section": column, "name": name, "value": value})
    for name, value in sorted((summary.decisions or {}).items()):
        rows.append({"section": "decisions", "name": name, "value": int(value)})
    for b in boilerplate:
        rows.append({"section": "boilerplate", "name": f"{b['source']}: {_clip(b['text'], 80)}",
                     "value": int(b["paragraphs"])})
    return rows


def stage_rows(summary) -> list[tuple[str, str, str, float | None]]:
    """``(stage, in, out, seconds)`` per stage, in words, for the markdown artifact."""
    d = summary.decisions or {}
    t = summary.stage_seconds
    removed = sum(summary.paragraphs_removed.values())
    # Short cells: the UI renders the table at its natural width, and long ones push the
    # seconds column off the page.
    consolidate_out = (
        f"{d.get('run_canonical', summary.articles)} canonical, "
        f"{d.get('run_duplicates', 0)} duplicates, "
        f"{d.get('run_boilerplate_paragraphs', 0)} boilerplate paragraphs"
    )
    found = getattr(summary, "files_discovered", 0) or summary.files_read
    unchanged = getattr(summary, "files_unchanged", 0)
    return [
        ("discover", f"{found} files",
         f"{summary.files_read} read ({_bytes(summary.bytes_read)}), {unchanged} unchanged",
         t.get("discover")),
        ("process shards", f"{summary.files_read} files: {summary.records_read} records",
         f"{summary.articles} articles + {summary.rejects} rejects", t.get("process")),
        ("  paragraphs", f"{summary.paragraphs_read} paragraphs",
         f"{summary.paragraphs_kept} kept, {removed} removed", None),
        ("consolidate", f"{summary.articles} new; lake {d.get('articles', '?')}",
         consolidate_out, t.get("consolidate")),
        ("publish", f"{summary.articles + summary.rejects} rows", "committed", t.get("publish")),
    ]


def run_markdown(summary, boilerplate: list[dict] = ()) -> str:
    """The run's report as markdown: stages, removals, encodings, fixes, boilerplate, timings."""
    out = [f"# copydesk run `{summary.run_id}`", "",
           f"Lake `{summary.lake}`, input `{summary.input}`.", "", "## Stages", "",
           "| stage | in | out | seconds |", "|---|---|---|---:|"]
    for stage, in_, out_, seconds in stage_rows(summary):
        out.append(f"| {stage} | {in_} | {out_} | {'' if seconds is None else f'{seconds:.2f}'} |")
    out.append("")
    out += _md_counts("Rejects by reason", summary.rejects_by_reason, "reason")
    out += _md_counts("Paragraphs removed by reason", summary.paragraphs_removed, "reason")
    out += _md_counts("Encodings", summary.encodings, "encoding")
    out += _md_counts("Fixes applied (articles touched)", summary.fixes_applied, "fix")
    out += ["## Top boilerplate (lake-wide)", ""]
    if boilerplate:
        out += ["| source | paragraph | stories | paragraphs removed |", "|---|---|---:|---:|"]
        out += [f"| {_md_cell(b['source'])} | {_md_cell(_clip(b['text'], 100))} | {b['stories']} "
                f"| {b['paragraphs']} |" for b in boilerplate]
    else:
        out.append("none")
    out.append("")
    out += ["## Timings", "", "| stage | seconds |", "|---|---:|"]
    out += [f"| {k} | {v:.2f} |" for k, v in summary.stage_seconds.items()]
    out.append(f"| **total** | {sum(summary.stage_seconds.values()):.2f} |")
    return "\n".join(out) + "\n"


def artifact_key(kind: str, lake: str) -> str:
    """``kind`` made one lake's own (a key Prefect accepts: lowercase, digits, dashes), so
    that the UI's latest artifact of a key is the latest run of that lake.

    >>> artifact_key(MARKDOWN_KEY, "/srv/News_Lake")
    'copydesk-run-news-lake-84060547'
    """
    import hashlib
    import re

    root = str(Lake(lake).root)
    name = re.sub(r"[^a-z0-9]+", "-", Path(root).name.lower()).strip("-")[:40] or "lake"
    return f"{kind}-{name}-{hashlib.sha256(root.encode()).hexdigest()[:8]}"


def publish_artifacts(summary) -> None:
    """Publish the run's markdown and table artifacts to the Prefect API."""
    # Here, not at the top: ``copydesk report`` imports this module and needs no Prefect.
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    # No boilerplate in the lake (consolidate counted none): no query of the views for it.
    none = summary.decisions.get("boilerplate_keys") == 0
    boilerplate = [] if none else top_boilerplate(summary.lake)
    description = f"copydesk run {summary.run_id} into {summary.lake}"
    create_markdown_artifact(run_markdown(summary, boilerplate), key=artifact_key(MARKDOWN_KEY, summary.lake),
                             description=description)
    create_table_artifact(run_table(summary, boilerplate), key=artifact_key(TABLE_KEY, summary.lake),
                          description=description)


def _md_counts(title: str, counts: Mapping[str, int], what: str) -> list[str]:
    lines = [f"## {title}", ""]
    if not counts:
        return lines + ["none", ""]
    lines += [f"| {what} | count |", "|---|---:|"]
    lines += [f"| {_md_cell(k)} | {v} |" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return lines + [""]


def _md_cell(text: str) -> str:
    # A pipe or a newline would break the markdown table row.
    return str(text).replace("|", "\\|").replace("\n", " ")


def _clip(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _bytes(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


# ---- static HTML report ------------------------------------------------------------------

RUN_COLUMNS = ("run_id", "started_at", "seconds", "input", "files_read", "records_read", "articles",
               "rejects", "paragraphs_read", "paragraphs_kept")
TOP_SOURCES = 20


def report_data(lake: str, last_runs: int = 20) -> dict[str, list[tuple]]:
    """What the HTML report shows, queried from the lake's views.

    Keys: ``runs`` (the last runs, newest first, columns ``RUN_COLUMNS``),
    ``by_source`` ``(source, articles)``, ``by_month`` ``(month 'YYYY-MM' or 'unknown',
    articles)``, ``paragraphs_removed`` ``(status, paragraphs)``, ``rejects``
    ``(reason, records)``, ``totals`` one ``(articles, duplicates, paragraphs, kept paragraphs, rejects)``.
    """
    con = Lake(lake).connect()

    def q(sql: str, *params) -> list[tuple]:
        return con.execute(sql, list(params)).fetchall()

    return section_data(con) | {
        "runs": q(
            "select run_id, started_at, round(epoch(finished_at) - epoch(started_at), 1), input, "
            "files_read, records_read, articles, rejects, paragraphs_read, paragraphs_kept "
            "from runs order by run_id desc limit ?", last_runs),
        "by_source": q("select coalesce(source, '(none)'), count(*) n from articles group by 1 "
                       "order by n desc, 1"),
        "by_month": q("select coalesce(strftime(published_at, '%Y-%m'), 'unknown') m, count(*) "
                      "from articles group by m order by m"),
        "paragraphs_removed": q("select status, count(*) n from paragraphs where status <> 'kept' "
                                "group by status order by n desc, status"),
        "rejects": q("select reason, count(*) n from rejects group by reason order by n desc, reason"),
        "totals": q("select (select count(*) from articles), "
                    "(select count(*) from articles_all) - (select count(*) from articles), "
                    "(select count(*) from paragraphs), "
                    "(select count(*) from paragraphs where status = 'kept'), "
                    "(select count(*) from rejects)"),
    }


def render_report(lake: str, out: str = "data/report", last_runs: int = 20) -> Path:
    """Write ``out/index.html`` with the last runs and three charts as PNGs next to it;
    return the path of ``index.html``.

    >>> render_report("data/lake", "data/report")  # doctest: +SKIP
    PosixPath('data/report/index.html')
    """
    data = report_data(lake, last_runs)
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    # A chart only where there is something to draw; the page says so where there is not.
    charts: dict[str, object] = {}
    if data["by_source"]:
        charts["articles_by_source.png"] = _chart_sources(data["by_source"])
    if any(m != "unknown" for m, _ in data["by_month"]):
        charts["articles_by_month.png"] = _chart_months(data["by_month"])
    if data["paragraphs_removed"] or data["rejects"]:
        charts["removals_by_reason.png"] = _chart_removals(data["paragraphs_removed"], data["rejects"])
    trends = trend_chart(data["trends"])
    for name, figure in [*charts.items(), ("run_trends.png", trends)]:
        if figure is None:
            (out_dir / name).unlink(missing_ok=True)  # an old report's chart would mislead
        else:
            _save(figure, out_dir / name)
    for stale in ("articles_by_source.png", "articles_by_month.png", "removals_by_reason.png"):
        if stale not in charts:
            (out_dir / stale).unlink(missing_ok=True)
    data["sections"] = sections_html(data, "run_trends.png" if trends is not None else None)
    page = out_dir / "index.html"
    tmp = out_dir / f".index.html.tmp-{os.getpid()}"
    tmp.write_text(_html(lake, data, list(charts)), encoding="utf-8")
    os.replace(tmp, page)
    return page


# matplotlib is imported in the chart functions only: a run's artifacts need no charts,
# and importing it costs about a second.


def _save(figure, path: Path) -> None:
    import matplotlib.pyplot as plt

    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}.png")
    figure.savefig(tmp, dpi=100)
    plt.close(figure)
    os.replace(tmp, path)


def _figure(height: float):
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    # Labels are data (source names): a "$...$" in one is text, never mathtext to parse.
    matplotlib.rcParams["text.parse_math"] = False
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(9, height), layout="constrained")


def _chart_sources(by_source: list[tuple]):
    rows = by_source[:TOP_SOURCES]
    rest = sum(n for _, n in by_source[TOP_SOURCES:])
    if rest:
        rows = rows + [(f"{len(by_source) - TOP_SOURCES} other sources", rest)]
    fig, ax = _figure(max(2.5, 0.35 * len(rows) + 1.2))
    labels = [_clip(s, 40) for s, _ in rows][::-1]
    counts = [n for _, n in rows][::-1]
    bars = ax.barh(labels, counts, color="#3b6ea5")
    ax.bar_label(bars, padding=3)
    ax.set_title("Articles per source (canonical)")
    ax.set_xlabel("articles")
    _integer_axis(ax.xaxis)
    _no_data(ax, rows)
    return fig


def _chart_months(by_month: list[tuple]):
    fig, ax = _figure(3.8)
    months = [m for m, _ in by_month]
    counts = [n for _, n in by_month]
    ax.bar(months, counts, color=["#999999" if m == "unknown" else "#3b6ea5" for m in months])
    ax.set_title("Articles per month published (canonical; grey: no date)")
    ax.set_ylabel("articles")
    _integer_axis(ax.yaxis)
    step = max(1, len(months) // 24)  # at most ~24 labels, or they overlap
    ax.set_xticks(range(0, len(months), step), months[::step], rotation=60, ha="right")
    _no_data(ax, by_month)
    return fig


def _chart_removals(paragraphs: list[tuple], rejects: list[tuple]):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained")
    for ax, rows, title, color in (
        (left, paragraphs, "Paragraphs removed, by reason", "#c0504d"),
        (right, rejects, "Records rejected, by reason", "#e39d3a"),
    ):
        labels = [str(r) for r, _ in rows][::-1]
        bars = ax.barh(labels, [n for _, n in rows][::-1], color=color)
        ax.bar_label(bars, padding=3)
        ax.set_title(title)
        _integer_axis(ax.xaxis)
        _no_data(ax, rows)
    return fig


def _integer_axis(axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))  # counts: no 0.5 articles
    axis.axes.margins(**{axis.axis_name: 0.1})  # room for the bar labels


def _no_data(ax, rows) -> None:
    if not rows:
        ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes, color="#777777")
        ax.set_yticks([])
        ax.set_xticks([])


def _html(lake: str, data: dict[str, list[tuple]], charts: list[str]) -> str:
    e = html.escape
    articles, duplicates, paragraphs, kept, rejects = data["totals"][0]
    head = ["run", "started (UTC)", "seconds", "input", "files", "records", "articles", "rejects",
            "paragraphs", "kept"]
    runs = "".join(
        "<tr>" + "".join(f"<td>{e(_cell(v))}</td>" for v in row) + "</tr>" for row in data["runs"]
    ) or f'<tr><td colspan="{len(head)}">no runs</td></tr>'
    images = "".join(f'<p><img src="{e(name)}" alt="{e(name)}"></p>' for name in charts)
    if not data["by_source"]:
        images += "<p>No articles yet: nothing to chart per source.</p>"
    if "articles_by_month.png" not in charts:
        images += (f"<p>No article has a publication date, so there is no chart per month "
                   f"({articles} undated).</p>" if articles else "")
    if "removals_by_reason.png" not in charts:
        images += "<p>No paragraph was removed and no record rejected.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>copydesk report: {e(lake)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; font-size: 0.9em; }}
td, th {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }}
table.runs td:nth-child(1), table.runs td:nth-child(4) {{ text-align: left; font-family: monospace; }}
td.l, th.l {{ text-align: left; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>copydesk report</h1>
<p>Lake <code>{e(lake)}</code>: {articles} canonical articles ({duplicates} duplicates set aside),
{paragraphs} paragraphs of which {kept} kept, {rejects} rejected records.</p>
<h2>Last runs</h2>
<table class=runs><tr>{"".join(f"<th>{e(h)}</th>" for h in head)}</tr>{runs}</table>
<h2>Charts</h2>
{images}
{data["sections"]}
</body></html>
"""


def _cell(value) -> str:
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return "" if value is None else str(value)
