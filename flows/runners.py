"""Where the shards run: a local process pool (default), threads, or Dask.

Kept apart from what the flow does, so the same ``etl`` flow runs on any of them.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Literal

RunnerName = Literal["process", "thread", "dask"]


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def make_task_runner(runner: RunnerName, workers: int, dask_address: str | None = None):
    """The Prefect task runner for ``runner``.

    - ``process``: ``ProcessPoolTaskRunner`` with ``workers`` processes: ftfy is CPU-bound
      pure Python, so threads would share one core. Each worker ends without the
      interpreter's teardown (``_worker_started``). The flow runs the shards of a small
      input in its own process instead (``flows.etl.runs_inline``): no worker starts.
    - ``thread``: one process, threads; for debugging and tiny inputs.
    - ``dask``: ``prefect_dask.DaskTaskRunner`` on a local cluster of ``workers`` single-
      threaded workers, or on the scheduler at ``dask_address`` (``tcp://host:8786``).

    Worker processes talk to the Prefect API at ``PREFECT_API_URL``, which they inherit
    from this process (a local pool or cluster) or from their own environment (a remote
    cluster: see ``docs/operations-schedule.md``).
    """
    if runner in ("process", "dask"):
        _check_api_url()
    # The runners are imported here, not at the top: the CLI imports this module before it
    # has checked its arguments, and prefect_dask is an optional extra.
    if runner == "process":
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner(max_workers=workers, initializer=_worker_started)
    if runner == "thread":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner(max_workers=workers)
    if runner == "dask":
        # Dask logs every worker start and stop at INFO; keep the run's output to the
        # progress bar and the summary (workers inherit the setting).
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": workers,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
                "host": "127.0.0.1",
            }
        )
    raise ValueError(f"unknown runner {runner!r}: use process, thread or dask")


def _worker_started() -> None:
    """Run once in each worker process of the pool, before its first task: at the pool's
    shutdown the worker then ends as soon as its exit handlers have run (Prefect sends its
    last logs and events there), skipping the interpreter's teardown of every module, which
    the flow would wait for (a few tenths of a second) before it can finish."""
    import atexit

    atexit.register(_end_worker)


def _end_worker() -> None:
    import logging

    logging.shutdown()  # registered before this handler, so it would run after it: run it now
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


def _check_api_url() -> None:
    """Warn when worker processes would find no API: each would then start a temporary
    Prefect server of its own, which costs seconds per process."""
    from prefect.settings import PREFECT_API_URL  # here: Prefect is imported only once a run starts

    if not (os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()):
        warnings.warn(
            "PREFECT_API_URL is not set: every worker process will start its own temporary "
            "Prefect server (slow); start one (`make server` or `copydesk server`) and export "
            "PREFECT_API_URL=http://127.0.0.1:4200/api",
            RuntimeWarning,
            stacklevel=3,
        )
