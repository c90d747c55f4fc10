"""Soak the calculator: mixed load on the production command, with one worker killed half-way.

Run from the repository root:

    .venv/bin/python tests/bench/soak.py [--duration 600] [--concurrency 4] [--kill-at 0.5]

It starts the production command, ``python -m gunicorn --preload --workers 2 --worker-class sync
--bind 127.0.0.1:PORT 'calculator:create_app()'`` (cwd = repository root, a random
FLASK_SECRET_KEY), on 127.0.0.1 only, and for --duration seconds (10 minutes by default) runs
--concurrency client threads, each in a closed loop over a mix of requests:

- 40 % API: POST /api/v3/assess with varied answers (one in ten invalid, which must be a 422);
- 30 % form: POST / with the thread's CSRF token and session cookie and varied answers, which
  must be a result page;
- 30 % pages: GET of /, /rules, /cases, a case, /api, /openapi.json, /healthz, the stylesheet.

Every answer is checked (status and content). At --kill-at of the run, one worker gets SIGKILL;
gunicorn starts another. Every 5 s it reads each worker's VmRSS. It prints one line a minute,
then the errors (the requests in flight on the killed worker apart), latency percentiles per
kind, the workers' memory in the first and the last minute, the CPU every process used (the
machine's other work included: on 2 CPUs it competes with the workers), and a table of targets:

- no failed request but those in flight at the kill;
- memory growth under 5 % from the first minute to the last, for the worker that lived
  through the run and for the two workers together.

It exits 0 when both are met and 1 otherwise. It uses only the standard library and the
helpers of tests/bench/run.py; the server is always stopped, and gets SIGTERM from the kernel
should this script die first. Not a pytest test: nothing in tests/bench is named test_*.py.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import secrets
import signal
import statistics
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from run import (
    TYPICAL,
    BenchError,
    PageParser,
    Server,
    busy_cpu_seconds,
    cpu_seconds,
    rss_kib,
)

API = "/api/v3/assess"
MEMORY_GROWTH = 5.0
SAMPLE_EVERY = 5.0
MIX = (("api", 0.4), ("form", 0.3), ("page", 0.3))
PAGES = (
    "/",
    "/rules",
    "/cases",
    "/cases/stable-jo1",
    "/api",
    "/openapi.json",
    "/healthz",
    "/static/style.css",
)


@dataclass
class Outcome:
    """One request: when it ran, what it was and whether its answer was right."""

    start: float
    end: float
    kind: str
    ok: bool
    what: str  # the status, or the exception's name


def answers(rng: random.Random) -> dict[str, Any]:
    """Return a varied, valid set of answers: the typical case with some answers changed."""
    varied = dict(TYPICAL)
    varied["age_at_onset"] = rng.randint(18, 90)
    varied["fvc_percent_predicted"] = round(rng.uniform(30, 120), rng.choice([0, 1, 3]))
    varied["diagnostic_delay_months"] = rng.choice([0, 3, 6, 9, 12, 24, 60])
    varied["anti_mda5"] = rng.choice(["positive", "negative", "not_tested"])
    varied["malignancy"] = rng.choice(
        [
            "none_found",
            "within_3_years",
            "outside_window_active",
            "outside_window_inactive",
            "not_known",
        ]
    )
    for name in rng.sample(sorted(varied), rng.randint(0, 3)):
        if name not in ("ild", "ild_course", "hrct_extent"):
            del varied[name]  # left out: not known
    return varied


class Client(threading.Thread):
    """A closed loop of mixed requests, each checked, on a new connection each time."""

    def __init__(self, server: Server, seed: int, until: float, out: list[Outcome]) -> None:
        super().__init__(daemon=True)
        self.port = server.port
        self.rng = random.Random(seed)  # noqa: S311 - a repeatable request mix, not a secret
        self.until = until
        self.out = out
        self.cookie = ""
        self.token = ""

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, http.client.HTTPMessage]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read(), response.headers
        finally:
            connection.close()

    def start_session(self) -> None:
        """Open the form once, as a person would: a session cookie and its CSRF token."""
        status, page, headers = self.request("GET", "/")
        if status != 200:
            raise BenchError(f"GET / answered {status}")
        self.cookie = headers["Set-Cookie"].split(";", 1)[0]
        parser = PageParser()
        parser.feed(page.decode())
        self.token = parser.csrf_token or ""

    def one(self, kind: str) -> tuple[bool, str]:
        """Send one request of a kind; say whether the answer was the right one."""
        if kind == "api":
            data = answers(self.rng)
            invalid = self.rng.random() < 0.1
            if invalid:
                data["anti_jo1"] = "maybe"
            body = json.dumps(data).encode()
            status, reply, _ = self.request("POST", API, body, {"Content-Type": "application/json"})
            want = 422 if invalid else 200
            right = b'"errors"' in reply if invalid else b'"factors"' in reply
            return status == want and right, str(status)
        if kind == "form":
            fields = {k: str(v) for k, v in answers(self.rng).items()}
            if "crp_mg_per_l" in fields:
                fields["crp_mg_per_l_unit"] = "mg_per_l"  # the form needs CRP's unit
            body = urllib.parse.urlencode({"csrf_token": self.token, **fields}).encode()
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": self.cookie,
            }
            status, reply, _ = self.request("POST", "/", body, headers)
            return status == 200 and b"Your answers" in reply, str(status)
        status, reply, _ = self.request("GET", self.rng.choice(PAGES))
        return status == 200 and len(reply) > 0, str(status)

    def run(self) -> None:
        kinds, weights = zip(*MIX, strict=True)
        while time.monotonic() < self.until:
            kind = self.rng.choices(kinds, weights)[0]
            start = time.monotonic()
            try:
                ok, what = self.one(kind)
            except (OSError, http.client.HTTPException) as error:
                ok, what = False, type(error).__name__
            self.out.append(Outcome(start, time.monotonic(), kind, ok, what))


def percentile(values: list[float], share: float) -> float:
    """Return a percentile of a list of values (nearest rank), or 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of load (600)")
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (4)")
    parser.add_argument("--kill-at", type=float, default=0.5, help="share of the run (0.5)")
    parser.add_argument("--seed", type=int, default=8, help="seed of the request mix (8)")
    args = parser.parse_args(argv)
    if args.duration < 120:
        parser.error("--duration must be at least 120 s: a first and a last minute are compared")
    return args


