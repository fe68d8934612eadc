"""The app as it runs for real, for the tests that drive it over HTTP (the browser tests, the API
contract tests): `flask` commands in a process of their own, and gunicorn on loopback."""

import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def flask_command(env, *args):
    """`flask ARGS` in the project with this environment; the finished process (its output in
    `.stdout`), or RuntimeError with the end of its errors."""
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return done


@contextmanager
def gunicorn(env, log_path, seconds=30):
    """wsgi:app under gunicorn (two workers) with this environment, on a free loopback port: yields
    its base URL once /healthz answers, and stops it at the end. Its errors go to `log_path`."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            _wait_until_up(f"{base_url}/healthz", server, log_path, seconds)
            yield base_url
        finally:
            server.terminate()
            server.wait(timeout=10)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url, process, log_path, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {Path(log_path).read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback only)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start in time")
