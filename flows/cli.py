"""``copydesk`` command line: a tool of its own, and what the Makefile targets call.

    copydesk run   --input data/samples --lake data/lake   # starts/reuses the Prefect server
    copydesk query --lake data/lake [--format csv|json|table] "select count(*) from articles"
    copydesk report --lake data/lake --out data/report     # static HTML report with charts
    copydesk compact --lake data/lake        # few large files instead of many small ones
    copydesk verify --lake data/lake         # check every committed file, one line per problem
    copydesk server [start|stop|status]      # the background Prefect server on PREFECT_PORT
    copydesk schedule --inbox data/inbox --lake data/lake --cron "0 * * * *"
    copydesk stop                            # the schedule and the server
    copydesk views --lake data/lake          # (re)write LAKE/copydesk.duckdb
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from pathlib import Path

from flows.commands import remedy
from flows.output import FORMATS, write_rows
from transforms.printable import escape_controls  # noqa: F401 (cli.escape_controls, as before)


def default_prefect_home() -> Path:
    """Where Prefect keeps its state when ``PREFECT_HOME`` is unset: ``.prefect`` in a source
    checkout (as ``make`` sets it), else ``COPYDESK_HOME/prefect`` (default
    ``~/.copydesk/prefect``), never inside site-packages and never the user's ``~/.prefect``."""
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file() and "site-packages" not in checkout.parts:
        return checkout / ".prefect"
    return Path(os.environ.get("COPYDESK_HOME") or Path.home() / ".copydesk") / "prefect"


# Prefect state stays out of ~/.prefect and sends no analytics, also when the CLI runs
# without make. Set before anything imports Prefect.
os.environ.setdefault("PREFECT_HOME", str(default_prefect_home()))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
# INFO logs of the flow and its tasks go to the API (the UI shows them); the console, warnings only.
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")
os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")

# The commands import what they need inside their functions, on purpose: ``copydesk --help``
# and a wrong argument answer at once, without paying for Prefect, DuckDB and pyarrow.


def _fail(message: str, code: int = 2) -> None:
    print(f"copydesk: {message}", file=sys.stderr)
    raise SystemExit(code)


def cmd_run(args: argparse.Namespace) -> int:
    from flows.lake import Lake, LakeError
    from flows.readers import InputError, discover_inputs
    from flows.runners import default_workers, make_task_runner

    # Check what we can before paying for Prefect: a missing input or an unwritable lake
    # is one line, not a traceback.
    from flows.sources import SourcesError, load_sources

    try:
        discover_inputs(args.input, exclude=load_sources(args.sources).exclude)
        Lake(args.lake).ensure_writable()
        if not args.lock_wait:
            Lake(args.lake).check_unlocked()
    except (InputError, LakeError, SourcesError) as exc:
        _fail(str(exc))

    _shared_api()
    from flows.etl import RunFailed, etl

    workers = args.workers or default_workers()
    runner = make_task_runner(args.runner, workers, args.dask_address)
    flow = etl.with_options(task_runner=runner)
    signal.signal(signal.SIGINT, _interrupted)
    try:
        with _run_settings():
            summary = flow(
                input=args.input,
                lake=args.lake,
                sources=args.sources,
                shard_mb=args.shard_mb,
                workers=workers,
                lock_wait=args.lock_wait,
                progress=not args.quiet,
                publish_to=args.publish_to,
                jaccard=args.jaccard,
                boilerplate_min_stories=args.boilerplate_min_stories,
                recompute_decisions=args.recompute_decisions,
                inline_mb=args.inline_mb,
                dedup_memory=args.dedup_memory,
            )
    except (InputError, LakeError, SourcesError) as exc:
        _fail(str(exc))
    except RunFailed as exc:
        _fail(str(exc), code=1)
    except Exception as exc:
        _fail_on_damage(args.lake, exc)
        raise
    print_summary(summary)
    return 0


def _run_settings():
    """The Prefect settings of a ``copydesk run``: no flow-run heartbeats unless configured.

    Prefect's heartbeat thread sleeps in one-second steps, and the flow run waits for it to
    notice the end (half a second on average, up to a whole one): the largest part of a
    small run's fixed cost after the imports. Nothing on a server reads heartbeats unless
    an automation is set up for them; whoever sets one up sets
    ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` (or its profile setting), and the run keeps them."""
    from contextlib import nullcontext

    from prefect.settings import get_current_settings, temporary_settings

    if "heartbeat_frequency" in get_current_settings().flows.model_fields_set:
        return nullcontext()
    return temporary_settings(updates={"flows.heartbeat_frequency": None})


def _port() -> int:
    return int(os.environ.get("PREFECT_PORT") or 4200)


