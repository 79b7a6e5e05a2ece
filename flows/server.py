"""Start, check and stop the project's local Prefect server on 127.0.0.1.

``make run`` uses it so that the flow and every worker process talk to one API server
(reused across runs, with runs and artifacts in its UI) instead of each process
starting a temporary server of its own. State lives in ``PREFECT_HOME`` (``.prefect/``
in the project), never in the user's ``~/.prefect``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

HOST = "127.0.0.1"


def api_url(port: int) -> str:
    return f"http://{HOST}:{port}/api"


def healthy(port: int, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(api_url(port) + "/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def start(port: int, wait_seconds: float = 60.0) -> None:
    if healthy(port):
        return
    prefect = os.path.join(os.path.dirname(sys.executable), "prefect")
    log = os.path.join(os.environ.get("PREFECT_HOME", ".prefect"), "server.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    print(f"starting Prefect server on http://{HOST}:{port} (log: {log})", file=sys.stderr)
    with open(log, "ab") as out:
        subprocess.run(
            [prefect, "server", "start", "--background", "--host", HOST, "--port", str(port),
             "--analytics-off"],
            stdout=out, stderr=subprocess.STDOUT, check=False,
        )
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if healthy(port):
            return
        time.sleep(0.3)
    raise SystemExit(
        f"copydesk: the Prefect server did not come up on {HOST}:{port} within "
        f"{wait_seconds:.0f}s; see {log}, or free the port and set PREFECT_PORT="
    )


def stop() -> None:
    prefect = os.path.join(os.path.dirname(sys.executable), "prefect")
    subprocess.run([prefect, "server", "stop"], check=False)


if __name__ == "__main__":
    port = int(os.environ.get("PREFECT_PORT", "4200"))
    action = sys.argv[1] if len(sys.argv) > 1 else "start"
    if action == "start":
        start(port)
        print(f"Prefect server up: UI http://{HOST}:{port}", file=sys.stderr)
    elif action == "stop":
        stop()
    elif action == "status":
        print("up" if healthy(port) else "down")
    else:
        raise SystemExit("usage: python -m flows.server start|stop|status")
