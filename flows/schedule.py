"""Serve the ETL on a schedule: every tick ingests whatever has landed in the inbox.

    python -m flows.schedule serve --inbox data/inbox --lake data/lake --cron "0 * * * *"
    python -m flows.schedule start ...   # the same, in the background (``make schedule``)
    python -m flows.schedule stop        # ``make stop``
    python -m flows.schedule status

``serve`` registers the deployment ``copydesk-inbox/inbox`` with the Prefect server at
``PREFECT_API_URL`` and runs its scheduled runs until stopped; the server schedules them
(the temporary test server does not, so this needs ``make server``). Each run is the flow
``copydesk-inbox``: it skips an empty inbox, otherwise it runs the ``etl`` flow (as a
subflow) on the task runner its parameters name. ``limit=1``: a run that outlasts the
interval delays the next one instead of racing it for the lake's lock.

``start`` runs ``serve`` in a new session in the background, with its PID in
``PREFECT_HOME/schedule.pid`` and its output in ``PREFECT_HOME/schedule.log``; ``stop``
ends that process group (the serve process and any flow run it started), by that PID only.
A run killed half-way commits nothing (``flows.lake``): the next run sweeps its leftovers.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from prefect import flow, get_run_logger

from flows.commands import remedy
from flows.compact import compact, uncompacted_runs
from flows.etl import etl
from flows.lake import Lake
from flows.readers import InputError, discover_inputs
from flows.runners import default_workers, make_task_runner
from flows.server import ensure_api_url

DEPLOYMENT = "inbox"
DEFAULT_CRON = "0 * * * *"  # hourly, on the hour
DEFAULT_INBOX = "data/inbox"
# A scheduled run waits this long for a manual run holding the lake's lock, then fails.
DEFAULT_LOCK_WAIT = 600.0


@flow(name="copydesk-inbox", log_prints=True)
def ingest_inbox(
    inbox: str = DEFAULT_INBOX,
    lake: str = "data/lake",
    sources: str | None = None,
    runner: str = "process",
    workers: int = 0,
    dask_address: str | None = None,
    lock_wait: float = DEFAULT_LOCK_WAIT,
    compact_every: int = 0,
):
    """Ingest the files in ``inbox`` into ``lake``; nothing to do when the inbox is empty.

    Args:
        inbox: The folder whose files each run ingests (files already ingested unchanged are skipped).
        lake: The lake directory the runs write to.
        sources: A sources.toml with per-source settings, or none.
        runner: Where the shards run: process, thread or dask.
        workers: Parallel workers (0: one per core).
        dask_address: A Dask scheduler's address (tcp://host:8786) for runner dask; none starts a local cluster.
        lock_wait: Seconds to wait for another run holding the lake's lock before failing.
        compact_every: Compact the lake once this many runs have files of their own (0: never).
    """
    logger = get_run_logger()
    try:
        discover_inputs(inbox)
    except InputError as exc:
        # An empty inbox is the normal case between deliveries, not a failed run.
        logger.info("nothing to ingest: %s", exc)
        return None
    workers = workers or default_workers()
    task_runner = make_task_runner(runner, workers, dask_address)  # type: ignore[arg-type]
    summary = etl.with_options(task_runner=task_runner)(
        input=inbox, lake=lake, sources=sources, workers=workers, lock_wait=lock_wait
    )
    if compact_every and len(uncompacted_runs(Lake(lake))) > compact_every:
        done = compact(Lake(lake), lock_wait=lock_wait)
        logger.info("compacted %d runs of %s: %d files -> %d", done.runs, lake,
                    sum(done.files_before.values()), sum(done.files_after.values()))
    return summary


def serve(
    inbox: str = DEFAULT_INBOX,
    lake: str = "data/lake",
    cron: str | None = DEFAULT_CRON,
    interval: float | None = None,
    sources: str | None = None,
    runner: str = "process",
    workers: int = 0,
    dask_address: str | None = None,
    compact_every: int = 0,
) -> None:
    """Register the ``inbox`` deployment on ``cron`` (or every ``interval`` seconds) and
    run its scheduled runs until interrupted."""
    ensure_api_url()  # before any run starts: its worker processes inherit the URL
    os.makedirs(inbox, exist_ok=True)
    schedule = {"interval": interval} if interval else {"cron": cron or DEFAULT_CRON}
    ingest_inbox.serve(
        name=DEPLOYMENT,
        parameters={
            "inbox": os.path.abspath(inbox),
            "lake": os.path.abspath(lake),
            "sources": os.path.abspath(sources) if sources else None,
            "runner": runner,
            "workers": workers,
            "dask_address": dask_address,
            "compact_every": compact_every,
        },
        limit=1,
        description=f"Ingest {inbox} into {lake}",
        **schedule,
    )


# ---- the background process (make schedule / make stop) -------------------------------------


def _home() -> Path:
    return Path(os.environ.get("PREFECT_HOME", ".prefect"))


def pid_file() -> Path:
    return _home() / "schedule.pid"


def log_file() -> Path:
    return _home() / "schedule.log"


def running_pid() -> int | None:
    """The PID in the PID file if that process is still a ``flows.schedule`` process."""
    try:
        pid = int(pid_file().read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return None
        return pid  # no /proc (macOS): trust a live PID
    # A PID reused by another program is not ours to kill.
    return pid if b"flows.schedule" in cmdline else None


def start_background(serve_args: list[str], wait_seconds: float = 5.0) -> int:
    """Start ``python -m flows.schedule serve ARGS`` in a new session; return its PID."""
    pid = running_pid()
    if pid:
        print(f"schedule already serving (pid {pid}); `{remedy('stop')}` first to change it", file=sys.stderr)
        return pid
    log = log_file()
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "flows.schedule", "serve", *serve_args],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop ends it and its runs
        )
    pid_file().write_text(f"{process.pid}\n")
    try:
        # A bad argument or an unreachable server ends it at once: say so here.
        code = process.wait(timeout=wait_seconds)
    except subprocess.TimeoutExpired:
        return process.pid
    pid_file().unlink(missing_ok=True)
    raise SystemExit(f"copydesk: the schedule exited with code {code}; see {log}")


def stop_background(wait_seconds: float = 15.0) -> bool:
    """End the background schedule's process group; True when one was running."""
    pid = running_pid()
    if pid is None:
        pid_file().unlink(missing_ok=True)
        return False
    _kill_group(pid, wait_seconds)
    pid_file().unlink(missing_ok=True)
    return True


