"""Benchmark the calculator as its users feel it: latency under the production command.

Run from the repository root:  .venv/bin/python tests/bench/run.py [--duration 10]

It starts the README's production command (gunicorn, 2 sync workers, --preload) on a free port
of 127.0.0.1, warms it up (a second of each wrk load), then measures with wrk, at 8 connections
for --duration seconds each, the result page (form POSTs of a typical case to /) and the API
(the same case as JSON to API_PATH); then a lecture hall's burst (200 result-page POSTs from 50
threads released at once, each with its own session and CSRF token); then the result page's
weight as a browser downloads it through nginx (deploy/nginx.conf, gzip); it also checks that
every request got a right answer and that no worker's memory grew by more than 5 %. Beside each
load it prints gunicorn's CPU time per request and the CPUs other work kept busy (latencies on a
busy machine say little). It prints a table of targets and exits 0 when all are met, 1 when one
is missed or the benchmark cannot run, 2 when wrk or nginx is missing. gunicorn is always
stopped. Speed targets are checked here, never by timed tests.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gzip
import http.client
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LUA = HERE / "load.lua"

API_PATH = "/api/v3/assess"  # the one place to change when the API moves

# A typical case: anti-Jo-1 with anti-Ro52, progressive fibrotic ILD, lung function a year
# apart and a few blood tests.
TYPICAL: dict[str, Any] = {
    "age_at_onset": 64,
    "myositis": "present",
    "respiratory_muscle_weakness": "absent",
    "anti_jo1": "positive",
    "other_ars_antibody": "not_tested",
    "anti_mda5": "negative",
    "anti_ro52": "positive",
    "ild": "present",
    "ild_course": "progressive",
    "hrct_extent": "extensive",
    "fvc_percent_predicted": 62,
    "dlco_percent_predicted": 48,
    "respiratory_failure": "absent",
    "pulmonary_hypertension": "not_found",
    "fibrosis_on_ct": "present",
    "symptoms_worse_past_year": "yes",
    "fvc_percent_predicted_year_before": 68,
    "dlco_percent_predicted_year_before": 55,
    "ct_progression_past_year": "unknown",
    "crp_mg_per_l": 14,
    "kl6_u_per_ml": 1250,
    "ferritin_ng_per_ml": 420,
    "diagnostic_delay_months": 9,
    "malignancy": "none_found",
}
# The form takes CRP with its unit: the same 14 mg/L, typed in mg/dL.
TYPICAL_FORM_CHANGES = {"crp_mg_per_l": "1.4", "crp_mg_per_l_unit": "mg_per_dl"}
PAGE_MARKER = "<title>Result for these answers"  # a result page, not the form again
API_MARKER = '"derived":'  # in every assessment, never in an error

CONNECTIONS = 8
WARMUP_S = 1
BURST_CLIENTS = 50
BURST_REQUESTS = 200
PAGE_P99_MS = 30.0
API_P99_MS = 10.0
BURST_P99_MS = 500.0
PAGE_LIMIT = 40 * 1024  # bytes transferred: the page and what it loads, compressed
MEMORY_GROWTH = 5.0  # per cent, per worker, from after the warm-up to the end
NOISY_CPUS = 0.25  # CPUs busy with other work beyond which the latencies say little


class BenchError(RuntimeError):
    """The benchmark cannot go on: a server did not start or answered wrongly."""


# --------------------------------------------------------------------------- the server


def die_with_parent() -> None:
    """In a child before exec: ask the kernel for SIGTERM should this script die."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Server:
    """The README's production command on a free port of 127.0.0.1, started by this script."""

    def __init__(self, env: dict[str, str]) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log = tempfile.TemporaryFile()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> None:
        """Start gunicorn; wait until /healthz answers 200 and both workers run, or raise."""
        command = [sys.executable, "-m", "gunicorn", "--preload", "--workers", "2"]
        command += ["--bind", f"127.0.0.1:{self.port}", "calculator:create_app()"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
            preexec_fn=die_with_parent,  # only calls prctl
        )
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if fetch(self.url, "GET", "/healthz")[0] == 200 and len(self.workers()) == 2:
                    return
            time.sleep(0.1)
        self.log.seek(0)
        output = self.log.read().decode(errors="replace")[-3000:]
        raise BenchError(f"gunicorn did not start within {timeout:g} s:\n{output}")

    def workers(self) -> list[int]:
        """Return the pids of the master's children: the workers."""
        pid = self.process.pid if self.process else 0
        with contextlib.suppress(OSError):
            return sorted(map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split()))
        return []

    def stop(self) -> None:
        """Stop gunicorn within about 15 s: SIGTERM, then SIGKILL to its process group."""
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        self.log.close()


