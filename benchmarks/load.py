"""HTTP load on loopback: gunicorn serving a benchmark database, a bounded load from wrk.

    python -m benchmarks.load --db sqlite:////tmp/marac_area.db
    python -m benchmarks.load --db postgresql+psycopg://postgres@127.0.0.1/marac_bench --two-servers

Starts gunicorn on 127.0.0.1 (its own processes), then runs wrk (`apt-get install wrk`) with
`--connections` connections, first on the bare route (/healthz), then on a mixed signed-in
workload (dashboards, case pages, action lists, caseload, the IDVA team, referral list, meeting
page; each connection one user), then on that mix with two steering users reloading the
national reports dashboard and someone downloading the meeting's case list PDF over and over
(the "busy" part), each for `--seconds`. Meanwhile a chair on a connection of their own loads
the meeting page one request after another: its p50/p99 in the mixed and busy parts are what a
coordinator at the meeting sees. Reports requests per second, p50/p99, the requests that did not
answer 200, and the workers' memory. With
--two-servers (PostgreSQL): a second gunicorn on another port, a session signed in on one used
on the other, and `flask marac run-jobs` started by two processes at once (each job runs once).
Everything stops by itself; only loopback is used.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

from benchmarks import synthetic
from models.clock import uk_today
from models.jobs import JobRun

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
PYTHON = sys.executable
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
USERS = ["coordinator", "police", "idva1", "chair", "idvamanager", "housing", "health", "children"]


def environment(url):
    return {
        **os.environ,
        "MARAC_CONFIG": "development",
        "DATABASE_URL": url,
        "LOGIN_RATE_LIMIT": "10000 per minute",
        "SCHEDULER_IN_PROCESS": "0",
        "MAIL_BACKEND": "console",
    }


def start_gunicorn(url, port, workers, threads):
    """gunicorn as production runs it (threaded workers, gunicorn.conf.py), on loopback."""
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [PYTHON, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{port}"]
        + ["--log-level", "warning", "wsgi:app"],
        cwd=ROOT,
        env=environment(url),
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise RuntimeError("gunicorn did not start")


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # the group of the gunicorn this script started
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def worker_memory_mb(process):
    """RSS of the gunicorn master's children (the workers), in MB."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    sizes = []
    for child in children:
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


