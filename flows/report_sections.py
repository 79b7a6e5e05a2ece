"""The report's sections about the lake's content (``make report``): how complete each
field is per source, the date range, the top bylines, duplicate clusters with example
titles, and the trends of the runs. Each section is a query over the views and an HTML
fragment; where there is nothing to show, the fragment is a sentence saying so.
"""

from __future__ import annotations

import html

TOP_SOURCES = 20
TOP_BYLINES = 15
TOP_CLUSTERS = 10
EXAMPLE_TITLES = 3


def section_data(con) -> dict:
    """The sections' rows, from a connection holding the lake's views."""

    def q(sql: str, *params) -> list[tuple]:
        return con.execute(sql, list(params)).fetchall()

    return {
        # (source, articles, % dated, % with authors, % with URL, % with language)
        "completeness": q(
            """select coalesce(source, '(none)') s, count(*) n,
                      round(100.0 * count(published_at) / count(*), 1),
                      round(100.0 * count(*) filter (where len(authors) > 0) / count(*), 1),
                      round(100.0 * count(url) / count(*), 1),
                      round(100.0 * count(language) / count(*), 1)
               from articles group by s order by n desc, s limit ?""", TOP_SOURCES),
        # (first date, last date, dated articles, undated articles)
        "date_range": q("select min(published_at), max(published_at), count(published_at), "
                        "count(*) - count(published_at) from articles")[0],
        "bylines": q("select author, count(*) n from (select unnest(authors) author from articles) "
                     "group by author order by n desc, author limit ?", TOP_BYLINES),
        # (cluster, members, sources, example titles)
        "clusters": q(
            """select cluster_id, count(*) n, count(distinct source),
                      list(distinct title order by title)[1:?]
               from articles_all where cluster_id is not null
               group by cluster_id having count(*) > 1 order by n desc, cluster_id limit ?""",
            EXAMPLE_TITLES, TOP_CLUSTERS),
        # (run, seconds, records read, reject share %), oldest first
        "trends": q(
            """select run_id, round(epoch(finished_at) - epoch(started_at), 1), records_read,
                      round(100.0 * rejects / nullif(records_read, 0), 2)
               from runs order by run_id"""),
    }


def trend_chart(trends: list[tuple]):
    """Duration, records and reject share per run (a figure), or None below two runs."""
    if len(trends) < 2:
        return None
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["text.parse_math"] = False
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 1, figsize=(9, 6), sharex=True, layout="constrained")
    x = list(range(1, len(trends) + 1))
    for ax, column, title, color in (
        (axes[0], 1, "seconds per run", "#3b6ea5"),
        (axes[1], 2, "records read per run", "#5b9a5b"),
        (axes[2], 3, "rejected records, % of records read", "#e39d3a"),
    ):
        ax.plot(x, [row[column] or 0 for row in trends], marker="o", color=color)
        ax.set_title(title, fontsize=10, loc="left")
        ax.margins(y=0.2)
    axes[2].set_xlabel(f"run (oldest to newest; last: {trends[-1][0]})")
    return fig


def sections_html(data: dict, trend_image: str | None) -> str:
    """The sections as HTML, each with a sentence where there is no data."""
    e = html.escape
    out = ["<h2>Field completeness per source</h2>"]
    if data["completeness"]:
        out.append("<p>Share of canonical articles that have each field.</p><table><tr><th>source</th>"
                   "<th>articles</th><th>dates</th><th>authors</th><th>URL</th><th>language</th></tr>")
        for source, n, *shares in data["completeness"]:
            cells = "".join(f"<td>{share:g}%</td>" for share in shares)
            out.append(f"<tr><td class=l>{e(source)}</td><td>{n}</td>{cells}</tr>")
        out.append("</table>")
    else:
        out.append("<p>No articles yet.</p>")
    first, last, dated, undated = data["date_range"]
    out.append("<h2>Dates</h2>")
    if dated:
        out.append(f"<p>Published from {e(_day(first))} to {e(_day(last))}: {dated} dated articles, "
                   f"{undated} without a date.</p>")
    else:
        out.append(f"<p>No article has a publication date ({undated} articles): the inputs carry none, "
                   "or in a field the mapping does not read (see docs/inputs.md).</p>")
    out.append("<h2>Top bylines</h2>")
    if data["bylines"]:
        out.append("<table><tr><th>author</th><th>articles</th></tr>")
        out += [f"<tr><td class=l>{e(a)}</td><td>{n}</td></tr>" for a, n in data["bylines"]]
        out.append("</table>")
    else:
        out.append("<p>No article names an author.</p>")
    out.append("<h2>Duplicate clusters</h2>")
    if data["clusters"]:
        out.append("<table><tr><th>articles</th><th>sources</th><th>example titles</th></tr>")
        for _, n, sources, titles in data["clusters"]:
            listed = "<br>".join(e(t or "(untitled)") for t in titles)
            out.append(f"<tr><td>{n}</td><td>{sources}</td><td class=l>{listed}</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>No duplicate clusters: every article is its own.</p>")
    out.append("<h2>Run trends</h2>")
    if trend_image:
        out.append(f'<p><img src="{e(trend_image)}" alt="run trends"></p>')
    else:
        out.append(f"<p>{len(data['trends'])} run(s) so far: trends need two runs or more.</p>")
    return "\n".join(out)


def _day(value) -> str:
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)