def _shared_api() -> None:
    """Point the run and every worker process at one Prefect API: ``PREFECT_API_URL`` when
    set, else the background server on ``PREFECT_PORT`` (4200), started when not up and
    reused by later runs. Without it, each worker would start a temporary server of its own."""
    if os.environ.get("PREFECT_API_URL"):
        return
    from flows import server

    server.start(_port())
    os.environ["PREFECT_API_URL"] = server.api_url(_port())


def _interrupted(signum, frame) -> None:
    """Ctrl-C during a run: stop the workers, remove this run's leftovers (with the lock
    still held), say that a rerun resumes, and exit 130 at once. Waiting for Prefect to
    wind down its task runner takes minutes; the lake needs none of it, since nothing is
    live before the ``runs`` row."""
    import multiprocessing

    from flows.lake import HELD_LOCKS, Lake

    for child in multiprocessing.active_children():
        child.kill()
    for root in list(HELD_LOCKS):
        Lake(root).sweep()
    # To fd 2 directly: Prefect may have wrapped sys.stderr, and nothing is flushed later.
    os.write(2, b"copydesk: interrupted; workers stopped, this run's staging removed, the lake unlocked; "
             b"a rerun of the same command resumes (inputs already committed are not read again)\n")
    os._exit(130)  # the OS releases the lock with the process


def print_summary(summary) -> None:
    s = summary
    if not s.committed:
        print(f"nothing new in {s.input}: {s.files_unchanged} of {s.files_discovered} files unchanged; "
              f"{s.lake} is as it was")
        return
    print(f"run {s.run_id} committed to {s.lake}")
    if s.files_unchanged:
        print(f"  {s.files_unchanged} of {s.files_discovered} files unchanged since an earlier run, not read")
    print(
        f"  files {s.files_read}  records {s.records_read}  = articles {s.articles}"
        f" + rejects {s.rejects}"
    )
    if s.records_skipped:  # WARC records that are not articles by rule: apart from records read
        print(f"  skipped {sum(s.records_skipped.values())}: " + ", ".join(f"{k} {v}" for k, v in
                                                                  s.records_skipped.items()))
    d = s.decisions
    if d:
        print(
            f"  articles: canonical {s.articles - d.get('run_duplicates', 0)}, duplicates {d.get('run_duplicates', 0)}"
            f"  (lake: {d.get('canonical', 0)} canonical, {d.get('duplicates', 0)} exact and"
            f" {d.get('near_duplicates', 0)} near duplicates, {d.get('boilerplate_keys', 0)} boilerplate texts)"
        )
    removed = ", ".join(f"{k} {v}" for k, v in s.paragraphs_removed.items()) or "none"
    print(f"  paragraphs {s.paragraphs_read}: kept {s.paragraphs_kept}, removed: {removed}")
    if s.rejects_by_reason:
        print("  rejects: " + ", ".join(f"{k} {v}" for k, v in s.rejects_by_reason.items()))
    if s.encodings:
        print("  encodings: " + ", ".join(f"{k} {v}" for k, v in s.encodings.items()))
    if s.fixes_applied:
        top = sorted(s.fixes_applied.items(), key=lambda kv: -kv[1])[:8]
        print("  fixes: " + ", ".join(f"{k} {v}" for k, v in top))
    secs = ", ".join(f"{k} {v:.2f}s" for k, v in s.stage_seconds.items())
    print(f"  time: {secs}")


# Printed escaped by ``query``: C0 controls but tab and newline (ESC among them), DEL, C1.
# Statements that can write a file; their string literals must name no path in the lake.
_WRITING = {"COPY", "EXPORT", "ATTACH", "COPY_DATABASE", "SET", "VARIABLE_SET", "PRAGMA", "CALL"}
_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def check_read_only(con, sql: str, lake_root: Path) -> None:
    """Refuse (one line, exit 2) a statement that could write a file inside the lake:
    ``make query`` reads the lake and never changes it. Writing elsewhere stays possible
    (``COPY (...) TO '/elsewhere/x.parquet'``)."""
    import duckdb

    root = os.path.realpath(lake_root)
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as exc:
        _fail(f"query failed: {query_error(exc)}")
    for statement in statements:
        if statement.type.name not in _WRITING:
            continue
        for literal in _LITERAL.findall(statement.query):
            path = os.path.realpath(literal.replace("''", "'"))
            if path == root or path.startswith(root + os.sep):
                _fail(f"the lake is read-only for queries: {statement.type.name} would write {literal}; "
                      "write results outside the lake (see docs/operations.md)")


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from flows.lake import Lake, open_lake

    lake = open_lake(args.lake)
    if not lake.exists():
        _fail(f"no lake at {args.lake}: run `{remedy('run', lake=args.lake)}` first")
    try:
        con = lake.connect()
    except duckdb.Error as exc:
        _fail_on_damage(args.lake, exc)
        raise
    if isinstance(lake, Lake):
        check_read_only(con, args.sql, lake.root)
    try:
        cursor = con.execute(args.sql)
    except duckdb.Error as exc:
        if isinstance(lake, Lake) and isinstance(exc, duckdb.IOException | duckdb.InvalidInputException):
            _fail_on_damage(args.lake, exc)
        _fail(f"query failed: {query_error(exc)}")
    write_rows(cursor, args.format, sys.stdout)
    return 0