def mean_rss(
    samples: list[tuple[float, dict[int, int]]], low: float, high: float
) -> dict[int, float]:
    """Return each worker's mean VmRSS (KiB) over the samples taken from low to high seconds."""
    seen: dict[int, list[int]] = {}
    for at, rss in samples:
        if low <= at <= high:
            for pid, kib in rss.items():
                seen.setdefault(pid, []).append(kib)
    return {pid: statistics.fmean(values) for pid, values in seen.items()}


def mean_total(samples: list[tuple[float, dict[int, int]]], low: float, high: float) -> float:
    """Return the mean of the workers' summed VmRSS (KiB) over the samples from low to high."""
    totals = [sum(rss.values()) for at, rss in samples if low <= at <= high and len(rss) == 2]
    return statistics.fmean(totals) if totals else float("nan")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["FLASK_SECRET_KEY"] = secrets.token_hex(32)
    server = Server(env)
    print("Soak of the ASyS calculator")
    print(
        f"  {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} before the start; "
        f"{args.duration:g} s, {args.concurrency} client threads, one worker killed at "
        f"{args.duration * args.kill_at:g} s"
    )
    try:
        server.start()
        return soak(server, args)
    finally:
        server.stop()


def soak(server: Server, args: argparse.Namespace) -> int:
    """Run the load, kill a worker half-way, and report; return the exit status."""
    master = server.process.pid if server.process else 0
    first_workers = server.workers()
    print(f"  gunicorn on {server.url}: master {master}, workers {first_workers}")
    outcomes: list[Outcome] = []
    began = time.monotonic()
    until = began + args.duration
    clients = [Client(server, args.seed + n, until, outcomes) for n in range(args.concurrency)]
    for client in clients:
        client.start_session()

    worker_cpu: dict[int, float] = {}
    samples: list[tuple[float, dict[int, int]]] = []
    busy_before = busy_cpu_seconds()
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    master_before = cpu_seconds(master)
    cpu_before = {pid: cpu_seconds(pid) for pid in first_workers}
    for client in clients:
        client.start()

    killed: dict[str, Any] = {}
    next_sample = began
    next_report = began + 60
    while time.monotonic() < until:
        now = time.monotonic()
        if not killed and now >= began + args.duration * args.kill_at:
            victim = server.workers()[0]
            worker_cpu[victim] = cpu_seconds(victim)
            os.kill(victim, signal.SIGKILL)
            killed = {"pid": victim, "at": time.monotonic()}
            print(f"  -- SIGKILL to worker {victim} at {killed['at'] - began:.1f} s")
        if killed and "replaced" not in killed and len(server.workers()) == 2:
            if killed["pid"] not in server.workers():
                killed["replaced"] = time.monotonic()
        if now >= next_sample:
            rss = {}
            for pid in server.workers():
                try:
                    rss[pid] = rss_kib(pid)
                    worker_cpu[pid] = cpu_seconds(pid)
                except (OSError, BenchError):
                    continue
            samples.append((now - began, rss))
            next_sample += SAMPLE_EVERY
        if now >= next_report:
            print(f"  ... {round((now - began) / 60)} min", file=sys.stderr, flush=True)
            next_report += 60
        time.sleep(0.05)
    for client in clients:
        client.join(timeout=30)
    duration = time.monotonic() - began
    for pid in server.workers():
        worker_cpu[pid] = cpu_seconds(pid)
    busy = busy_cpu_seconds() - busy_before
    self_after = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (self_after.ru_utime - self_before.ru_utime) + (
        self_after.ru_stime - self_before.ru_stime
    )
    master_cpu = cpu_seconds(master) - master_before
    workers_cpu = sum(seconds - cpu_before.get(pid, 0.0) for pid, seconds in worker_cpu.items())

    return report(
        args,
        outcomes,
        samples,
        killed,
        began,
        duration,
        first_workers,
        {
            "busy": busy,
            "workers": workers_cpu,
            "master": master_cpu,
            "client": client_cpu,
        },
    )


