"""Benchmark the calculator under its production command, against a bare Flask app and a floor.

Run from the repository root:

    .venv/bin/python tests/bench/run.py [--duration 10] [--concurrency 8] [--threads 2]
                                        [--warmup 2] [--timeout 5] [--no-install] [--verbose]

In one run it

1. starts the production command, ``python -m gunicorn --preload --workers 2 --worker-class sync
   --bind 127.0.0.1:PORT 'calculator:create_app()'`` (cwd = repository root, a random
   FLASK_SECRET_KEY), and beside it ``tests/bench/bare_app.py`` (one route, "/" returns "ok")
   under the same gunicorn settings; then, once the calculator's result page for the typical
   case has been fetched and measured, the same stack's floor, ``bare_app:create_floor()``: a
   Flask-WTF form with the calculator's form fields (counted from ``AnswersForm``, the unit
   field included) that checks the CSRF token on POST and answers a static page padded to the
   result page's size, under the same gunicorn settings. All listen on 127.0.0.1 only;
2. loads each, one after the other, with wrk for a fixed time at a fixed concurrency
   (``tests/bench/load.lua`` sets the request and prints the results as one JSON line):
   (a) GET / on the bare app, (b) POST /api/v2/assess with a typical case as JSON,
   (c) POST / form submissions of the same case (CRP typed in mg/dL, with its unit) that reuse
   one CSRF token and one session cookie from one GET /, (d) the same form submission to the
   floor, with the floor's own token and cookie.
   Before any load starts, (b) must answer 200 with a contract v2 answer, (c) 200 with a
   result page that names every factor the API found present, and (d) 200 with a page of the
   result page's size (and 400 without its token); during the loads, every 2xx response must
   carry its load's marker (``"derived":`` for the API, ``<title>Result:`` for the form,
   ``<title>Floor:`` for the floor; checked by load.lua), or it counts as unexpected;
3. prints requests/s, p50/p99/mean latency, socket errors, non-2xx and unexpected responses
   per load, the CPU time the workers spent per request, the CPU wrk used and the CPU
   everything else used (a noise gauge: on a 2-CPU machine other work competes with the
   workers), and the ratios (b)/(a), (c)/(a) and (c)/(d). Run 2 loads the bare app and the
   floor again and each run's ratios are taken against its own baselines; the targets are
   judged on the run less disturbed by other work (the lower "other CPU"); the ratios of
   worker CPU per request are printed beside them;
4. weighs the result page as a browser downloads it in production: it starts nginx with
   ``deploy/nginx.conf`` in front of the calculator's gunicorn (``tests/nginx.py``, as
   ``tests/test_frontdoor.py`` does: a throwaway self-signed certificate from openssl, local
   ports), gets a token and session cookie from GET / through it, POSTs the typical case's form
   through it with ``Accept-Encoding: gzip, br`` and fetches every stylesheet, script and other
   local resource the page loads the same way; for each it prints the size as the app wrote it
   (raw) and as transferred (the body as nginx sent it, compressed; headers not counted), with
   the number of requests, the external origins of loaded resources, and the outbound links
   (plain <a href> to other hosts, which load nothing);
5. times the engine in-process with timeit: ``engine.assess`` alone, and
   ``parse_json + assess + report.JsonWriter.write`` (the API's work), and their share of the
   API's mean latency under load (b);
6. reads each gunicorn worker's VmRSS after the first run of the loads and again after a second
   run of the API and form loads of the same length, and prints the growth per worker;
7. prints a table "target / measured / pass" — the result page at least 0.8 x the floor, the
   API at least 0.7 x the bare route, the result page with its CSS and JS as transferred
   through nginx at most 40 KiB (the raw total printed beside it), no external origin, no
   errors, worker memory growth at most 5 % — and exits 0 when every target is met, 1
   otherwise.

wrk and nginx come from Debian (``apt-get install -y wrk nginx``); nginx is found as
``shutil.which('nginx')`` or ``/usr/sbin/nginx``, openssl must be on PATH. When either is missing
the script installs it with apt-get if it runs as root (unless --no-install is given);
otherwise it prints how to install it and exits 2. The servers are always stopped: SIGTERM,
then SIGKILL after a timeout, and they receive SIGTERM from the kernel should this script die
first.

This is not a pytest test: nothing in tests/bench is named test_*.py.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gzip
import http.cookies
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LUA = HERE / "load.lua"

API_PATH = "/api/v2/assess"

# A typical case under contract v2: anti-Jo-1 with anti-Ro52, fibrotic ILD judged progressive,
# lung function a year apart (the 2022 criteria partly answered), and a few blood tests.
TYPICAL: dict[str, Any] = {
    "age_at_onset": 64,
    "myositis": "present",
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
    "fibrosis_on_ct": "present",
    "symptoms_worse_past_year": "yes",
    "fvc_percent_predicted_year_before": 68,
    "dlco_percent_predicted_year_before": 55,
    "ct_progression_past_year": "unknown",
    "other_cause_excluded": "yes",
    "crp_mg_per_l": 14,
    "kl6_u_per_ml": 1250,
    "ferritin_ng_per_ml": 420,
    "diagnostic_delay_months": 9,
    "malignancy": "none_found",
}
# The form takes CRP with its unit, a required choice: the same 14 mg/L, typed in mg/dL.
TYPICAL_FORM_CHANGES = {"crp_mg_per_l": "1.4", "crp_mg_per_l_unit": "mg_per_dl"}
API_MARKER = '"derived":'  # in every contract v2 answer, never in v1's or an error's
FORM_MARKER = "<title>Result for these answers"  # a result page, not the form again
FLOOR_MARKER = "<title>Floor: "  # the floor's static page (bare_app.FLOOR_MARKER)

PAGE_LIMIT = 40 * 1024
API_RATIO = 0.7  # the API against the bare route
FLOOR_RATIO = 0.8  # the result page against the same stack's floor
MEMORY_GROWTH = 5.0
NOISE = 0.25  # CPUs used by other processes during a load before the ratios are called noisy


class BenchError(RuntimeError):
    """The benchmark cannot go on: a server did not start or answered wrongly."""


# --------------------------------------------------------------------------- servers


def free_port() -> int:
    """Return a port of 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before exec: ask the kernel for SIGTERM when this script dies."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def gunicorn_command(port: int, app_spec: str) -> list[str]:
    """Return the production command, bound to a port of 127.0.0.1."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--preload",
        "--workers",
        "2",
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        app_spec,
    ]


@dataclass
class Server:
    """A gunicorn master with its workers, started by this script."""

    name: str
    app_spec: str
    cwd: Path
    ready_path: str
    env: dict[str, str]
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = free_port()
        self.log = tempfile.TemporaryFile()  # closed in stop()
        # The command is built from constants and sys.executable; no shell, no user input.
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            gunicorn_command(self.port, self.app_spec),
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # only calls prctl
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                status, _, _ = fetch("GET", self.url + self.ready_path, timeout=2)
                if status == 200 and len(self.workers()) == 2:
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if self.process is None or self.process.poll() is not None:
                raise BenchError(f"{self.name}: gunicorn exited.\n{self.log_text()}")
            if time.monotonic() > deadline:
                raise BenchError(f"{self.name}: not ready after {timeout:g} s.\n{self.log_text()}")
            time.sleep(0.1)

    def log_text(self) -> str:
        if self.log is None or self.log.closed:
            return ""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def workers(self) -> list[int]:
        """Return the pids of the master's children: the workers."""
        if self.process is None:
            return []
        return children(self.process.pid)

    def stop(self) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self.log is not None:
            self.log.close()