class Client:
    """One connection with its own cookie: signs in, and checks what two servers share."""

    def __init__(self, port):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = None

    def request(self, method, path, body=None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(body)
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()  # the server closes the connection
        return response.status, data.decode("utf-8", "replace")

    def sign_in(self, email):
        _status, html = self.request("GET", "/auth/login")
        token = CSRF.search(html).group(1)
        status, _ = self.request(
            "POST", "/auth/login", {"email": email, "password": synthetic.PASSWORD, "csrf_token": token}
        )
        assert status == 302, (email, status)


# wrk runs one Lua state per thread; with one connection per thread, each connection is one
# signed-in user taking its own paths in turn.
WRK_SCRIPT = """
local plans = %(plans)s
local next_id = 1
local threads = {}
local statuses = {}

function setup(thread)
  thread:set("id", next_id)
  table.insert(threads, thread)
  next_id = next_id + 1
end

function init(args)
  plan = plans[id]
  sent = 0
  bad = 0
end

function request()
  local path = plan.paths[(sent %% #plan.paths) + 1]
  sent = sent + 1
  local headers = {}
  if plan.cookie ~= "" then headers["Cookie"] = plan.cookie end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local bad_total = 0
  for _, thread in ipairs(threads) do bad_total = bad_total + thread:get("bad") end
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%.3f, "p50_ms": %%.2f, "p99_ms": %%.2f, "bad_status": %%d, ' ..
    '"socket_errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    bad_total, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def _lua(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_load(port, connections, paths_for, *, seconds, sign_in, users=None, probe=None):
    """wrk for `seconds`, one connection per thread; `paths_for(i)` gives connection i's paths,
    taken in turn, and `users[i]` (by default the area's USERS in turn) whose they are. `probe`:
    a path that one more signed-in user (the chair) loads one request after another meanwhile;
    its latencies are returned as result["probe"]."""
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("The HTTP load needs wrk: apt-get install wrk")
    users = users or [synthetic.user_email(USERS[i % len(USERS)], 1) for i in range(connections)]
    plans = []
    for i in range(connections):
        cookie = ""
        if sign_in:
            client = Client(port)
            client.sign_in(users[i])
            cookie = client.cookie
        paths = ", ".join(_lua(path) for path in paths_for(i))
        plans.append(f"{{cookie = {_lua(cookie)}, paths = {{{paths}}}}}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % {"plans": "{" + ", ".join(plans) + "}"})
    prober = Probe(port, probe) if probe else None
    try:
        output = subprocess.run(  # noqa: S603 (wrk on loopback, our own script)
            [wrk, "-t", str(connections), "-c", str(connections), "-d", f"{seconds:.0f}s", "--timeout", "10s"]
            + ["-s", script.name, f"http://127.0.0.1:{port}/"],
            check=True,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        os.unlink(script.name)
        if prober:
            prober.stop()
    result = json.loads(output.split("RESULT ", 1)[1].splitlines()[0])
    result["rps"] = round(result["requests"] / result["seconds"], 1)
    result["errors"] = result["bad_status"] + result["socket_errors"]
    if prober:
        result["probe"] = prober.summary()
    return result


class Probe(threading.Thread):
    """The chair, loading one page one request after another while the load runs."""

    def __init__(self, port, path):
        super().__init__(daemon=True)
        self.client = Client(port)
        self.client.sign_in(synthetic.user_email("chair", 1))
        self.path = path
        self.times, self.bad = [], 0
        self.stopping = threading.Event()
        self.start()

    def run(self):
        while not self.stopping.is_set():
            started = time.perf_counter()
            status, _ = self.client.request("GET", self.path)
            self.times.append((time.perf_counter() - started) * 1000)
            self.bad += status != 200

    def stop(self):
        self.stopping.set()
        self.join(30)

    def summary(self):
        ordered = sorted(self.times)
        return {
            "path": "the meeting page",
            "requests": len(ordered),
            "p50_ms": round(statistics.median(ordered), 1) if ordered else None,
            "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 1) if ordered else None,
            "bad_status": self.bad,
        }


def busy_users(connections):
    """The mixed load's users, then two national steering users and a coordinator downloading PDFs."""
    area = [synthetic.user_email(USERS[i % len(USERS)], 1) for i in range(connections)]
    return area + [synthetic.user_email("steering")] * 2 + [synthetic.user_email("coordinator", 1)]


def busy_paths(facts, connections):
    """mixed_paths, and for the three users busy_users adds: the reports dashboard, the case list PDF."""
    mixed = mixed_paths(facts)
    pdf = f"/meetings/{facts['published']}/case-list.pdf"

    def paths_for(i):
        if i < connections:
            return mixed(i)
        return ["/reports/"] if i < connections + 2 else [pdf]

    return paths_for


def mixed_paths(facts):
    """Each user's pages, each one the user may see (a refusal would be measured as a page)."""
    cases = facts["cases"]

    def paths_for(i):
        user = USERS[i % len(USERS)]
        case = f"/cases/{cases[i % len(cases)]}"
        return {
            "coordinator": ["/", case, "/referrals", f"/meetings/{facts['published']}", "/actions/"],
            "police": ["/", case, "/actions/", "/referrals"],
            "idva1": ["/", f"/cases/{facts['idva_case']}", "/caseload/"],
            "chair": ["/", f"/meetings/{facts['published']}"],
            "idvamanager": ["/", case, "/caseload/team"],
        }.get(user, ["/", "/actions/"])

    return paths_for


def facts_for(url):
    """What the load asks for, once the dashboard's summary tables are built (as the nightly job would)."""
    from benchmarks.run import pick
    from benchmarks.seed import app_for, build_figures

    app = app_for(url)
    build_figures(app)
    return pick(app)


def two_servers(url, workers, threads):
    """A session made on one app server works on the other; the scheduler runs each job once."""
    first = start_gunicorn(url, 8101, workers, threads)
    second = start_gunicorn(url, 8102, workers, threads)
    try:
        client = Client(8101)
        client.sign_in(synthetic.user_email("coordinator", 1))
        other = Client(8102)
        other.cookie = client.cookie
        status, html = other.request("GET", "/")
        shared = status == 200 and "Sign out" in html
        # Sign out on the second: the first refuses the cookie from then on.
        token = CSRF.search(html).group(1) if shared else ""
        other.request("POST", "/auth/logout", {"csrf_token": token})
        status_after, _ = client.request("GET", "/")
    finally:
        stop(first)
        stop(second)
    # Next Monday morning: every job has come due since its last run (the weekly ones too), with
    # a week's real work; a far future date would make every open action in the country overdue.
    today = uk_today()
    moment = f"{(today + timedelta(days=7 - today.weekday())).isoformat()}T08:00"
    env = environment(url)
    started = datetime.now(UTC) - timedelta(seconds=1)
    runs = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [PYTHON, "-m", "flask", "--app", "wsgi:app", "marac", "run-jobs", "--at", moment],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        claimed = connection.execute(
            sa.select(JobRun.job, sa.func.count()).where(JobRun.started_at >= started).group_by(JobRun.job)
        ).all()
    engine.dispose()
    return {
        "session_shared_across_servers": shared,
        "signed_out_on_one_refused_on_other": status_after == 302,
        "run_jobs_outputs": [out.strip().splitlines()[-6:] for out in outputs],
        "job_runs_per_job": {job: count for job, count in claimed},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--scale", default="area")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="per worker (gunicorn.conf.py's default)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30, help="how long each part runs")
    parser.add_argument("--two-servers", action="store_true")
    args = parser.parse_args()
    facts = facts_for(args.db)
    server = start_gunicorn(args.db, 8100, args.workers, args.threads)
    try:
        bare = run_load(8100, args.connections, lambda i: ["/healthz"], seconds=args.seconds, sign_in=False)
        print("bare /healthz", bare, flush=True)
        meeting = f"/meetings/{facts['published']}"
        mixed = run_load(8100, args.connections, mixed_paths(facts), seconds=args.seconds, sign_in=True, probe=meeting)
        print("mixed signed-in", mixed, flush=True)
        busy = run_load(
            8100,
            args.connections + 3,
            busy_paths(facts, args.connections),
            seconds=args.seconds,
            sign_in=True,
            users=busy_users(args.connections),
            probe=meeting,
        )
        print("busy: the mix, two steering users and a PDF downloader", busy, flush=True)
        memory = worker_memory_mb(server)
    finally:
        stop(server)
    result = {
        "database": args.db.split(":")[0],
        "scale": args.scale,
        "workers": args.workers,
        "threads": args.threads,
        "connections": args.connections,
        "bare": bare,
        "mixed": mixed,
        "mixed_share_of_bare_rps": round(mixed["rps"] / bare["rps"], 3),
        "busy": busy,
        "meeting_page_p99_ms": {"mixed": mixed["probe"]["p99_ms"], "busy": busy["probe"]["p99_ms"]},
        "worker_rss_mb": [round(size, 1) for size in memory],
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    if args.two_servers:
        result["two_servers"] = two_servers(args.db, args.workers, args.threads)
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    name = "postgresql" if args.db.startswith("postgresql") else "sqlite"
    (RESULTS / f"load-{args.scale}-{name}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