def report(
    args: argparse.Namespace,
    outcomes: list[Outcome],
    samples: list[tuple[float, dict[int, int]]],
    killed: dict[str, Any],
    began: float,
    duration: float,
    first_workers: list[int],
    cpu: dict[str, float],
) -> int:
    """Print what the soak measured and the targets; return 0 when every target is met."""
    kill_at = killed.get("at", float("inf"))
    in_flight = [o for o in outcomes if not o.ok and o.start <= kill_at <= o.end]
    failed = [o for o in outcomes if not o.ok and o not in in_flight]
    print(f"\nRequests: {len(outcomes)} in {duration:.0f} s ({len(outcomes) / duration:.0f}/s)")
    if killed:
        back = killed.get("replaced", float("nan")) - kill_at
        print(
            f"  worker {killed['pid']} killed at {kill_at - began:.1f} s, replaced after "
            f"{back:.2f} s; failed while in flight at the kill: {len(in_flight)} "
            f"({', '.join(sorted({o.what for o in in_flight})) or 'none'})"
        )
    print(f"  failed otherwise: {len(failed)}")
    for o in failed[:10]:
        print(f"    at {o.start - began:7.2f} s  {o.kind:5s}  {o.what}")

    print("\n  minute  requests  req/s  failed  p99 ms  workers' VmRSS at its end (MiB)")
    minutes = max(1, round(duration / 60))
    for minute in range(minutes):
        window = [o for o in outcomes if min(int((o.end - began) // 60), minutes - 1) == minute]
        seconds = 60 if minute < minutes - 1 else duration - 60 * (minutes - 1)
        p99 = percentile([(o.end - o.start) * 1000 for o in window if o.ok], 0.99)
        taken = [rss for at, rss in samples if at <= 60 * minute + seconds]
        memory = ", ".join(f"{k / 1024:.1f}" for k in taken[-1].values()) if taken else "-"
        print(
            f"  {minute + 1:6d}  {len(window):8d}  {len(window) / seconds:5.0f}  "
            f"{sum(not o.ok for o in window):6d}  {p99:6.1f}  {memory}"
        )

    print("\nLatency of the right answers (ms)       count     p50     p90     p99     max")
    for kind in ("api", "form", "page", "all"):
        times = [(o.end - o.start) * 1000 for o in outcomes if o.ok and kind in (o.kind, "all")]
        print(
            f"  {kind:36s} {len(times):7d} {percentile(times, 0.5):7.1f} "
            f"{percentile(times, 0.9):7.1f} {percentile(times, 0.99):7.1f} "
            f"{max(times, default=0):7.1f}"
        )

    first = mean_rss(samples, 0, 60)
    last = mean_rss(samples, duration - 60, duration)
    print("\nWorkers' memory (VmRSS, mean of the samples every 5 s)")
    print("  worker   first minute   last minute   growth")
    survivors = [pid for pid in first_workers if pid in last]
    growths = []
    for pid in sorted(set(first) | set(last)):
        a, b = first.get(pid), last.get(pid)
        note = ""
        if pid == killed.get("pid"):
            note = "  (killed half-way)"
        elif pid not in first_workers:
            note = "  (the replacement)"
        shown_a = f"{a / 1024:9.1f} MiB" if a else "            -"
        shown_b = f"{b / 1024:9.1f} MiB" if b else "            -"
        growth = f"{(b / a - 1) * 100:+6.2f} %" if a and b else "     -"
        if pid in survivors:
            growths.append((b / a - 1) * 100)
        print(f"  {pid:6d} {shown_a}  {shown_b}   {growth}{note}")
    total_a, total_b = mean_total(samples, 0, 60), mean_total(samples, duration - 60, duration)
    total = (total_b / total_a - 1) * 100 if total_a else float("nan")
    print(f"  both   {total_a / 1024:9.1f} MiB  {total_b / 1024:9.1f} MiB   {total:+6.2f} %")

    others = max(0.0, cpu["busy"] - cpu["workers"] - cpu["master"] - cpu["client"])
    print(
        f"\nCPU over the run, in CPUs (of {os.cpu_count()}): workers "
        f"{cpu['workers'] / duration:.2f}, gunicorn master {cpu['master'] / duration:.2f}, "
        f"this script's clients {cpu['client'] / duration:.2f}, everything else "
        f"{others / duration:.2f}; load average at the end {os.getloadavg()[0]:.2f}"
    )

    worst = max(growths, default=float("nan"))
    targets = [
        (
            "no failed request but those in flight at the kill",
            f"{len(failed)} failed, {len(in_flight)} in flight",
            not failed and bool(killed),
        ),
        (
            f"memory growth of a worker that lived through the run < {MEMORY_GROWTH:g} %",
            f"{worst:+.2f} % ({len(survivors)} worker)",
            bool(survivors) and worst < MEMORY_GROWTH,
        ),
        (
            f"memory growth of both workers together < {MEMORY_GROWTH:g} %",
            f"{total:+.2f} %",
            total < MEMORY_GROWTH,
        ),
    ]
    print("\nTargets")
    for name, measured, met in targets:
        print(f"  {'pass' if met else 'FAIL'}  {name}: {measured}")
    return 0 if all(met for _, _, met in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