def _kill_group(pid: int, wait_seconds: float) -> None:
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.schedule", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["serve", "start", "stop", "status"])
    parser.add_argument("--inbox", default=DEFAULT_INBOX)
    parser.add_argument("--lake", default="data/lake")
    parser.add_argument("--cron", default=os.environ.get("CRON") or DEFAULT_CRON,
                        help="cron expression (default: hourly)")
    parser.add_argument("--interval", type=float, default=None, help="seconds between runs, instead of --cron")
    parser.add_argument("--sources", default=None)
    parser.add_argument("--runner", default="process", choices=["process", "thread", "dask"])
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--dask-address", default=os.environ.get("DASK_ADDRESS") or None)
    parser.add_argument("--compact-every", type=int, default=0,
                        help="compact the lake once this many runs have files of their own (0: never)")
    args = parser.parse_args(argv)

    if args.action == "serve":
        serve(args.inbox, args.lake, args.cron, args.interval, args.sources, args.runner, args.workers,
              args.dask_address, args.compact_every)
    elif args.action == "start":
        forwarded = ["--inbox", args.inbox, "--lake", args.lake, "--cron", args.cron,
                     "--runner", args.runner, "--workers", str(args.workers),
                     "--compact-every", str(args.compact_every)]
        for flag, value in (("--interval", args.interval), ("--sources", args.sources),
                            ("--dask-address", args.dask_address)):
            if value is not None:
                forwarded += [flag, str(value)]
        pid = start_background(forwarded)
        when = f"every {args.interval:g} s" if args.interval else f"on cron '{args.cron}'"
        print(f"serving copydesk-inbox/{DEPLOYMENT} {when}: {args.inbox} -> {args.lake} "
              f"(pid {pid}, log {log_file()})", file=sys.stderr)
    elif args.action == "stop":
        print("schedule stopped" if stop_background() else "no schedule serving", file=sys.stderr)
    else:
        pid = running_pid()
        print(f"serving (pid {pid})" if pid else "not serving")
    return 0


if __name__ == "__main__":
    sys.exit(main())