def query_error(exc: BaseException) -> str:
    """DuckDB's message with its hint lines (``Did you mean "articles"?``, the caret under
    the error's position) kept, blank lines dropped.

    >>> query_error(Exception('Catalog Error: no articlez\\n\\nDid you mean "articles"?'))
    'Catalog Error: no articlez\\nDid you mean "articles"?'
    """
    return "\n".join(line for line in str(exc).splitlines() if line.strip())


def cmd_report(args: argparse.Namespace) -> int:
    from flows.lake import Lake
    from flows.report import render_report

    if not Lake(args.lake).root.is_dir():
        _fail(f"no lake at {args.lake}: run `{remedy('run', lake=args.lake)}` first")
    page = render_report(args.lake, args.out, last_runs=args.runs)
    print(f"report: {page.resolve().as_uri()}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from flows.lake import Lake
    from flows.verify import verify

    lake = Lake(args.lake)
    if not lake.exists():
        _fail(f"no lake at {args.lake}: run `{remedy('run', lake=args.lake)}` first")
    problems = verify(lake)
    for line in problems:
        print(line)
    if problems:
        return 1
    print(f"{lake.root}: no problems in {len(lake.committed_runs())} committed runs")
    return 0


def _fail_on_damage(lake: str, exc: BaseException) -> None:
    """After an unexpected error on a lake: fail with the damaged files' lines (exit 1)
    when ``verify`` finds any; return otherwise, for the caller to re-raise."""
    from flows.verify import problems_or_none

    problems = problems_or_none(lake)
    if problems:
        _fail(" | ".join(problems) if len(problems) > 1 else problems[0], code=1)


def cmd_compact(args: argparse.Namespace) -> int:
    from flows.compact import compact
    from flows.lake import Lake, LakeError

    lake = Lake(args.lake)
    if not lake.exists():
        _fail(f"no lake at {args.lake}: run `{remedy('run', lake=args.lake)}` first")
    try:
        done = compact(lake, lock_wait=args.lock_wait)
    except LakeError as exc:
        _fail(str(exc))
    before, after = sum(done.files_before.values()), sum(done.files_after.values())
    if not done.changed:
        print(f"{lake.root}: already compact ({after} files)")
        return 0
    tables = ", ".join(f"{t} {done.files_before[t]}->{done.files_after[t]}"
                       for t in sorted(done.files_before) if done.files_before[t] != done.files_after[t])
    print(f"{lake.root}: {done.runs} runs compacted, {before} files -> {after} ({tables})")
    return 0


def cmd_server(args: argparse.Namespace) -> int:
    from flows import server

    if args.action == "start":
        server.start(_port())
        print(f"Prefect server up: UI http://{server.HOST}:{_port()}  (state: {server.home()})")
    elif args.action == "stop":
        server.stop()
    else:
        print("up" if server.healthy(_port()) else "down")
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    from flows import server

    server.start(_port())
    os.environ["PREFECT_API_URL"] = server.api_url(_port())
    from flows import schedule

    forwarded = ["start", "--inbox", args.inbox, "--lake", args.lake, "--cron", args.cron, "--runner", args.runner,
                 "--workers", str(args.workers), "--compact-every", str(args.compact_every)]
    for flag, value in (("--interval", args.interval), ("--sources", args.sources),
                        ("--dask-address", args.dask_address)):
        if value is not None:
            forwarded += [flag, str(value)]
    schedule.main(forwarded)
    print(f"UI: http://{server.HOST}:{_port()}  log: {schedule.log_file()}  stop: {remedy('stop')}")
    return 0


def cmd_stop(args: argparse.Namespace) -> int:
    from flows import server
    from flows.schedule import stop_background

    print("schedule stopped" if stop_background() else "no schedule serving", file=sys.stderr)
    server.stop()
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("copydesk")
    except PackageNotFoundError:
        return "unknown"


def cmd_views(args: argparse.Namespace) -> int:
    from flows.lake import Lake

    path = Lake(args.lake).refresh_database()
    print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="copydesk", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"copydesk {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="ingest INPUT into the lake")
    run.add_argument("--input", default="data/samples", help="a file, a directory or a glob")
    run.add_argument("--lake", default="data/lake")
    run.add_argument("--sources", default=None, help="sources.toml with per-source settings")
    run.add_argument("--runner", default="process", choices=["process", "thread", "dask"])
    run.add_argument("--dask-address", default=os.environ.get("DASK_ADDRESS") or None)
    run.add_argument("--workers", type=int, default=0, help="parallel workers (default: cores)")
    run.add_argument("--shard-mb", type=float, default=16.0)
    run.add_argument("--lock-wait", type=float, default=0.0,
                     help="seconds to wait for another run on the same lake")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--jaccard", type=float, default=0.8,
                     help="shingle Jaccard similarity from which articles are near-duplicates (0.8)")
    run.add_argument("--boilerplate-min-stories", type=int, default=3,
                     help="distinct stories of a source a paragraph must recur in to be boilerplate (3)")
    run.add_argument("--recompute-decisions", action="store_true",
                     help="recompute every near-duplicate pair (after changing --jaccard)")
    run.add_argument("--inline-mb", type=float, default=4.0,
                     help="inputs of at most this many MB of text (compressed bytes count 8 times) run in the "
                          "flow's process, without starting worker processes (process runner; 0: never)")
    run.add_argument("--dedup-memory", default="1GB", metavar="SIZE",
                     help="DuckDB's memory budget for the lake-wide decisions; beyond it, spill to disk (1GB)")
    run.add_argument("--publish-to", default=None, metavar="URL",
                     help="after the run, upload committed runs to this object-store lake (s3://bucket/lake)")
    run.set_defaults(func=cmd_run)

    query = sub.add_parser("query", help="run SQL against the lake's views, print CSV, JSON or a table")
    query.add_argument("sql")
    query.add_argument("--format", default="csv", choices=FORMATS,
                       help="csv (lists as JSON), json (an array of objects) or table (aligned, cells cut)")
    query.add_argument("--lake", default="data/lake")
    query.set_defaults(func=cmd_query)

    report = sub.add_parser("report", help="write the last runs and charts as a static HTML page")
    report.add_argument("--lake", default="data/lake")
    report.add_argument("--out", default="data/report", help="directory for index.html and the PNGs")
    report.add_argument("--runs", type=int, default=20, help="how many of the last runs to list")
    report.set_defaults(func=cmd_report)

    check = sub.add_parser("verify", help="check every committed file of the lake; one line per problem")
    check.add_argument("--lake", default="data/lake")
    check.set_defaults(func=cmd_verify)

    packed = sub.add_parser("compact", help="rewrite the small per-run files into few large ones, atomically")
    packed.add_argument("--lake", default="data/lake")
    packed.add_argument("--lock-wait", type=float, default=0.0,
                        help="seconds to wait for a run writing the lake")
    packed.set_defaults(func=cmd_compact)

    srv = sub.add_parser("server", help="start, stop or check the background Prefect server (PREFECT_PORT, 4200)")
    srv.add_argument("action", nargs="?", default="start", choices=["start", "stop", "status"])
    srv.set_defaults(func=cmd_server)

    sched = sub.add_parser("schedule", help="serve the ETL of an inbox into the lake on a cron, in the background")
    sched.add_argument("--inbox", default="data/inbox")
    sched.add_argument("--lake", default="data/lake")
    sched.add_argument("--cron", default="0 * * * *", help="cron expression (default: hourly)")
    sched.add_argument("--interval", type=float, default=None, help="seconds between runs, instead of --cron")
    sched.add_argument("--sources", default=None)
    sched.add_argument("--runner", default="process", choices=["process", "thread", "dask"])
    sched.add_argument("--workers", type=int, default=0)
    sched.add_argument("--dask-address", default=os.environ.get("DASK_ADDRESS") or None)
    sched.add_argument("--compact-every", type=int, default=24,
                       help="compact the lake once this many runs have files of their own (0: never)")
    sched.set_defaults(func=cmd_schedule)

    stop = sub.add_parser("stop", help="stop the schedule (if serving) and the background Prefect server")
    stop.set_defaults(func=cmd_stop)

    views = sub.add_parser("views", help="(re)write LAKE/copydesk.duckdb with the views")
    views.add_argument("--lake", default="data/lake")
    views.set_defaults(func=cmd_views)

    args = parser.parse_args(argv)
    return args.func(args)


def exit_now(code: int) -> None:
    """End the process with ``code`` once the exit handlers have run (Prefect sends its last
    logs and events there) and the output is flushed, skipping the interpreter's teardown
    of every module, which takes a few tenths of a second after a run."""
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