def rss_kib(pid: int) -> int:
    """Return a process's resident set size in KiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """Return a process's user + system CPU time in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy_cpu_seconds() -> float:
    """Return the machine's busy CPU time in seconds (all CPUs, every state but idle)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def cpu_now(server: Server) -> tuple[float, float]:
    """Return the CPU seconds so far of gunicorn, and of other work on the machine."""
    own = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    script = sum(usage.ru_utime + usage.ru_stime for usage in own)  # wrk runs included
    pids = [server.process.pid, *server.workers()] if server.process else []
    gunicorn = sum(cpu_seconds(pid) for pid in pids)
    return gunicorn, busy_cpu_seconds() - script - gunicorn


def cpu_since(
    server: Server, before: tuple[float, float], began: float, requests: int
) -> tuple[float, float]:
    """Return gunicorn's CPU ms per request, and the CPUs other work kept busy, since began."""
    gunicorn, others = (now - then for now, then in zip(cpu_now(server), before, strict=True))
    return gunicorn * 1000 / max(requests, 1), max(0.0, others) / (time.monotonic() - began)


# --------------------------------------------------------------------------- HTTP


def fetch(
    base: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
    context: ssl.SSLContext | None = None,
) -> tuple[int, http.client.HTTPMessage, bytes]:  # fmt: skip
    """Send one request on a new connection to a local server; return (status, headers, body)."""
    parts = urllib.parse.urlsplit(base)
    if parts.hostname != "127.0.0.1":
        raise BenchError(f"refusing to fetch {base}: only local servers are fetched")
    if context is None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    else:
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=10, context=context
        )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class PageParser(HTMLParser):
    """Collect a page's CSRF token and the URLs it makes a browser load."""

    LOADING_RELS = {"stylesheet", "icon", "preload", "modulepreload", "manifest"}
    SOURCES = {"script", "img", "iframe", "source", "audio", "video", "embed", "track"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.csrf_token: str | None = None
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "input" and a.get("name") == "csrf_token" and self.csrf_token is None:
            self.csrf_token = a.get("value")
        elif tag == "link" and set(a.get("rel", "").lower().split()) & self.LOADING_RELS:
            self.loaded.append(a.get("href", ""))
        elif tag in self.SOURCES and a.get("src"):
            self.loaded.append(a["src"])


def form_session(base: str, context: ssl.SSLContext | None = None) -> tuple[str, str]:
    """GET / once, as a person opens the form: return (CSRF token, Cookie header)."""
    status, headers, page = fetch(base, "GET", "/", context=context)
    parser = PageParser()
    parser.feed(page.decode())
    cookie = (headers["Set-Cookie"] or "").split(";", 1)[0]
    if status != 200 or not parser.csrf_token or not cookie:
        raise BenchError(f"GET / answered {status} without a CSRF token and a session cookie")
    return parser.csrf_token, cookie


@dataclass
class Post:
    """A request a load repeats, and the text every right answer to it contains."""

    path: str
    body: bytes
    headers: dict[str, str]
    marker: str


def page_post(base: str, context: ssl.SSLContext | None = None) -> Post:
    """Return the typical case's form submission, with a session and CSRF token of its own."""
    token, cookie = form_session(base, context)
    fields = {name: str(value) for name, value in TYPICAL.items()}
    body = urllib.parse.urlencode({**fields, **TYPICAL_FORM_CHANGES, "csrf_token": token})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    return Post("/", body.encode(), headers, PAGE_MARKER)


API_POST = Post(
    API_PATH, json.dumps(TYPICAL).encode(), {"Content-Type": "application/json"}, API_MARKER
)


def check(base: str, post: Post) -> str:
    """Send a post once: return '' when its answer is right, else what is wrong."""
    status, _, answer = fetch(base, "POST", post.path, post.body, post.headers)
    if status in (404, 410):
        why = {404: "not found", 410: "gone"}[status]
        return f"POST {post.path} answered {status} ({why}): has it moved? (API_PATH in run.py)"
    if status != 200 or post.marker.encode() not in answer:
        return f"POST {post.path} answered {status} without {post.marker!r}: {answer[:200]!r}"
    return ""


# --------------------------------------------------------------------------- loads


@dataclass
class Load:
    """What one load measured."""

    name: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # socket errors and timeouts
    non_2xx: int
    unexpected: int  # 2xx answers without the post's marker
    cpu_ms: float  # gunicorn's CPU time per request
    others_cpus: float  # CPUs busy meanwhile with other work on the machine

    @property
    def failures(self) -> int:
        """Return the requests that did not get the answer they should."""
        return self.errors + self.non_2xx + self.unexpected


def run_wrk(wrk: str, server: Server, name: str, post: Post, duration: int) -> Load:
    """Repeat a post at CONNECTIONS connections for a fixed time with wrk and load.lua."""
    with tempfile.NamedTemporaryFile() as body_file:
        body_file.write(post.body)
        body_file.flush()
        env = {**os.environ, "BENCH_METHOD": "POST", "BENCH_BODY_FILE": body_file.name}
        env["BENCH_CTYPE"] = post.headers["Content-Type"]
        env["BENCH_COOKIE"] = post.headers.get("Cookie", "")
        env["BENCH_EXPECT"] = post.marker
        command = [wrk, "--threads", "2", "--connections", str(CONNECTIONS), "--latency"]
        command += ["--duration", f"{duration}s", "--timeout", "5s", "--script", str(LUA)]
        before, began = cpu_now(server), time.monotonic()
        done = subprocess.run(
            [*command, server.url + post.path],
            env=env,
            capture_output=True,
            text=True,
            timeout=duration + 30,
            check=False,
            preexec_fn=die_with_parent,  # only calls prctl
        )
    found = re.search(r"^BENCH_RESULT (\{.*\})$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or found is None:
        output = done.stdout + done.stderr
        raise BenchError(f"wrk failed for {name} (exit {done.returncode}):\n{output}")
    r = json.loads(found.group(1))
    seconds = r["duration_us"] / 1e6
    errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
    latency = (r[key] / 1000 for key in ("p50_us", "p99_us", "max_us"))
    counts = r["requests"], seconds, *latency, errors, r["non_2xx"], r["unexpected"]
    return Load(name, *counts, *cpu_since(server, before, began, r["requests"]))


def percentile(values: list[float], share: float) -> float:
    """Return a percentile by nearest rank, or 0 for no values."""
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered)) - 1)] if ordered else 0.0


