"""The lake on disk: where each table's files go, atomic writes, the run lock, commit.

Layout::

    LAKE/<table>/run=<run_id>/part-<shard>.parquet   facts, one directory per run
    LAKE/<table>/compact=<stamp>/part-<n>.parquet    older runs' rows, compacted (flows.compact)
    LAKE/manifest/run=<run_id>/part-<shard>.parquet  the inputs the run examined (flows.manifest)
    LAKE/runs/run=<run_id>/part-00000.parquet        written last: the commit record
    LAKE/_staging/<run_id>/<table>/...               a run in progress (never read by views)
    LAKE/copydesk.duckdb                             a DuckDB database holding the views
    LAKE/.lock                                       held by the run that writes

A run stages everything under ``_staging``, moves each table's directory into place,
then writes its ``runs`` row. Views read only runs that have a ``runs`` row, so a crash
at any moment leaves the lake as it was; the next run sweeps the leftovers away.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import time
from collections.abc import Collection, Iterator
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from flows import manifest
from flows.commands import remedy
from flows.parquet import write_parquet
from schemas import all_tables
from schemas.tables import TABLES
from schemas.views import catalog_fingerprint, sql_string, view_name, view_statements

DATABASE_NAME = "copydesk.duckdb"
# LAKE/copydesk.duckdb's storage format: readable by DuckDB 1.4 and every later client.
CATALOG_STORAGE = "v1.4.0"
# The lakes whose lock this process holds (so an interrupt knows whose staging is its own).
HELD_LOCKS: set[Path] = set()


class LakeError(Exception):
    """The lake cannot be used: the message says what and what to do."""


# Test hook: with COPYDESK_TEST_PAUSE_AT=<point>, a run stops at that point (it touches
# COPYDESK_TEST_PAUSE_FILE, then sleeps) so a test can kill it there. Points, in order:
# process (a shard has staged its files), consolidate (decisions staged), publish (before
# anything moves), commit (tables moved in, runs row not yet written), committed (runs row
# written, staging not yet removed); in flows.compact (COMPACT_PAUSE_POINTS), compact (a table's compacted copy
# built, nothing exchanged yet) and compact-next (a later table built, earlier ones exchanged).
# Unset in normal use: the check is one dict lookup.
PAUSE_POINTS = ("process", "consolidate", "publish", "commit", "committed")
COMPACT_PAUSE_POINTS = ("compact", "compact-next")


def pause_point(point: str) -> None:
    """Sleep here when ``COPYDESK_TEST_PAUSE_AT`` names ``point`` (see ``PAUSE_POINTS``)."""
    if os.environ.get("COPYDESK_TEST_PAUSE_AT") != point:
        return
    marker = os.environ.get("COPYDESK_TEST_PAUSE_FILE")
    if marker:
        Path(marker).write_text(f"{point} {os.getpid()}\n")
    time.sleep(float(os.environ.get("COPYDESK_TEST_PAUSE_SECONDS", "300")))


class Lake:
    """One lake directory."""

    def __init__(self, root: str | Path):
        self.root = Path(root).absolute()

    # ---- paths -------------------------------------------------------------------------
    def table_dir(self, table: str) -> Path:
        return self.root / table

    def run_dir(self, table: str, run_id: str) -> Path:
        return self.root / table / f"run={run_id}"

    def staging_dir(self, run_id: str) -> Path:
        return self.root / "_staging" / run_id

    def staged_file(self, run_id: str, table: str, shard: int) -> Path:
        return self.staging_dir(run_id) / table / f"part-{shard:05d}.parquet"

    def clear_staged_shard(self, run_id: str, shard: int) -> None:
        """Remove a shard's staged part files of every table (before a retry writes them again)."""
        for path in self.staging_dir(run_id).glob(f"*/part-{shard:05d}.parquet"):
            path.unlink(missing_ok=True)

    @property
    def database(self) -> Path:
        return self.root / DATABASE_NAME

    def exists(self) -> bool:
        return self.root.is_dir()

    # ---- checks --------------------------------------------------------------------------
    def ensure_writable(self) -> None:
        """Create the lake directory, or say in one line why it cannot be written."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".write-probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise LakeError(
                f"lake {self.root} is not writable ({exc.strerror or exc}); "
                "choose another LAKE= or fix its permissions"
            ) from None

    # ---- locking -------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, wait_seconds: float = 0.0) -> Iterator[None]:
        """Hold the lake's write lock. A second writer waits ``wait_seconds``, then fails
        with a message naming the holder. The OS releases the lock if the holder dies."""
        self.ensure_writable()
        path = self.root / ".lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait_seconds
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
                        raise LakeError(
                            f"another copydesk run is writing to {self.root} ({holder or 'unknown'}); "
                            "wait for it to finish, or pass a longer LOCK_WAIT="
                        ) from None
                    time.sleep(0.5)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} on {os.uname().nodename}".encode(), 0)
            HELD_LOCKS.add(self.root)
            yield
        finally:
            HELD_LOCKS.discard(self.root)
            os.close(fd)

    def check_unlocked(self) -> None:
        """Raise the lock's ``LakeError`` now if another run holds the lock (a quick probe
        before a run pays for starting; the run itself takes the lock for real)."""
        with self.lock(wait_seconds=0.0):
            pass

    def table_dirs(self) -> list[Path]:
        """Every table directory in the lake (facts and decisions), not staging."""
        if not self.root.is_dir():
            return []
        return [d for d in self.root.iterdir() if d.is_dir() and not d.name.startswith(("_", "."))]

    # ---- commit ----------------------------------------------------------------------------
    def committed_runs(self) -> set[str]:
        """Runs with a ``runs`` row: in a directory of its own, or in a compacted file."""
        runs = self.table_dir("runs")
        if not runs.is_dir():
            return set()
        committed = {
            d.name.removeprefix("run=")
            for d in runs.iterdir()
            if d.name.startswith("run=") and (d / "part-00000.parquet").exists()
        }
        for path in self.compacted_files("runs"):
            committed.update(pq.read_table(path, columns=["run_id"]).column("run_id").to_pylist())
        return committed

    def compacted_files(self, table: str) -> list[Path]:
        """The table's files that ``flows.compact`` wrote (rows of committed runs only), sorted."""
        return sorted(self.table_dir(table).glob("compact=*/*.parquet"))

    def committed_files(self, table: str, committed: set[str] | None = None) -> list[str]:
        """The table's Parquet files of committed runs (``committed``, default the lake's), sorted;
        compacted files included (they hold committed runs only)."""
        committed = self.committed_runs() if committed is None else committed
        return [str(p) for p in self.compacted_files(table)] + [
            str(p)
            for p in sorted(self.table_dir(table).glob("run=*/*.parquet"))
            if p.parent.name.removeprefix("run=") in committed
        ]

    def sweep(self) -> list[Path]:
        """Remove what crashed runs left: staging directories and table directories of runs
        that never wrote their ``runs`` row. Call with the lock held."""
        removed: list[Path] = []
        committed = self.committed_runs()
        staging = self.root / "_staging"
        if staging.is_dir():
            for d in staging.iterdir():
                shutil.rmtree(d, ignore_errors=True)
                removed.append(d)
        for tdir in self.table_dirs():
            for d in tdir.iterdir():
                if d.name.startswith("run=") and d.name.removeprefix("run=") not in committed:
                    shutil.rmtree(d, ignore_errors=True)
                    removed.append(d)
        return removed

    def commit(self, run_id: str, runs_row: dict, catalog: bool = True) -> None:
        """Move the staged tables into place, then write the ``runs`` row (the commit point);
        then bring the catalog up to date (``ensure_database``), unless the caller does it
        (``catalog=False``: the flow writes it while its report goes out)."""
        staging = self.staging_dir(run_id)
        # Every staged table (facts and decisions alike) moves in; runs is written last.
        for src in sorted(staging.iterdir()) if staging.is_dir() else []:
            if src.is_dir() and src.name != "runs":
                dst = self.run_dir(src.name, run_id)
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
        pause_point("commit")
        write_parquet([runs_row], TABLES["runs"], self.run_dir("runs", run_id) / "part-00000.parquet")
        pause_point("committed")
        shutil.rmtree(staging, ignore_errors=True)
        if catalog:
            self.ensure_database()

    # ---- DuckDB ----------------------------------------------------------------------------
    def tables_with_files(self) -> set[str]:
        return {t for t in all_tables() if any(self.table_dir(t).glob("*/*.parquet"))}

    def view_sql(self) -> list[str]:
        return view_statements(str(self.root), self.tables_with_files(), manifest.view_statements)

    def connect(self, views: Collection[str] | None = None) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with the lake's views (read-only use); only those
        named in ``views`` when given (each with the views it reads, which the caller
        names too: ``runs`` for the decision tables). Binding a view reads the footers of
        its files, which DuckDB keeps: a caller that needs two views binds two.

        A damaged file breaks only the views that read it: such a view answers every
        query with an error that says so and what to run; the others keep working.
        """
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        statements = self.view_sql()
        if views is not None:
            statements = [s for s in statements if view_name(s) in views]
        for statement in statements:
            try:
                con.execute(statement)
            except duckdb.Error as exc:
                con.execute(broken_view(statement, exc, self.root))
        return con

    def refresh_database(self, statements: list[str] | None = None) -> Path:
        """(Re)write ``LAKE/copydesk.duckdb`` holding the views (``statements``, default
        ``view_sql()``), atomically (a temporary file, then a rename), so that ``duckdb
        LAKE/copydesk.duckdb`` works without copydesk. Each view carries the catalog's
        fingerprint as its comment (``catalog_comment``), for ``ensure_database``."""
        statements = self.view_sql() if statements is None else statements
        comment = catalog_comment(catalog_fingerprint(statements))
        tmp = self.root / f".{DATABASE_NAME}.tmp-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        try:
            con = duckdb.connect()
            try:
                # The oldest storage format that holds views: DuckDB 1.4 and later open it,
                # the CLI from PyPI (duckdb-cli) included, which cannot read the default one.
                con.execute(f"ATTACH {sql_string(str(tmp))} AS catalog (STORAGE_VERSION '{CATALOG_STORAGE}')")
                con.execute("USE catalog")
                for statement in statements:
                    con.execute(statement)
                for statement in statements:
                    con.execute(f"COMMENT ON VIEW {view_name(statement)} IS {sql_string(comment)}")
                con.execute("USE memory")
                con.execute("DETACH catalog")
            finally:
                con.close()
            os.replace(tmp, self.database)
        except BaseException:
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
            raise
        return self.database

    def ensure_database(self) -> Path:
        """``LAKE/copydesk.duckdb`` as ``refresh_database`` would write it now: rewritten
        only when missing, unreadable, or built from other views (other tables with files,
        other schemas, another DuckDB), which a run that adds no table rarely makes it.
        Every run that ends calls it, one with nothing new included."""
        statements = self.view_sql()
        expected = catalog_comment(catalog_fingerprint(statements))
        if self._database_views() != {view_name(s): expected for s in statements}:
            self.refresh_database(statements)
        return self.database

    def _database_views(self) -> dict[str, str | None] | None:
        """``{view: comment}`` of ``LAKE/copydesk.duckdb``, or None when it cannot be read."""
        if not self.database.is_file():
            return None
        try:
            con = duckdb.connect(str(self.database), read_only=True)
            try:
                return dict(con.execute(
                    "SELECT view_name, comment FROM duckdb_views() "
                    "WHERE NOT internal AND database_name = current_database()").fetchall())
            finally:
                con.close()
        except duckdb.Error:
            return None


def catalog_comment(fingerprint: str) -> str:
    """The comment each view of ``LAKE/copydesk.duckdb`` carries."""
    return f"copydesk views {fingerprint}"


# ---- object stores -----------------------------------------------------------------------
# A lake at a URL (``s3://bucket/lake``, or any fsspec protocol) is a published copy: runs
# write to a lake on a local or shared filesystem (renames there are atomic, flock works),
# and ``publish_to_store`` uploads each committed run, its data files first and its ``runs``
# row last. An object store has no atomic rename, but it needs none: the views read only
# runs whose ``runs`` row exists, so a reader of the store never sees a half-uploaded run,
# and the next upload completes it. Credentials and endpoint come from the environment
# (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL for an S3-compatible server).


def broken_view(statement: str, exc: Exception, root: Path | str) -> str:
    """A ``CREATE VIEW`` for a view whose statement failed: it keeps the name and raises,
    when queried, the reason and the command that finds the damaged file."""
    name = view_name(statement)
    reason = str(exc).splitlines()[0]
    message = (f"view {name} cannot read the lake ({reason}); "
               f"run `{remedy('verify', lake=root)}` to find the damaged file and what to do")
    # The WHERE clause raises too, so that even count(*), which reads no column, fails.
    raised = f"error({sql_string(message)})"
    return f"CREATE OR REPLACE VIEW {name} AS SELECT {raised} AS damaged FROM range(1) WHERE {raised} IS NULL"


def is_url(location: str | Path) -> bool:
    """True for an object-store URL (``s3://...``), False for a filesystem path.

    >>> is_url("s3://news/lake"), is_url("data/lake")
    (True, False)
    """
    return "://" in str(location)


class StoreLake:
    """A lake at an fsspec URL, for reading: its committed runs and DuckDB views.

    DuckDB reads it through the fsspec filesystem registered on the connection, not its
    own httpfs extension, which is not bundled and would have to be downloaded.
    """

    def __init__(self, url: str):
        # Here, not at the top: only a lake at a URL needs fsspec (and its protocol's package).
        import fsspec

        self.url = url.rstrip("/")
        self.fs, self.path = fsspec.core.url_to_fs(self.url)
        self.fs.invalidate_cache()  # fsspec reuses instances: never trust an old listing

    def _files(self) -> list[str]:
        """Every Parquet file under the lake, as paths relative to it."""
        if not self.fs.exists(self.path):
            return []
        prefix = self.path.rstrip("/") + "/"
        return [f.removeprefix(prefix) for f in self.fs.find(self.path) if f.endswith(".parquet")]

    def exists(self) -> bool:
        return self.fs.exists(f"{self.path}/runs")

    def committed_runs(self) -> set[str]:
        return {
            f.split("/")[1].removeprefix("run=")
            for f in self._files()
            if f.startswith("runs/run=") and f.endswith("/part-00000.parquet")
        }

    def tables_with_files(self) -> set[str]:
        tables = all_tables()
        return {f.split("/")[0] for f in self._files() if "/run=" in f and f.split("/")[0] in tables}

    def connect(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with the lake's views, reading the store."""
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.register_filesystem(self.fs)
        for statement in view_statements(self.url, self.tables_with_files(), manifest.view_statements):
            con.execute(statement)
        return con


def open_lake(location: str | Path) -> Lake | StoreLake:
    """The lake at a path (``Lake``) or an object-store URL (``StoreLake``, read-only)."""
    return StoreLake(str(location)) if is_url(location) else Lake(location)


def publish_to_store(lake: Lake, url: str) -> list[str]:
    """Upload every committed run of ``lake`` that the store at ``url`` lacks, oldest first:
    all its table files, then its ``runs`` row. Returns the run ids uploaded.

    Idempotent: a run whose upload was cut short has no ``runs`` row in the store, so the
    next call uploads it again, file by file, overwriting what is there.
    """
    store = StoreLake(url)
    done = store.committed_runs()
    uploaded: list[str] = []
    for run_id in sorted(lake.committed_runs() - done):
        for table_dir in sorted(lake.table_dirs()):
            if table_dir.name == "runs":
                continue
            for file in sorted(lake.run_dir(table_dir.name, run_id).glob("*.parquet")):
                store.fs.put_file(str(file), f"{store.path}/{table_dir.name}/run={run_id}/{file.name}")
        runs_row = lake.run_dir("runs", run_id) / "part-00000.parquet"
        store.fs.put_file(str(runs_row), f"{store.path}/runs/run={run_id}/part-00000.parquet")
        uploaded.append(run_id)
    return uploaded
