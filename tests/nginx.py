"""deploy/nginx.conf run for real on 127.0.0.1, in front of a gunicorn: for tests and the bench.

Only the ports, the certificate paths (a throwaway self-signed certificate made with openssl),
the body temporary folder (this run's own, on tmpfs too), the IPv6 listens and the server name
(127.0.0.1 added) are changed; every other line is the deployed file's. Nothing here
imports pytest: tests/bench/run.py uses it too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .helpers import ROOT
from .servers import free_port, stop

CONFIG = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class NginxError(RuntimeError):
    """nginx could not be configured or did not start."""


@dataclass
class FrontDoor:
    """nginx running deploy/nginx.conf: its HTTPS and HTTP addresses and a trusting context.

    `body_temp` is where nginx would write a request body that outgrew its buffer: on tmpfs,
    as deployed, but this run's own folder.
    """

    https: str
    http: str
    context: ssl.SSLContext
    workdir: Path
    body_temp: Path
    process: subprocess.Popen

    def open(self, path: str, data: bytes | None = None, opener=None, timeout: float = 10):
        """Request a path through nginx over HTTPS."""
        request = urllib.request.Request(self.https + path, data=data)
        if opener is not None:
            return opener.open(request, timeout=timeout)
        return urllib.request.urlopen(request, timeout=timeout, context=self.context)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """Make a throwaway certificate for 127.0.0.1, valid for a day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-days", "1", "-subj", "/CN=calc.example.org", "-keyout", str(key)]
        + ["-out", str(cert), "-addext", "subjectAltName=DNS:calc.example.org,IP:127.0.0.1"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


BODY_TEMP = "/dev/shm/calculator-nginx-body"  # noqa: S108 - the deployed path, replaced here
SHM = Path("/dev/shm")  # noqa: S108 - a tmpfs; each run makes its own folder there (mkdtemp)


def site_config(
    upstream: int, http: int, https: int, cert: Path, key: Path, body_temp: Path | None = None
) -> str:
    """Return deploy/nginx.conf with only its ports, certificate and temporary paths, IPv6
    listens and (so that tests may ask for https://127.0.0.1/) its server name changed."""
    text = CONFIG.read_text(encoding="utf-8")
    replacements = {  # each: (new, how many times the deployed file has it)
        "server 127.0.0.1:8000;": (f"server 127.0.0.1:{upstream};", 1),
        "    listen [::]:80;\n": ("", 1),
        "    listen [::]:443 ssl;\n": ("", 1),
        "    listen [::]:80 default_server;\n": ("", 1),
        "    listen [::]:443 ssl default_server;\n": ("", 1),
        "listen 80;": (f"listen 127.0.0.1:{http};", 1),
        "listen 443 ssl;": (f"listen 127.0.0.1:{https} ssl;", 1),
        "listen 80 default_server;": (f"listen 127.0.0.1:{http} default_server;", 1),
        "listen 443 ssl default_server;": (f"listen 127.0.0.1:{https} ssl default_server;", 1),
        "server_name calc.example.org;": ("server_name calc.example.org 127.0.0.1;", 2),
        "/etc/letsencrypt/live/calc.example.org/fullchain.pem": (str(cert), 2),
        "/etc/letsencrypt/live/calc.example.org/privkey.pem": (str(key), 2),
        f"client_body_temp_path {BODY_TEMP};": (
            f"client_body_temp_path {body_temp or BODY_TEMP};",
            1,
        ),
    }
    for old, (new, times) in replacements.items():
        if text.count(old) != times:
            raise NginxError(f"deploy/nginx.conf no longer has {old!r} {times} time(s)")
        text = text.replace(old, new)
    return text


def main_config(folder: Path) -> str:
    """Return a minimal nginx.conf that includes the site, with every file in one folder."""
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"    {kind}_temp_path {folder / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        f"    access_log {folder / 'access.log'};\n{temp}"
        f"    include {folder / 'calculator.conf'};\n"
        "}\n"
    )


@contextlib.contextmanager
def front_door(
    upstream: str, nginx: str = NGINX, timeout: float = 30, **popen: Any
) -> Iterator[FrontDoor]:
    """Run deploy/nginx.conf in front of `upstream` (http://127.0.0.1:PORT); always stop it.

    `popen` goes to subprocess.Popen (the bench asks for a new session, for instance).
    """
    if not Path(nginx).exists():
        raise NginxError("nginx was not found: install it with 'apt-get install -y nginx'.")
    shm = str(SHM) if SHM.is_dir() else None
    with (
        tempfile.TemporaryDirectory(prefix="frontdoor-") as name,
        tempfile.TemporaryDirectory(prefix="frontdoor-body-", dir=shm) as body_name,
    ):
        folder = Path(name)
        folder.chmod(0o755)
        body_temp = Path(body_name) / "client_body"
        Path(body_name).chmod(0o755)
        cert, key = make_certificate(folder)
        https, http = free_port(), free_port()
        port = int(upstream.rsplit(":", 1)[1])
        (folder / "calculator.conf").write_text(
            site_config(port, http, https, cert, key, body_temp)
        )
        (folder / "nginx.conf").write_text(main_config(folder))
        argv = [nginx, "-p", str(folder), "-e", str(folder / "error.log")]
        argv += ["-c", str(folder / "nginx.conf"), "-g", "daemon off;"]
        checked = subprocess.run([*argv, "-t"], capture_output=True, text=True, timeout=30)
        if checked.returncode != 0 or "[warn]" in checked.stderr:
            raise NginxError(
                f"nginx -t refused or warned about the configuration: {checked.stderr}"
            )
        context = ssl.create_default_context(cafile=str(cert))
        with open(folder / "nginx.out", "w+b") as log:
            process = subprocess.Popen(argv, stdout=log, stderr=log, **popen)
            try:
                door = FrontDoor(
                    f"https://127.0.0.1:{https}",
                    f"http://127.0.0.1:{http}",
                    context,
                    folder,
                    body_temp,
                    process,
                )
                deadline = time.monotonic() + timeout
                while True:
                    try:
                        door.open("/healthz", timeout=2).close()
                        break
                    except (urllib.error.URLError, ConnectionError, TimeoutError):
                        if time.monotonic() > deadline or process.poll() is not None:
                            log.seek(0)
                            raise NginxError(
                                f"nginx did not start: {log.read().decode()}"
                            ) from None
                        time.sleep(0.2)
                yield door
            finally:
                stop(process, grace=15)