def burst(server: Server) -> Load:
    """Send BURST_REQUESTS result-page POSTs from BURST_CLIENTS threads released at once."""
    posts = [page_post(server.url) for _ in range(BURST_CLIENTS)]  # before the clock starts
    release = threading.Barrier(BURST_CLIENTS + 1, timeout=60)
    times: list[float] = []
    outcomes: list[str] = []  # "ok", "non_2xx", "unexpected" or "error"; append is thread-safe

    def client(post: Post, count: int) -> None:
        release.wait()
        for _ in range(count):
            began = time.perf_counter()
            try:
                status, _, page = fetch(server.url, "POST", post.path, post.body, post.headers)
                ok = post.marker.encode() in page
                outcomes.append("non_2xx" if status // 100 != 2 else "ok" if ok else "unexpected")
            except (OSError, http.client.HTTPException):
                outcomes.append("error")
            times.append((time.perf_counter() - began) * 1000)

    counts = [len(range(i, BURST_REQUESTS, BURST_CLIENTS)) for i in range(BURST_CLIENTS)]
    threads = [
        threading.Thread(target=client, args=args, daemon=True)
        for args in zip(posts, counts, strict=True)
    ]
    for thread in threads:
        thread.start()
    before, began = cpu_now(server), time.monotonic()
    release.wait()
    for thread in threads:
        thread.join(timeout=60)
    seconds, cpu = time.monotonic() - began, cpu_since(server, before, began, len(times))
    name = f"burst: {BURST_REQUESTS} POST / by {BURST_CLIENTS} clients"
    p50, p99, slowest = percentile(times, 0.5), percentile(times, 0.99), max(times, default=0)
    errors = outcomes.count("error") + BURST_REQUESTS - len(outcomes)  # unfinished ones too
    failed = outcomes.count("non_2xx"), outcomes.count("unexpected")
    return Load(name, len(times), seconds, p50, p99, slowest, errors, *failed, *cpu)


# --------------------------------------------------------------------------- page weight


@dataclass
class Weight:
    """The result page and what it loads, as transferred through nginx."""

    transferred: int  # bytes of the bodies as sent, compressed; headers not counted
    written: int  # bytes of the same bodies as the app wrote them
    requests: int
    external: list[str]  # origins other than the calculator's of what the page loads


def weigh(server: Server, nginx: str) -> Weight:
    """Weigh the result page as a browser downloads it: through deploy/nginx.conf."""
    sys.path.insert(0, str(ROOT))
    from tests import nginx as frontdoor  # runs deploy/nginx.conf on local ports

    popen = {"start_new_session": True, "preexec_fn": die_with_parent}
    try:
        with frontdoor.front_door(server.url, nginx=nginx, **popen) as door:
            return weigh_through(door.https, door.context)
    except (frontdoor.NginxError, subprocess.SubprocessError, OSError) as error:
        raise BenchError(f"nginx in front of the calculator: {error}") from error


def unzip(headers: http.client.HTTPMessage, sent: bytes) -> bytes:
    """Return a body as the app wrote it, undoing nginx's gzip."""
    encoding = headers["Content-Encoding"] or "identity"
    if encoding not in ("gzip", "identity"):
        raise BenchError(f"a response came with Content-Encoding {encoding}, unread here")
    return gzip.decompress(sent) if encoding == "gzip" else sent


def weigh_through(base: str, context: ssl.SSLContext) -> Weight:
    """POST the typical case through nginx as a browser (asking for gzip); weigh what it loads."""
    post, accept = page_post(base, context), {"Accept-Encoding": "gzip, br"}
    status, headers, sent = fetch(base, "POST", "/", post.body, post.headers | accept, context)
    page = unzip(headers, sent)
    if status != 200 or post.marker.encode() not in page:
        raise BenchError(f"POST / through nginx answered {status}, not a result page")
    parser = PageParser()
    parser.feed(page.decode())
    weight = Weight(len(sent), len(page), 1, [])
    pending, seen = [urllib.parse.urljoin(base + "/", ref) for ref in parser.loaded], set()
    while pending:
        url = pending.pop()
        parts = urllib.parse.urlsplit(url)
        if parts.scheme == "data" or url in seen:
            continue
        seen.add(url)
        if f"{parts.scheme}://{parts.netloc}" != base:
            weight.external.append(f"{parts.scheme}://{parts.netloc}")
            continue
        asking = {"Cookie": post.headers["Cookie"]} | accept
        status, headers, sent = fetch(base, "GET", url[len(base) :], None, asking, context)
        if status != 200:
            raise BenchError(f"the result page loads {parts.path}, which answers {status}")
        data = unzip(headers, sent)
        weight.transferred, weight.written = (
            weight.transferred + len(sent),
            weight.written + len(data),
        )
        weight.requests += 1
        if "css" in (headers["Content-Type"] or ""):
            refs = re.findall(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""", data.decode())
            pending += [urllib.parse.urljoin(url, a or b) for a, b in refs]
    weight.external = sorted(set(weight.external))
    return weight


# --------------------------------------------------------------------------- main


def show(load: Load) -> None:
    """Print one load's line."""
    print(
        f"  {load.name:<34} {load.requests:>6} {load.requests / load.seconds:>6.0f} "
        f"{load.p50_ms:>7.1f} {load.p99_ms:>7.1f} {load.max_ms:>7.1f} {load.errors:>6} "
        f"{load.non_2xx:>7} {load.unexpected:>6} {load.cpu_ms:>7.2f} {load.others_cpus:>6.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of each wrk load (10)")
    args = parser.parse_args(argv)
    if args.duration < 1:
        parser.error("--duration must be 1 or more")
    wrk, nginx = shutil.which("wrk"), shutil.which("nginx") or "/usr/sbin/nginx"
    if not wrk or not Path(nginx).exists():
        print("wrk and nginx are needed: sudo apt-get install -y wrk nginx", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["FLASK_SECRET_KEY"] = secrets.token_hex(32)
    server = Server(env)
    print(f"Benchmark of the ASyS calculator, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(
        f"  {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, Python "
        f"{sys.version.split()[0]}; wrk loads of {args.duration} s at {CONNECTIONS} connections"
    )
    try:
        server.start()
        workers = server.workers()
        form = page_post(server.url)
        if wrong := check(server.url, form):
            raise BenchError(wrong)
        api_wrong = check(server.url, API_POST)  # the page is measured even if the API is not
        for post in (form, API_POST)[: 1 if api_wrong else 2]:
            run_wrk(wrk, server, "warm-up", post, WARMUP_S)
        rss_start = {pid: rss_kib(pid) for pid in workers}
        print(
            f"\n  {'load':<34} {'reqs':>6} {'req/s':>6} {'p50 ms':>7} {'p99 ms':>7} "
            f"{'max ms':>7} {'errors':>6} {'non-2xx':>7} {'unexp.':>6} {'CPU ms':>7} {'others':>6}"
        )
        page = run_wrk(wrk, server, "result page: POST / (form)", form, args.duration)
        show(page)
        api = None
        if api_wrong:
            print(f"  API not measured: {api_wrong}")
        else:
            api = run_wrk(wrk, server, f"API: POST {API_PATH}", API_POST, args.duration)
            show(api)
        hall = burst(server)
        show(hall)
        restarted = server.workers() != workers
        rss_end = {pid: rss_kib(pid) for pid in workers if not restarted}
        weight = weigh(server, nginx)
    except BenchError as error:
        print(f"\nBENCHMARK FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        server.stop()

    loads = [load for load in (page, api, hall) if load is not None]
    growth = {pid: (rss_end[pid] / rss_start[pid] - 1) * 100 for pid in rss_end}
    print(
        "  CPU ms: gunicorn's CPU time per request; others: CPUs busy meanwhile with other work.\n"
        f"  Result page through nginx: {weight.requests} requests, {weight.written} B as "
        f"written, {weight.transferred} B transferred; external origins: "
        f"{', '.join(weight.external) or 'none'}.\n  Worker memory (VmRSS) after the warm-up "
        + ", ".join(f"{rss_start[pid] / 1024:.1f} MiB" for pid in workers)
        + ("; the workers restarted" if restarted else ", growth by the end ")
        + ", ".join(f"{g:+.2f} %" for g in growth.values())
    )
    busiest = max(load.others_cpus for load in loads)
    if busiest > NOISY_CPUS:
        print(f"  NOTE: other work kept up to {busiest:.2f} CPUs busy: rerun on a quiet machine.")
    checks = [  # what, measured, at most, unit
        ("result page p99", page.p99_ms, PAGE_P99_MS, "ms"),
        ("API p99", api.p99_ms if api else float("inf"), API_P99_MS, "ms"),
        ("burst p99", hall.p99_ms, BURST_P99_MS, "ms"),
        ("result page through nginx", weight.transferred / 1024, PAGE_LIMIT / 1024, "KiB"),
        ("external origins", len(weight.external), 0, ""),
        ("errors, non-2xx, unexpected bodies", sum(x.failures for x in loads), 0, ""),
        ("worker memory growth", max(growth.values(), default=float("inf")), MEMORY_GROWTH, "%"),
    ]
    print(f"\n{'target':<42} {'measured':>12}  met")
    for what, measured, limit, unit in checks:
        target, digits, met = f"{what} <= {limit:g} {unit}", 1 if unit else 0, measured <= limit
        shown = f"{measured:>8.{digits}f} {unit:<3}" if measured < float("inf") else "not measured"
        print(f"{target:<42} {shown:>12}  {'yes' if met else 'NO'}")
    return 0 if all(measured <= limit for _, measured, limit, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
