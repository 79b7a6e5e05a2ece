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

from flows.commands import remedy

HOST = "127.0.0.1"


def api_url(port: int) -> str:
    return f"http://{HOST}:{port}/api"


def healthy(port: int, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(api_url(port) + "/health", timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def home() -> str:
    return os.environ.get("PREFECT_HOME", ".prefect")


def pid_file() -> str:
    """Where ``prefect server start --background`` writes the server's PID, and where
    ``prefect server stop`` reads it: ``PREFECT_HOME/server.pid``."""
    return os.path.join(home(), "server.pid")


def server_pid() -> int | None:
    """The PID in the server's PID file when that process is alive."""
    try:
        with open(pid_file()) as f:
            pid = int(f.read().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def port_file() -> str:
    """Where ``start`` records the port its server listens on (``PREFECT_HOME/server.port``)."""
    return os.path.join(home(), "server.port")


def running_port() -> int | None:
    """The port of the server started from this ``PREFECT_HOME``, when it is alive."""
    if server_pid() is None:
        return None
    try:
        with open(port_file()) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def server_env(port: int) -> dict[str, str]:
    """The server's environment: its UI talks to this server's API (without
    ``PREFECT_UI_API_URL`` the UI of a server on any port but 4200 asks 4200's API)."""
    return {**os.environ, "PREFECT_UI_API_URL": api_url(port), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def ensure_api_url() -> str:
    """Export ``PREFECT_API_URL`` (default: the server on ``PREFECT_PORT``) and check the
    server answers. Worker processes inherit the URL: without it each would start a
    temporary server of its own."""
    url = os.environ.get("PREFECT_API_URL") or api_url(int(os.environ.get("PREFECT_PORT", "4200")))
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=5) as response:
            ok = response.status == 200
    except OSError:
        ok = False
    if not ok:
        raise SystemExit(f"copydesk: no Prefect server answers at {url}; start one with `{remedy('server')}`")
    os.environ["PREFECT_API_URL"] = url
    return url


def start(port: int, wait_seconds: float = 60.0) -> None:
    if healthy(port):
        return
    prefect = os.path.join(os.path.dirname(sys.executable), "prefect")
    log = os.path.join(home(), "server.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    other = running_port()
    if server_pid() is not None and other != port:
        # One PREFECT_HOME holds one server's database: a second one would not start.
        where = f"on port {other}" if other else "on another port"
        raise SystemExit(
            f"copydesk: the Prefect server of {home()} already runs {where} (pid {server_pid()}); "
            f"use PREFECT_PORT={other or '<its port>'}, or stop it first (`{remedy('stop')}`)"
        )
    if os.path.exists(pid_file()) and server_pid() is None:
        # A server that died (reboot, kill -9) leaves its PID file, and
        # `prefect server start --background` refuses to start while it exists.
        os.unlink(pid_file())
    print(f"starting Prefect server on http://{HOST}:{port} (log: {log})", file=sys.stderr)
    with open(log, "ab") as out:
        subprocess.run(
            [prefect, "server", "start", "--background", "--host", HOST, "--port", str(port),
             "--analytics-off"],
            stdout=out, stderr=subprocess.STDOUT, check=False, env=server_env(port),
        )
    with open(port_file(), "w") as f:
        f.write(f"{port}\n")
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if healthy(port):
            return
        time.sleep(0.3)
    raise SystemExit(
        f"copydesk: the Prefect server did not come up on {HOST}:{port} within "
        f"{wait_seconds:.0f}s; see {log}, or free the port and set PREFECT_PORT="
    )


def stop(wait_seconds: float = 15.0) -> None:
    """Stop the background server by the PID in its PID file (``prefect server stop``
    sends it SIGTERM), and wait until its port is free."""
    pid = server_pid()
    prefect = os.path.join(os.path.dirname(sys.executable), "prefect")
    subprocess.run([prefect, "server", "stop"], check=False, stdout=subprocess.DEVNULL)
    if pid is None:
        print("no Prefect server running in the background", file=sys.stderr)
        return
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            print(f"Prefect server stopped (pid {pid})", file=sys.stderr)
            return
        time.sleep(0.2)
    print(f"copydesk: the Prefect server (pid {pid}) is still running after {wait_seconds:.0f}s", file=sys.stderr)


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
