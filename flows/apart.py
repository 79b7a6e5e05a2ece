"""Run one call in a process of its own, so that the caller's memory does not grow with
the lake: consolidation, and the rewrite of the lake's DuckDB catalog.

DuckDB keeps what it read while binding and querying (file footers, schemas, buffers)
until its process ends; in the flow's process that would make its peak memory grow with
the lake. A forked child costs nothing to start (its modules are loaded already), uses no
lock or thread of its parent's (it opens its own DuckDB and writes its own files) and gives
all it held back when it exits.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

# A fork costs nothing; a spawned process first imports DuckDB, Arrow and numpy again
# (0.5 s at rest, several seconds on a busy machine).
START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"

T = TypeVar("T")


class Apart:
    """``fn(*args)`` started in a child process at once (in the calling thread: fork from
    the thread that holds no DuckDB connection), its result waited for by ``result``.

    An exception in the child is raised by ``result`` (an ``OSError`` keeps its file); a
    child that dies (killed for memory) is a ``RuntimeError`` saying ``what`` died and
    ``hint``."""

    def __init__(self, fn: Callable[..., T], *args, what: str, hint: str = ""):
        self.what, self.hint = what, hint
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context(START_METHOD))
        try:
            self._future: Future = self._pool.submit(fn, *args)
        except BaseException:
            self._pool.shutdown(wait=True, cancel_futures=True)
            raise

    def result(self) -> T:
        try:
            return self._future.result()
        except BrokenProcessPool as exc:
            hint = f" ({self.hint})" if self.hint else ""
            raise RuntimeError(f"{self.what}'s process died before it finished{hint}") from exc
        finally:
            self._pool.shutdown(wait=True)


def call_apart(fn: Callable[..., T], *args, what: str, hint: str = "") -> T:
    """``fn(*args)`` in a forked process, waited for (``Apart``)."""
    return Apart(fn, *args, what=what, hint=hint).result()