def children(pid: int) -> list[int]:
    """Return the child pids of a process, from /proc (task children, else every stat)."""
    found: set[int] = set()
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found.update(int(p) for p in (task / "children").read_text().split())
    except OSError:
        pass
    if found:
        return sorted(found)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found.add(int(entry.name))
    return sorted(found)


def rss_kib(pid: int) -> int:
    """Return a process's resident set size in KiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError(f"no VmRSS for pid {pid}")


# --------------------------------------------------------------------------- HTTP


def fetch(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
    context: ssl.SSLContext | None = None,
) -> tuple[int, Any, bytes]:
    """Send one request to 127.0.0.1 and return (status, headers, body); never follow redirects.

    The body is as sent: urllib never decompresses. HTTPS (to the local nginx) takes the
    context that trusts its throwaway certificate.
    """
    if not url.startswith(("http://127.0.0.1:", "https://127.0.0.1:")):
        raise BenchError(f"refusing to fetch {url}: only the local servers are fetched")
    # Only http(s)://127.0.0.1 URLs get here (checked above): no file:// or remote scheme.
    request = urllib.request.Request(  # noqa: S310 - local http(s) only
        url, data=body, method=method, headers=headers or {}
    )
    handlers: list[Any] = [_NoRedirect]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class PageParser(HTMLParser):
    """Collect what a page loads (stylesheets, scripts, images...), its links and CSRF token."""

    LOADED = {
        "script": ("src",),
        "img": ("src", "srcset"),
        "iframe": ("src",),
        "source": ("src", "srcset"),
        "video": ("src", "poster"),
        "audio": ("src",),
        "embed": ("src",),
        "object": ("data",),
        "track": ("src",),
        "input": ("src",),
    }
    LOADING_RELS = {
        "stylesheet",
        "icon",
        "preload",
        "modulepreload",
        "manifest",
        "apple-touch-icon",
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []
        self.other_loaded: list[str] = []
        self.links: list[str] = []
        self.csrf_token: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "input" and a.get("name") == "csrf_token" and self.csrf_token is None:
            self.csrf_token = a.get("value")
        if tag == "link" and a.get("href"):
            rels = set(a.get("rel", "").lower().split())
            if "stylesheet" in rels:
                self.stylesheets.append(a["href"])
            elif rels & self.LOADING_RELS:
                self.other_loaded.append(a["href"])
            return
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
            return
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
            return
        for attr in self.LOADED.get(tag, ()):
            value = a.get(attr)
            if not value or (tag == "input" and a.get("type") != "image"):
                continue
            if attr.endswith("srcset"):
                self.other_loaded.extend(p.split()[0] for p in value.split(",") if p.strip())
            else:
                self.other_loaded.append(value)
        if a.get("style") and "url(" in a["style"]:
            self.other_loaded.extend(css_urls(a["style"]))


_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def css_urls(text: str) -> list[str]:
    """Return the url(...) and @import references of a stylesheet."""
    return [a or b for a, b in _CSS_URL.findall(text) if not (a or b).startswith("data:")]


# --------------------------------------------------------------------------- wrk


@dataclass
class Load:
    """One wrk run and what it measured."""

    name: str
    requests: int
    duration_s: float
    rps: float
    mean_ms: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: int
    non_2xx: int
    status_ge_400: int
    unexpected: int = 0  # 2xx responses without the load's marker
    worker_cpu_s: float = 0.0
    wrk_cpu_s: float = 0.0
    other_cpu_s: float = 0.0
    raw: str = field(repr=False, default="")

    @property
    def other_cpu_share(self) -> float:
        """CPU used by everything else (other processes, kernel) per second, in CPUs."""
        return self.other_cpu_s / self.duration_s if self.duration_s else 0.0

    @property
    def worker_cpu_us_per_request(self) -> float:
        """CPU time the server's workers spent per request (user + system)."""
        return self.worker_cpu_s / self.requests * 1e6 if self.requests else 0.0


