"""A lake published to an S3-compatible server (moto on 127.0.0.1) and queried there:
each committed run is uploaded data first, ``runs`` row last, so a half-uploaded run is
invisible and the next upload completes it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from flows.lake import Lake, StoreLake, publish_to_store
from tests.conftest import ROOT, SAMPLES
from tests.test_atomic import lake_state
from tests.test_incremental import story, write_jsonl

# Every test here talks to moto's S3 server, a process of its own.
pytestmark = pytest.mark.server

BUCKET = "news"


@pytest.fixture(scope="module")
def s3_server():
    """moto's S3 server on a free port of 127.0.0.1, with the AWS_* environment pointing at it."""
    pytest.importorskip("moto.server")
    pytest.importorskip("s3fs")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    env = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        pytest.fail("moto's S3 server did not start")
                    time.sleep(0.2)
            import fsspec

            fs, _ = fsspec.core.url_to_fs(f"s3://{BUCKET}")
            fs.call_s3("create_bucket", Bucket=BUCKET)
            yield env
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def make_inbox(tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES, inbox)
    write_jsonl(inbox / "feed.jsonl", [story(1, "alpha"), story(2, "beta")], ["{broken"])
    return inbox


def test_run_publishes_to_the_store_and_queries_there(s3_server, run_etl, tmp_path):
    url = f"s3://{BUCKET}/lakes/one"
    inbox = make_inbox(tmp_path)
    first, lake = run_etl(inbox, runner="thread", publish_to=url)
    store = StoreLake(url)
    assert store.committed_runs() == {first.run_id}
    assert lake_state(store) == lake_state(lake)
    assert lake_state(store)["rejects"]

    # A changed input: the next run's rows replace the old ones in the store too.
    write_jsonl(inbox / "feed.jsonl", [story(1, "alpha"), story(3, "gamma")])
    second, lake = run_etl(inbox, lake=lake.root, runner="thread", publish_to=url)
    store = StoreLake(url)
    assert store.committed_runs() == {first.run_id, second.run_id}
    assert lake_state(store) == lake_state(lake)
    con = store.connect()
    ids = {r[0] for r in con.execute("select source_id from articles_all where source_id is not null").fetchall()}
    assert ids == {"s1", "s3"}


def test_half_uploaded_run_is_invisible_until_the_next_upload(s3_server, run_etl, tmp_path):
    url = f"s3://{BUCKET}/lakes/two"
    inbox = make_inbox(tmp_path)
    first, lake = run_etl(inbox, runner="thread", publish_to=url)
    published = lake_state(StoreLake(url))
    write_jsonl(inbox / "feed.jsonl", [story(4, "delta")])
    second, lake = run_etl(inbox, lake=lake.root, runner="thread")  # committed here, not uploaded

    # An upload cut short: the second run's data is in the store, its runs row is not.
    store = StoreLake(url)
    for file in sorted(lake.root.glob(f"*/run={second.run_id}/*.parquet")):
        if file.parent.parent.name != "runs":
            store.fs.put_file(str(file), f"{store.path}/{file.parent.parent.name}/run={second.run_id}/{file.name}")
    assert lake_state(StoreLake(url)) == published

    assert publish_to_store(lake, url) == [second.run_id]
    assert lake_state(StoreLake(url)) == lake_state(lake)
    assert publish_to_store(lake, url) == []


def test_cli_queries_a_lake_in_the_store(s3_server, tmp_path):
    url = f"s3://{BUCKET}/lakes/one"  # published by the first test
    runs = StoreLake(url).committed_runs()
    if not runs:
        pytest.skip("needs the lake test_run_publishes_to_the_store_and_queries_there publishes")
    result = subprocess.run(
        [sys.executable, "-m", "flows.cli", "query", "--lake", url, "select count(*) as n from runs"],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, **s3_server}, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["n", str(len(runs))]
    missing = subprocess.run(
        [sys.executable, "-m", "flows.cli", "query", "--lake", f"s3://{BUCKET}/nothing", "select 1"],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, **s3_server}, timeout=120,
    )
    assert missing.returncode == 2 and "no lake at" in missing.stderr


def test_failed_upload_fails_the_run_clearly_and_the_next_run_uploads(s3_server, run_etl, tmp_path):
    from flows.etl import RunFailed

    url = "s3://late-bucket/lake"  # the bucket does not exist yet
    inbox = make_inbox(tmp_path)
    with pytest.raises(RunFailed) as failure:
        run_etl(inbox, runner="thread", publish_to=url)
    message = str(failure.value)
    assert url in message and "committed" in message and "next run" in message
    lake_root = tmp_path / "lake"
    [run_id] = Lake(lake_root).committed_runs()  # the run itself is committed locally

    StoreLake(url).fs.call_s3("create_bucket", Bucket="late-bucket")
    again, lake = run_etl(inbox, lake=lake_root, runner="thread", publish_to=url)
    assert not again.committed  # nothing new to read, but the upload went through
    assert StoreLake(url).committed_runs() == {run_id}
    assert lake_state(StoreLake(url)) == lake_state(lake)