def apt_install(package: str) -> None:
    """Install one of Debian's packages with apt-get (the caller checks that it runs as root)."""
    print(f"{package} is missing: installing Debian's package (apt-get install -y {package}) ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Fixed argv from a constant package name, no shell; running as root is checked by callers.
    install_cmd = ["apt-get", "install", "-y", "-q", package]
    done = subprocess.run(install_cmd, env=env, check=False)  # noqa: S603 - fixed argv
    if done.returncode != 0:
        update = ["apt-get", "update", "-q"]
        subprocess.run(update, env=env, check=False)  # noqa: S603 - fixed argv
        subprocess.run(install_cmd, env=env, check=False)  # noqa: S603 - fixed argv


def ensure_tool(package: str, find: Callable[[], str | None], install: bool) -> str:
    """Return the path of a Debian package's program, installed as root if allowed; or exit 2."""
    path = find()
    if path:
        return path
    if install and os.geteuid() == 0 and shutil.which("apt-get"):
        apt_install(package)
        path = find()
        if path:
            return path
    print(
        f"{package} is not installed. Install it with:\n\n"
        f"    sudo apt-get update && sudo apt-get install -y {package}\n\n"
        f"then run this script again (as root it installs {package} itself unless "
        "--no-install).",
        file=sys.stderr,
    )
    sys.exit(2)


def ensure_wrk(install: bool) -> str:
    """Return the path of wrk, installing Debian's package as root if allowed; else exit 2."""
    return ensure_tool("wrk", lambda: shutil.which("wrk"), install)


def ensure_nginx(install: bool) -> str:
    """Return the path of nginx, installing Debian's package as root if allowed; else exit 2."""

    def find() -> str | None:
        path = shutil.which("nginx") or "/usr/sbin/nginx"
        return path if Path(path).exists() else None

    return ensure_tool("nginx", find, install)


def cpu_seconds(pid: int) -> float:
    """Return a process's user + system CPU time in seconds, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busy_cpu_seconds() -> float:
    """Return the machine's busy CPU time in seconds (all CPUs, every state but idle)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds() -> float:
    """Return the CPU time of this script's reaped children (wrk runs) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_wrk(
    wrk: str,
    name: str,
    server: Server,
    path: str,
    args: argparse.Namespace,
    duration: int,
    method: str = "GET",
    body: bytes | None = None,
    ctype: str = "",
    cookie: str = "",
    marker: str = "",
) -> Load:
    """Load one URL for a fixed time at a fixed concurrency and return what wrk measured.

    Also measures the CPU time the server's workers and wrk spent during the load: on a
    small machine wrk shares the CPUs with the workers, and CPU per request is far less
    noisy than requests per second.
    """
    url = server.url + path
    workers = server.workers()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "BENCH_METHOD": method,
            "BENCH_CTYPE": ctype,
            "BENCH_COOKIE": cookie,
            "BENCH_EXPECT": marker,
        }
        if body is not None:
            body_file = Path(tmp) / "body"
            body_file.write_bytes(body)
            env["BENCH_BODY_FILE"] = str(body_file)
        threads = max(1, min(args.threads, args.concurrency))
        command = [
            wrk,
            "--threads",
            str(threads),
            "--connections",
            str(args.concurrency),
            "--duration",
            f"{duration}s",
            "--timeout",
            f"{args.timeout}s",
            "--latency",
            "--script",
            str(LUA),
            url,
        ]
        workers_before = sum(cpu_seconds(pid) for pid in workers)
        wrk_before = children_cpu_seconds()
        busy_before = busy_cpu_seconds()
        # wrk is bounded by --duration; the timeout only guards against a hang.
        done = subprocess.run(  # noqa: S603 - argv from shutil.which and numbers, no shell
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=duration + args.timeout + 60,
            check=False,
            preexec_fn=_die_with_parent,  # only calls prctl
        )
        busy = busy_cpu_seconds() - busy_before
        wrk_cpu = children_cpu_seconds() - wrk_before
        worker_cpu = sum(cpu_seconds(pid) for pid in workers) - workers_before
    raw = done.stdout + done.stderr
    match = re.search(r"^BENCH_RESULT (\{.*\})$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or match is None:
        raise BenchError(f"wrk failed for {name} (exit {done.returncode}):\n{raw}")
    r = json.loads(match.group(1))
    seconds = r["duration_us"] / 1e6
    return Load(
        name=name,
        requests=r["requests"],
        duration_s=seconds,
        rps=r["requests"] / seconds if seconds else 0.0,
        mean_ms=r["mean_us"] / 1000,
        p50_ms=r["p50_us"] / 1000,
        p90_ms=r["p90_us"] / 1000,
        p99_ms=r["p99_us"] / 1000,
        max_ms=r["max_us"] / 1000,
        socket_errors=r["connect"] + r["read"] + r["write"] + r["timeout"],
        non_2xx=r["non_2xx"],
        status_ge_400=r["status_ge_400"],
        unexpected=r["unexpected"],
        worker_cpu_s=worker_cpu,
        wrk_cpu_s=wrk_cpu,
        other_cpu_s=max(0.0, busy - worker_cpu - wrk_cpu),
        raw=raw,
    )


# --------------------------------------------------------------------------- in-process


def per_call_us(fn: Callable[[], Any], repeat: int = 7) -> tuple[float, float]:
    """Time a call with timeit: return (best, median) microseconds per call."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(number, 1)
    runs = [t / number * 1e6 for t in timer.repeat(repeat=repeat, number=number)]
    return min(runs), statistics.median(runs)


def time_engine() -> dict[str, Any]:
    """Time the engine, and the API's work, in this process."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from calculator import engine, inputs, report, rules  # after sys.path is set

    ruleset = rules.load_rules(ROOT / "rules.yaml")
    typical = inputs.Inputs(**TYPICAL)
    body = json.dumps(TYPICAL).encode()
    assessment = engine.assess(ruleset, typical)
    if inputs.parse_json(body) != typical:
        raise BenchError("parse_json(typical body) differs from Inputs(**typical)")
    engine_best, engine_median = per_call_us(lambda: engine.assess(ruleset, typical))
    writer = report.JsonWriter(ruleset)
    api_best, api_median = per_call_us(
        lambda: writer.write(engine.assess(ruleset, inputs.parse_json(body)))
    )
    return {
        "factors": len(ruleset.factors),
        "cautions": len(ruleset.cautions),
        "summary": assessment.summary,
        "cautions_present": [finding.rule.id for finding in assessment.cautions],
        "engine_best": engine_best,
        "engine_median": engine_median,
        "api_best": api_best,
        "api_median": api_median,
    }


def form_fields() -> list[str]:
    """Return the names of the calculator's form fields, unit fields included (no CSRF token)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from wtforms.fields.core import UnboundField

    from calculator.web.forms import AnswersForm  # after sys.path is set

    return [name for name, value in vars(AnswersForm).items() if isinstance(value, UnboundField)]


# --------------------------------------------------------------------------- checks


def form_session(app: Server) -> tuple[str, str]:
    """GET / once: return (csrf token, Cookie header with the session cookie)."""
    return form_session_at(app.url)


def form_session_at(
    base: str, asking: dict[str, str] | None = None, context: ssl.SSLContext | None = None
) -> tuple[str, str]:
    """GET / of a base URL once: return (csrf token, Cookie header with the session cookie)."""
    status, headers, page = fetch("GET", base + "/", headers=asking, context=context)
    if status != 200:
        raise BenchError(f"GET {base}/ answered {status}")
    parser = PageParser()
    parser.feed(decoded(headers, page).decode())
    if not parser.csrf_token:
        raise BenchError("GET /: no csrf_token input in the form")
    jar = http.cookies.SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    if not jar:
        raise BenchError("GET /: no session cookie in Set-Cookie")
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())
    return parser.csrf_token, cookie


def form_body(token: str) -> bytes:
    """Return the form submission of the typical case (CRP with its unit) and the CSRF token."""
    fields = {
        **{name: str(value) for name, value in TYPICAL.items()},
        **TYPICAL_FORM_CHANGES,
        "csrf_token": token,
    }
    return urllib.parse.urlencode(fields).encode()


class _Text(HTMLParser):
    """Collect a page's text, entities decoded, whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


def page_text(page: bytes) -> str:
    """Return the text of an HTML page."""
    parser = _Text()
    parser.feed(page.decode())
    parser.close()
    return parser.text


def verify(app: Server, bare: Server, api_body: bytes, body: bytes, cookie: str) -> bytes:
    """Check each load's request once before loading; return the result page's HTML."""
    status, _, text = fetch("GET", bare.url + "/")
    if status != 200 or text != b"ok":
        raise BenchError(f"bare GET / answered {status} {text[:80]!r}")
    status, _, text = fetch(
        "POST", app.url + API_PATH, api_body, {"Content-Type": "application/json"}
    )
    if status != 200:
        raise BenchError(f"POST {API_PATH} answered {status}: {text[:300]!r}")
    answer = json.loads(text)
    missing = {"factors", "cautions", "derived", "reviewed"} - answer.keys()
    if missing or not answer["factors"] or API_MARKER.encode() not in text:
        raise BenchError(f"POST {API_PATH}: not a contract v2 answer (missing {sorted(missing)})")
    status, _, page = fetch(
        "POST",
        app.url + "/",
        body,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    # The page's wording is the result page's business: check only that it is a result page
    # that names every factor the API found present.
    present = [f["title"] for f in answer["factors"] if f["status"] == "present"]
    words = page_text(page) if status == 200 else ""
    unnamed = [title for title in present if title not in words]
    if status != 200 or FORM_MARKER.encode() not in page or unnamed:
        raise BenchError(
            f"POST / answered {status}; a result page naming the API's present factors was "
            f"expected (not named: {unnamed}): {page[:300]!r}"
        )
    return page


def verify_floor(floor: Server, body: bytes, cookie: str, size: int) -> None:
    """Check that the floor refuses a post without its token and answers one with it."""
    ctype = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, _ = fetch("POST", floor.url + "/", b"age_at_onset=64", {**ctype, "Cookie": cookie})
    if status != 400:
        raise BenchError(f"floor POST / without a CSRF token answered {status}, not 400")
    status, _, page = fetch("POST", floor.url + "/", body, {**ctype, "Cookie": cookie})
    if status != 200 or FLOOR_MARKER.encode() not in page or len(page) != size:
        raise BenchError(
            f"floor POST / answered {status} with {len(page)} bytes, not 200 with the "
            f"{size}-byte static page: {page[:120]!r}"
        )


BROWSER_ENCODINGS = {"Accept-Encoding": "gzip, br"}  # what browsers ask for over HTTPS


def decoded(headers: Any, data: bytes) -> bytes:
    """Return a response body as the app wrote it, undoing nginx's gzip."""
    encoding = (headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding == "identity":
        return data
    if encoding == "gzip":
        return gzip.decompress(data)
    raise BenchError(f"a response came with Content-Encoding {encoding}, which this cannot read")


@dataclass
class Resource:
    """One download of the result page: its path, its size as written and as transferred."""

    path: str
    raw: int
    sent: int
    encoding: str


@dataclass
class Weight:
    html: Resource
    assets: list[Resource]
    external_origins: list[str]
    outbound_links: list[str]

    @property
    def total(self) -> int:
        """Bytes transferred: the bodies as nginx sent them (headers not counted)."""
        return self.html.sent + sum(asset.sent for asset in self.assets)

    @property
    def raw_total(self) -> int:
        """Bytes as the app wrote them, before compression."""
        return self.html.raw + sum(asset.raw for asset in self.assets)

    @property
    def requests(self) -> int:
        return 1 + len(self.assets)


def nginx_helpers() -> Any:
    """Return tests/nginx.py, which runs deploy/nginx.conf as tests/test_frontdoor.py does."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests import nginx  # after sys.path is set

    return nginx


def weigh(app: Server, nginx: str) -> Weight:
    """Weigh the result page as a browser downloads it in production, through nginx.

    Runs deploy/nginx.conf (tests/nginx.py: a throwaway certificate, local ports) in front of
    the calculator's gunicorn, posts the typical case's form through it with a browser's
    Accept-Encoding and fetches every local resource the page loads the same way; each is
    measured as transferred (the body as sent) and as written (decompressed).
    """
    helpers = nginx_helpers()
    popen = {"start_new_session": True, "preexec_fn": _die_with_parent}  # only calls prctl
    try:
        with helpers.front_door(app.url, nginx=nginx, **popen) as door:
            return _weigh_through(door.https, door.context)
    except (helpers.NginxError, subprocess.SubprocessError, OSError) as error:
        raise BenchError(f"nginx in front of the calculator: {error}") from error


def _weigh_through(base_url: str, context: ssl.SSLContext) -> Weight:
    """Post the typical case through nginx at base_url and weigh what comes back."""
    token, cookie = form_session_at(base_url, BROWSER_ENCODINGS, context)
    ctype = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    status, headers, sent = fetch(
        "POST", base_url + "/", form_body(token), {**ctype, **BROWSER_ENCODINGS}, context=context
    )
    page = decoded(headers, sent)
    if status != 200 or FORM_MARKER.encode() not in page:
        raise BenchError(f"POST / through nginx answered {status}, not the result page")
    html = Resource("POST / result", len(page), len(sent), _encoding(headers))
    base = base_url + "/"
    own = urllib.parse.urlsplit(base).netloc
    parser = PageParser()
    parser.feed(page.decode())
    pending = [*parser.stylesheets, *parser.scripts, *parser.other_loaded]
    assets: list[Resource] = []
    origins: set[str] = set()
    seen: set[str] = set()
    while pending:
        ref = pending.pop(0)
        if ref.startswith(("data:", "#")):
            continue
        url = urllib.parse.urljoin(base, ref)
        parts = urllib.parse.urlsplit(url)
        if parts.netloc != own:
            origins.add(f"{parts.scheme}://{parts.netloc}" if parts.scheme else parts.netloc)
            continue
        if url in seen:
            continue
        seen.add(url)
        status, headers, sent = fetch(
            "GET", url, headers={"Cookie": cookie, **BROWSER_ENCODINGS}, context=context
        )
        if status != 200:
            raise BenchError(f"the result page loads {ref}, which answers {status}")
        data = decoded(headers, sent)
        assets.append(Resource(parts.path, len(data), len(sent), _encoding(headers)))
        if "css" in (headers.get("Content-Type") or ""):
            pending.extend(urllib.parse.urljoin(url, u) for u in css_urls(data.decode()))
    outbound = []
    for href in parser.links:
        parts = urllib.parse.urlsplit(urllib.parse.urljoin(base, href))
        if parts.scheme in ("http", "https") and parts.netloc != own:
            outbound.append(href)
    return Weight(html, assets, sorted(origins), outbound)


def _encoding(headers: Any) -> str:
    return (headers.get("Content-Encoding") or "identity").strip().lower()


# --------------------------------------------------------------------------- report


LOAD_HEADER = (
    f"  {'load':<30} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'mean ms':>7} {'errors':>6} "
    f"{'non-2xx':>7} {'unexp.':>6} {'requests':>8} {'worker CPU/req':>14} {'wrk CPU':>7} "
    f"{'other CPU':>9}"
)


def show_load(load: Load) -> None:
    wrk_share = load.wrk_cpu_s / load.duration_s if load.duration_s else 0.0
    print(
        f"  {load.name:<30} {load.rps:>8.1f} {load.p50_ms:>7.2f} {load.p99_ms:>7.2f} "
        f"{load.mean_ms:>7.2f} {load.socket_errors:>6} {load.non_2xx:>7} {load.unexpected:>6} "
        f"{load.requests:>8} {load.worker_cpu_us_per_request:>11.0f} µs {wrk_share:>7.0%} "
        f"{load.other_cpu_share:>9.0%}"
    )


def show_memory(label: str, pids: list[int], rss: dict[int, int]) -> None:
    text = ", ".join(f"pid {pid}: {rss[pid] / 1024:.1f} MiB" for pid in pids)
    print(f"  {label:<28} {text}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Benchmark the calculator under gunicorn with wrk against a bare Flask app and the "
            "same stack's floor (a Flask-WTF form with a CSRF check and a static page as large "
            "as the result page), weigh the result page as transferred through nginx "
            "(deploy/nginx.conf), time the engine in-process and watch worker memory. "
            "Exit 0 when every target is met, 1 when one is missed, 2 when wrk or nginx is "
            "missing."
        )
    )
    parser.add_argument(
        "--duration",
        type=int,
        default=10,
        help="whole seconds of load per run, as wrk takes them (default: 10)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, help="open connections during a load (default: 8)"
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="wrk threads, at most --concurrency (default: 2)"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=2,
        help="whole seconds of unmeasured load on each endpoint first; 0 for none (default: 2)",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=5,
        help="wrk's per-request timeout in whole seconds (default: 5)",
    )
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="never install wrk or nginx; print how and exit 2 when one is missing",
    )
    parser.add_argument("--verbose", action="store_true", help="print wrk's own output too")
    args = parser.parse_args(argv)
    if min(args.duration, args.concurrency, args.threads, args.timeout) < 1 or args.warmup < 0:
        parser.error("--duration, --concurrency, --threads and --timeout must be 1 or more")
    return args


def _on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = ensure_wrk(install=not args.no_install)
    nginx = ensure_nginx(install=not args.no_install)
    signal.signal(signal.SIGTERM, _on_sigterm)
    version = subprocess.run(  # noqa: S603 - wrk from shutil.which, fixed argv
        [wrk, "--version"], capture_output=True, text=True, check=False
    ).stdout.split(" Copyright")[0]
    print("Benchmark of the ASyS calculator")
    print(
        f"  {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, {version.strip() or 'wrk'}; "
        f"{args.duration:g} s per load, {args.concurrency} connections, "
        f"{min(args.threads, args.concurrency)} wrk threads, warm-up {args.warmup:g} s"
    )

    print("\nEngine in-process (timeit, median of 7; best in brackets)")
    engine = time_engine()
    print(
        f"  engine.assess, {engine['factors']} factors, {engine['cautions']} cautions: "
        f"{engine['engine_median']:8.1f} µs ({engine['engine_best']:.1f})   "
        f"summary {engine['summary']}, cautions present {engine['cautions_present']}"
    )
    print(
        f"  API work in-process:            {engine['api_median']:8.1f} µs "
        f"({engine['api_best']:.1f})   parse_json + assess + report.JsonWriter.write"
    )

    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["FLASK_SECRET_KEY"] = secrets.token_hex(32)
    app = Server("calculator", "calculator:create_app()", ROOT, "/healthz", env)
    bare = Server("bare", "bare_app:app", HERE, "/", env)
    fields = form_fields()
    floor_env = {**env, "BENCH_FLOOR_FIELDS": ",".join(fields)}
    floor = Server("floor", "bare_app:create_floor()", HERE, "/", floor_env)
    servers = [app, bare, floor]
    try:
        for server in (app, bare):
            server.start()
        for server in (app, bare):
            server.wait_ready()
        api_body = json.dumps(TYPICAL).encode()
        token, cookie = form_session(app)
        body = form_body(token)
        page = verify(app, bare, api_body, body, cookie)
        # The floor's page is as large as the result page measured now, at the start.
        floor.env = {**floor_env, "BENCH_FLOOR_BYTES": str(len(page))}
        floor.start()
        floor.wait_ready()
        floor_token, floor_cookie = form_session(floor)
        floor_body = form_body(floor_token)
        verify_floor(floor, floor_body, floor_cookie, len(page))
        workers = app.workers()
        print(
            f"\nServers: calculator {app.url} (master {app.process.pid}, workers {workers}), "
            f"bare {bare.url} (master {bare.process.pid}, workers {bare.workers()}), "
            f"floor {floor.url} (master {floor.process.pid}, workers {floor.workers()})"
        )
        print(
            f"  checked: POST {API_PATH} -> 200, a v2 answer; "
            "POST / -> 200, a result page naming the API's present factors"
        )
        print(
            f"  floor: a Flask-WTF form of {len(fields)} fields (the calculator's, unit fields "
            "included) and a CSRF token; POST / without the token -> 400, with it -> 200 and a "
            f"static page of {len(page)} bytes, the size of the result page measured at start"
        )

        def bare_load(name: str, seconds: int) -> Load:
            return run_wrk(wrk, name, bare, "/", args, seconds, marker="ok")

        def api_load(name: str, seconds: int) -> Load:
            ctype = "application/json"
            return run_wrk(
                wrk, name, app, API_PATH, args, seconds, "POST", api_body, ctype, marker=API_MARKER
            )

        def form_load(name: str, seconds: int) -> Load:
            ctype = "application/x-www-form-urlencoded"
            return run_wrk(
                wrk, name, app, "/", args, seconds, "POST", body, ctype, cookie, FORM_MARKER
            )

        def floor_load(name: str, seconds: int) -> Load:
            ctype = "application/x-www-form-urlencoded"
            return run_wrk(
                wrk,
                name,
                floor,
                "/",
                args,
                seconds,
                "POST",
                floor_body,
                ctype,
                floor_cookie,
                FLOOR_MARKER,
            )

        rss_start = {pid: rss_kib(pid) for pid in workers}
        warmups = []
        if args.warmup > 0:
            warmups = [
                bare_load("warm-up bare", args.warmup),
                api_load("warm-up API", args.warmup),
                form_load("warm-up form", args.warmup),
                floor_load("warm-up floor", args.warmup),
            ]
        rss_warm = {pid: rss_kib(pid) for pid in workers}

        print(f"\nLoads, run 1 ({args.duration:g} s each, {args.concurrency} connections)")
        print(LOAD_HEADER)
        bare_1 = bare_load("(a) bare GET /", args.duration)
        show_load(bare_1)
        api_1 = api_load(f"(b) API POST {API_PATH}", args.duration)
        show_load(api_1)
        form_1 = form_load("(c) form POST / (result page)", args.duration)
        show_load(form_1)
        floor_1 = floor_load("(d) floor POST / (static page)", args.duration)
        show_load(floor_1)
        rss_1 = {pid: rss_kib(pid) for pid in workers}

        print("\nLoads, run 2 (the same loads again; the baselines again for same-time ratios)")
        print(LOAD_HEADER)
        api_2 = api_load(f"(b) API POST {API_PATH}", args.duration)
        show_load(api_2)
        form_2 = form_load("(c) form POST / (result page)", args.duration)
        show_load(form_2)
        rss_2 = {pid: rss_kib(pid) for pid in workers}
        floor_2 = floor_load("(d) floor POST / (static page)", args.duration)
        show_load(floor_2)
        bare_2 = bare_load("(a) bare GET /", args.duration)
        show_load(bare_2)
        workers_after = app.workers()
        bare_rss = {pid: rss_kib(pid) for pid in bare.workers()}
        floor_rss = {pid: rss_kib(pid) for pid in floor.workers()}
        loads = [*warmups, bare_1, api_1, form_1, floor_1, api_2, form_2, floor_2, bare_2]
        if args.verbose:
            for load in loads:
                print(f"\n--- wrk output: {load.name}\n{load.raw}")
        weight = weigh(app, nginx)
    except BenchError as error:
        print(f"\nBENCHMARK FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        for server in servers:
            server.stop()

    def ratio(a: Load, b: Load) -> float:
        return a.rps / b.rps if b.rps else 0.0

    def cpu_ratio(a: Load, b: Load) -> float:
        app_cpu = a.worker_cpu_us_per_request
        return b.worker_cpu_us_per_request / app_cpu if app_cpu else 0.0

    runs = {1: (bare_1, api_1, form_1, floor_1), 2: (bare_2, api_2, form_2, floor_2)}

    def noise(run: int) -> float:
        return max(load.other_cpu_share for load in runs[run])

    chosen = min(runs, key=noise)  # the run least disturbed by other work; run 1 on a tie
    bare_c, api_c, form_c, floor_c = runs[chosen]
    api_ratio = ratio(api_c, bare_c)
    floor_ratio = ratio(form_c, floor_c)
    print("\nRatios in requests/s (each run against its own baselines: (a) bare, (d) floor)")
    print(
        f"  {'':<18} {'(b)/(a) API':>11} {'(c)/(d) result page':>20} {'(c)/(a)':>8}"
        f"   {'other CPU, at most':>18}"
    )
    for run, (bare_r, api_r, form_r, floor_r) in runs.items():
        print(
            f"  {'run ' + str(run) + ' req/s':<18} {ratio(api_r, bare_r):>11.3f} "
            f"{ratio(form_r, floor_r):>20.3f} {ratio(form_r, bare_r):>8.3f}"
            f"   {noise(run):>14.2f} CPUs"
        )
        print(
            f"  {'run ' + str(run) + ' worker CPU':<18} {cpu_ratio(api_r, bare_r):>11.3f} "
            f"{cpu_ratio(form_r, floor_r):>20.3f} {cpu_ratio(form_r, bare_r):>8.3f}"
            "   (baseline CPU per request / app CPU per request)"
        )
    print(f"  The targets are judged on run {chosen}, the one less disturbed by other work.")
    if noise(chosen) > NOISE:
        print(
            f"  Note: other processes and the kernel used up to {noise(chosen):.2f} CPUs during "
            f"run {chosen}; they compete with the workers, so its req/s ratios are noisy.\n"
            "  The worker-CPU ratios are steadier; rerun on an idle machine."
        )

    mean_us = api_c.mean_ms * 1000
    cpu_us = api_c.worker_cpu_us_per_request
    engine_us, api_us = engine["engine_median"], engine["api_median"]
    print(f"\nEngine share of an API request (load (b), run {chosen})")
    print(f"  mean latency under load (wrk):   {mean_us:8.1f} µs")
    print(
        f"  engine.assess:                   {engine_us:8.1f} µs = {engine_us / mean_us:6.1%} "
        f"of the mean latency, {engine_us / cpu_us:6.1%} of the worker CPU per request"
    )
    print(
        f"  API work in-process:             {api_us:8.1f} µs = {api_us / mean_us:6.1%} "
        f"of the mean latency, {api_us / cpu_us:6.1%} of the worker CPU per request"
    )
    print(
        f"  worker CPU per request:          {cpu_us:8.1f} µs "
        f"(bare app: {bare_c.worker_cpu_us_per_request:.1f} µs)"
    )

    print(
        "\nResult page weight, as a browser downloads it in production: through nginx "
        "(deploy/nginx.conf),\n  Accept-Encoding: gzip, br; bodies only, headers not counted"
    )
    print(f"  {'':<29} {'raw':>7}   {'transferred':>11}")
    for item in (weight.html, *weight.assets):
        label = "HTML (POST / result)" if item is weight.html else item.path
        print(f"  {label:<29} {item.raw:>7} B {item.sent:>9} B  {item.encoding}")
    print(
        f"  {'total':<29} {weight.raw_total:>7} B {weight.total:>9} B  in {weight.requests} "
        f"requests (limit {PAGE_LIMIT} B transferred)"
    )
    origins = weight.external_origins
    print(
        f"  external origins of loaded resources: {len(origins)}"
        + (f" ({', '.join(origins)})" if origins else "")
    )
    hosts = sorted({urllib.parse.urlsplit(h).netloc for h in weight.outbound_links})
    print(
        f"  outbound links (<a href>, load nothing): {len(weight.outbound_links)}"
        + (f" to {', '.join(hosts)}" if hosts else "")
    )

    print("\nCalculator worker memory (VmRSS)")
    show_memory("after start-up", workers, rss_start)
    if warmups:
        show_memory("after warm-up", workers, rss_warm)
    show_memory("after run 1", workers, rss_1)
    show_memory("after run 2", workers, rss_2)
    growth = {pid: (rss_2[pid] - rss_1[pid]) / rss_1[pid] * 100 for pid in workers}
    print(
        f"  {'growth run 1 -> run 2':<28} "
        + ", ".join(f"pid {pid}: {g:+.2f} %" for pid, g in growth.items())
    )
    restarted = workers_after != workers
    if restarted:
        print(f"  workers changed during the run: {workers} -> {workers_after}")
    show_memory("(bare app workers, at end)", list(bare_rss), bare_rss)
    show_memory("(floor workers, at end)", list(floor_rss), floor_rss)

    errors = sum(load.socket_errors for load in loads)
    non_2xx = sum(load.non_2xx for load in loads)
    unexpected = sum(load.unexpected for load in loads)
    worst = max(growth.values())
    rows = [
        (
            f"result page >= {FLOOR_RATIO} x floor",
            f"{floor_ratio:.3f} x in run {chosen} ({form_c.rps:.0f} / {floor_c.rps:.0f} req/s)",
            floor_ratio >= FLOOR_RATIO,
        ),
        (
            f"API throughput >= {API_RATIO} x bare",
            f"{api_ratio:.3f} x in run {chosen} ({api_c.rps:.0f} / {bare_c.rps:.0f} req/s)",
            api_ratio >= API_RATIO,
        ),
        (
            f"result page with CSS and JS as transferred through nginx <= {PAGE_LIMIT} B",
            f"{weight.total} B transferred ({weight.raw_total} B raw) in {weight.requests} "
            "requests",
            weight.total <= PAGE_LIMIT,
        ),
        (
            "no external origin",
            f"{len(origins)} external origins of loaded resources",
            not origins,
        ),
        (
            "zero errors, non-2xx, unexpected bodies",
            f"{errors} errors, {non_2xx} non-2xx, {unexpected} unexpected "
            f"in {sum(x.requests for x in loads)} requests",
            errors == 0 and non_2xx == 0 and unexpected == 0,
        ),
        (
            f"worker memory growth <= {MEMORY_GROWTH:g} %",
            f"{worst:+.2f} % (worst worker)" + (", workers restarted" if restarted else ""),
            worst <= MEMORY_GROWTH and not restarted,
        ),
    ]
    width = max(len(r[0]) for r in rows)
    mwidth = max(len(r[1]) for r in rows)
    print(f"\n{'target':<{width}}  {'measured':<{mwidth}}  pass")
    print(f"{'-' * width}  {'-' * mwidth}  ----")
    for target, measured, ok in rows:
        print(f"{target:<{width}}  {measured:<{mwidth}}  {'yes' if ok else 'NO'}")
    passed = all(ok for _, _, ok in rows)
    print(f"\n{'All targets met.' if passed else 'Some targets missed.'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
