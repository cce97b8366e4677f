"""Benchmark of the three apps, each figure paired with a yardstick measured in the same run.

    .venv/bin/python bench/apps_bench.py [--quick] [--only udp,web,sidecar,attacks] [--soak SECONDS]

Runs from a fresh clone with nothing outside the repository: the UDP yardstick
(bench/udp_echo.c) and load generator (bench/udp_load.c) are compiled with ``cc`` into a
temporary directory, app/udp with its own Makefile. The web part needs Debian's ``wrk`` and,
for its yardstick, ``nginx`` (``apt-get install -y wrk nginx-light``); without them it says
SKIPPED, never passed. All traffic goes to 127.0.0.1 and every load loop is bounded in count
and in time.

These 2-core machines are noisy, so an absolute figure means little on its own: each app is
measured in alternation with its yardstick (A B, B A, A B, ...; several samples each) and the
figure to quote is the ratio of the medians.

* udp: the UDP service vs the batched C echo, round trips/s at 32 and at 1 datagram in flight.
* web: the web service vs nginx (1 worker, the same JSON body as a static file, access log on,
  as the app logs every request), ``wrk -t1 -c32`` requests/s.
* sidecar: the false-503 rate of /healthz under 1, 2 and 4 flooding senders, and the time from
  killing (SIGKILL), stopping (SIGSTOP) or garbling the UDP service to 503, over many runs.
* attacks: the attacks of issue 14 rerun against the current apps (pipelining behind /burn,
  slowloris at the connection cap, an open-files limit of 1024, SIGTERM under a keep-alive
  loop, /burn with 4,301 digits, a forged UDP echo loop, UDP amplification).
* soak (``--soak SECONDS``, off by default): all three apps under steady load, with RSS, open
  descriptors and the false-503 rate printed over time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "app"
BENCH = REPO / "bench"

# Targets (issue 14, shared yardsticks): ratios to the same-run yardstick, and absolute bounds.
UDP_RATIO_TARGET = {32: 0.5, 1: 0.8}
WEB_RATIO_TARGET = 0.25
FALSE_503_TARGET = 0.01
DETECTION_TARGET_S = 2.0


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# -- processes ---------------------------------------------------------------------------
class Proc:
    """A started program whose stdout is drained in chunks by a thread (a full pipe would stall
    it); keeps its JSON event lines that are not access-log lines, and counts all lines."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None, nofile: int | None = None) -> None:
        def limit() -> None:
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.proc = subprocess.Popen(
            argv,
            env={**os.environ, "BIND_HOST": "127.0.0.1", "PYTHONDONTWRITEBYTECODE": "1", **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            preexec_fn=limit if nofile is not None else None,
        )
        self.lines = 0
        self.events: list[dict[str, Any]] = []
        self.stderr = b""
        self.port: int | None = None
        self._ready = threading.Event()
        self._threads = [
            threading.Thread(target=self._drain, daemon=True),
            threading.Thread(target=self._drain_stderr, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        rest = b""
        while chunk := os.read(fd, 1 << 16):
            self.lines += chunk.count(b"\n")
            rest += chunk
            lines = rest.split(b"\n")
            rest = lines.pop()
            for raw in lines:
                if raw.startswith(b"port="):  # udp_echo announces itself this way
                    self.port = int(raw[5:])
                    self._ready.set()
                elif b'"event"' in raw and len(self.events) < 10_000:
                    event = json.loads(raw)
                    self.events.append(event)
                    if event.get("event") == "listening" and self.port is None:
                        self.port = int(event["port"])
                        self._ready.set()
            rest = rest[-65536:]

    def _drain_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            if len(self.stderr) < 1 << 20:
                self.stderr += raw

    def wait_port(self, timeout: float = 10.0) -> int:
        if not self._ready.wait(timeout) or self.port is None:
            self.kill()
            raise SystemExit(f"{self.proc.args!r} did not announce its port; stderr: {self.stderr[-500:]!r}")
        return self.port

    def event(self, name: str, timeout: float = 3.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.events if e.get("event") == name]
            if found:
                return found[-1]
            time.sleep(0.01)
        raise SystemExit(f"{self.proc.args!r}: no {name!r} line")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for thread in self._threads:
            thread.join(2)
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def fds(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def running(*procs: Proc) -> Iterator[None]:
    try:
        yield
    finally:
        for proc in procs:
            proc.stop()


@dataclass
class Tools:
    echo: Path
    load: Path
    service: Path


def build(workdir: Path) -> Tools:
    """Compile the yardstick, the load generator and the UDP service into workdir."""
    if shutil.which("cc") is None or shutil.which("make") is None:
        raise SystemExit("the benchmark needs cc and make (apt-get install -y gcc make)")
    for name in ("udp_echo", "udp_load"):
        subprocess.run(["cc", "-O2", "-o", str(workdir / name), str(BENCH / f"{name}.c")], check=True)
    subprocess.run(["make", "-s", "-C", str(APP / "udp"), f"BUILD_DIR={workdir}"], check=True)
    return Tools(workdir / "udp_echo", workdir / "udp_load", workdir / "udp-service")


def web_app(env: dict[str, str] | None = None, nofile: int | None = None) -> Proc:
    return Proc([sys.executable, str(APP / "web" / "server.py")], {"PORT": "0", **(env or {})}, nofile=nofile)


def udp_app(tools: Tools, env: dict[str, str] | None = None) -> Proc:
    return Proc([str(tools.service)], {"UDP_PORT": "0", "STATS_INTERVAL_S": "0", **(env or {})})


def sidecar_app(udp_port: int, env: dict[str, str] | None = None) -> Proc:
    return Proc(
        [sys.executable, str(REPO / "components" / "fargatelb" / "sidecar" / "sidecar.py")],
        {"HEALTH_PORT": "0", "UDP_TARGET_PORT": str(udp_port), **(env or {})},
    )


def echo_app(tools: Tools, max_seconds: float, mode: str = "echo", port: int = 0) -> Proc:
    return Proc([str(tools.echo), str(port), str(int(max_seconds) + 1), mode])


def free_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(port: int, path: str = "/healthz", timeout: float = 2.0) -> tuple[int, dict[str, Any] | None]:
    """Status and JSON body of one GET on a fresh connection; status 0 if no answer."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split(b" ")[1]), json.loads(body) if body else None
    except (OSError, IndexError, ValueError):
        return 0, None


def wait_status(port: int, status: int, timeout: float, poll: float = 0.01) -> float | None:
    """Seconds until GET /healthz answers ``status``, or None past ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if http_get(port, timeout=1.0)[0] == status:
            return time.monotonic() - started
        time.sleep(poll)
    return None


# -- UDP ---------------------------------------------------------------------------------
def udp_rtt(tools: Tools, port: int, seconds: float, window: int) -> dict[str, float]:
    out = subprocess.run(
        [str(tools.load), "rtt", str(port), str(seconds), str(window)],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", out)}


def bench_udp(tools: Tools, samples: int, seconds: float) -> dict[str, float]:
    print(f"== UDP service vs the C echo yardstick: udp_load rtt, {seconds:g} s per sample, {samples} pairs ==")
    figures: dict[str, float] = {}
    budget = samples * 2 * 2 * (seconds + 1) + 30
    echo, service = echo_app(tools, budget), udp_app(tools)
    with running(echo, service):
        ports = {"echo": echo.wait_port(), "service": service.wait_port()}
        for window in (32, 1):
            rates: dict[str, list[float]] = {"echo": [], "service": []}
            p99: dict[str, list[float]] = {"echo": [], "service": []}
            for i in range(samples):
                for name in ("echo", "service") if i % 2 == 0 else ("service", "echo"):
                    r = udp_rtt(tools, ports[name], seconds, window)
                    rates[name].append(r["round_trips_per_s"])
                    p99[name].append(r["p99_us"])
            ratio = median(rates["service"]) / median(rates["echo"])
            pair_ratios = [s / e for s, e in zip(rates["service"], rates["echo"], strict=True)]
            figures[f"udp_ratio_{window}"] = ratio
            print(
                f"  {window:>2} in flight: service {median(rates['service']):>9,.0f}/s"
                f" (p99 {median(p99['service']):.0f} µs)"
                f"  echo {median(rates['echo']):>9,.0f}/s (p99 {median(p99['echo']):.0f} µs)"
                f"  ratio {ratio:.2f} (pairs {min(pair_ratios):.2f}..{max(pair_ratios):.2f})"
                f"  | target >= {UDP_RATIO_TARGET[window]:.2f} {verdict(ratio >= UDP_RATIO_TARGET[window])}"
            )
    return figures


# -- web ---------------------------------------------------------------------------------
NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
error_log {prefix}/error.log;
pid {prefix}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log {access_log};
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location = / {{ root {www}; try_files /index.json =404; default_type application/json; }}
    }}
}}
"""


def wrk(port: int, seconds: int, connections: int = 32) -> tuple[float, str]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", f"http://127.0.0.1:{port}/"],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: \d+|Socket errors: .*", out)
    return (float(match.group(1)) if match else 0.0), (errors.group(0) if errors else "")


def bench_web(samples: int, seconds: int, tmp: Path) -> dict[str, float]:
    print(f"== Web service vs nginx (1 worker, same body; access log off, and on): wrk -t1 -c32 -d{seconds}s GET / ==")
    if shutil.which("wrk") is None:
        print("  SKIPPED: wrk is not installed (apt-get install -y wrk); no web figure from this run")
        return {}
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    app = web_app()
    figures: dict[str, float] = {}
    with running(app):
        app_port = app.wait_port()
        with socket.create_connection(("127.0.0.1", app_port)) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n")
            body = b"".join(iter(lambda: sock.recv(65536), b"")).partition(b"\r\n\r\n")[2]
        yards: dict[str, tuple[Proc, int]] = {}
        if nginx is None:
            print("  yardstick SKIPPED: nginx is not installed (apt-get install -y nginx-light); app figure only")
        else:
            (tmp / "www").mkdir(exist_ok=True)
            (tmp / "www" / "index.json").write_bytes(body)
            for name, log in (("nginx", "off"), ("nginx+log", str(tmp / "nginx-access.log"))):
                started = start_nginx(nginx, tmp / name, tmp / "www", log)
                if started is not None:
                    yards[name] = started
        try:
            ports = {"app": app_port, **{name: port for name, (_, port) in yards.items()}}
            rates: dict[str, list[float]] = {name: [] for name in ports}
            errors: set[str] = set()
            names = list(ports)
            for i in range(samples):
                for name in names if i % 2 == 0 else names[::-1]:
                    rate, error = wrk(ports[name], seconds)
                    rates[name].append(rate)
                    if error:
                        errors.add(f"{name}: {error}")
            print(
                f"  app        {median(rates['app']):>9,.0f} req/s" + (f"  ERRORS: {sorted(errors)}" if errors else "")
            )
            figures["web_rps"] = median(rates["app"])
            for name in yards:
                ratio = median(rates["app"]) / median(rates[name])
                figures[f"web_ratio_{name.replace('+', '_')}"] = ratio
                print(
                    f"  {name:<10} {median(rates[name]):>9,.0f} req/s  app/{name} {ratio:.2f}"
                    f"  | target >= {WEB_RATIO_TARGET:.2f} {verdict(ratio >= WEB_RATIO_TARGET)}"
                )
            rss = app.rss_kib()
        finally:
            for proc, _ in yards.values():
                proc.stop(signal.SIGQUIT)
    print(f"  access log lines drained from the app: {app.lines:,}; its RSS after the runs {rss // 1024} MiB")
    return figures


def start_nginx(nginx: str, prefix: Path, www: Path, access_log: str) -> tuple[Proc, int] | None:
    """nginx as one non-forking process serving www/index.json, or None if it does not start."""
    prefix.mkdir()
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(NGINX_CONF.format(prefix=prefix, www=www, access_log=access_log, port=port))
    proc = Proc([nginx, "-e", str(prefix / "error.log"), "-p", str(prefix), "-c", str(conf)])
    deadline = time.monotonic() + 5
    while http_get(port, "/")[0] != 200:
        if time.monotonic() > deadline or proc.proc.poll() is not None:
            print(f"  yardstick SKIPPED: nginx did not start: {proc.stderr[-300:]!r}")
            proc.kill()
            return None
        time.sleep(0.05)
    return proc, port


# -- sidecar -----------------------------------------------------------------------------
def flood(tools: Tools, port: int, seconds: float, senders: int) -> list[subprocess.Popen[str]]:
    return [
        subprocess.Popen(
            [str(tools.load), "flood", str(port), str(seconds), str(int(seconds * 2_000_000))],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(senders)
    ]


def flood_rate(floods: list[subprocess.Popen[str]], timeout: float) -> float:
    total = 0.0
    for f in floods:
        out, _ = f.communicate(timeout=timeout)
        match = re.search(r"per_s=(\d+)", out)
        total += float(match.group(1)) if match else 0.0
    return total


@dataclass
class PollStats:
    polls: int = 0
    ok: int = 0
    false_503: int = 0
    no_answer: int = 0
    flips: int = 0
    probes: int = 0
    answered: int = 0


def poll_health(port: int, seconds: float, stats: PollStats, every: float = 0.02) -> None:
    last = 200
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, body = http_get(port, timeout=2.0)
        stats.polls += 1
        stats.ok += status == 200
        stats.false_503 += status == 503
        stats.no_answer += status == 0
        if status in (200, 503) and status != last:
            stats.flips += 1
            last = status
        if body:
            stats.probes += body.get("window_probes", 0)
            stats.answered += body.get("window_answered", 0)
        time.sleep(every)


def bench_sidecar(tools: Tools, flood_seconds: float, runs: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    print(
        f"== Health sidecar under a flood of 64-byte datagrams: /healthz polled every 20 ms for {flood_seconds:g} s =="
    )
    for senders in (1, 2, 4):
        service = udp_app(tools)
        udp_port = service.wait_port()
        sidecar = sidecar_app(udp_port)
        with running(sidecar, service):
            port = sidecar.wait_port()
            if wait_status(port, 200, 5) is None:
                raise SystemExit("sidecar never turned healthy before the flood")
            floods = flood(tools, udp_port, flood_seconds, senders)
            stats = PollStats()
            time.sleep(0.3)
            poll_health(port, flood_seconds - 0.8, stats)
            rate = flood_rate(floods, flood_seconds + 10)
        share = stats.false_503 / max(stats.polls, 1)
        figures[f"false_503_{senders}"] = share
        target = f"  | target < {FALSE_503_TARGET:.0%} {verdict(share < FALSE_503_TARGET)}" if senders == 4 else ""
        print(
            f"  {senders} sender(s), {rate:>9,.0f} datagrams/s: {stats.polls} polls, false 503 {share:.2%}"
            f" ({stats.false_503}), no answer {stats.no_answer}, verdict flips {stats.flips},"
            f" probes answered {stats.answered / max(stats.probes, 1):.0%}{target}"
        )

    print(f"== Health sidecar detection: {runs} runs each, /healthz polled every 10 ms ==")
    results: dict[str, tuple[list[float], list[float]]] = {}
    results["kill (SIGKILL)"] = detect_kill(tools, runs)
    results["stop (SIGSTOP)"] = detect_signal(tools, runs, "stop")
    results["garbage answers"] = detect_signal(tools, runs, "garbage")
    worst = 0.0
    for name, (down, up) in results.items():
        worst = max(worst, max(down, default=float("inf")))
        print(
            f"  {name:<16} -> 503: median {median(down):.2f} s  p90 {pct(down, 0.9):.2f} s  max {max(down):.2f} s"
            f"   back -> 200: median {median(up):.2f} s  max {max(up):.2f} s"
            f"  | target <= {DETECTION_TARGET_S:g} s {verdict(max(down) <= DETECTION_TARGET_S)}"
        )
        figures[f"detect_{name.split()[0]}_max"] = max(down)
    figures["detect_worst"] = worst
    return figures


def detect_kill(tools: Tools, runs: int) -> tuple[list[float], list[float]]:
    udp_port = free_port(socket.SOCK_DGRAM)
    sidecar = sidecar_app(udp_port)
    down: list[float] = []
    up: list[float] = []
    with running(sidecar):
        port = sidecar.wait_port()
        for _ in range(runs):
            service = udp_app(tools, {"UDP_PORT": str(udp_port)})
            service.wait_port()
            back = wait_status(port, 200, 5)
            up.append(back if back is not None else float("inf"))
            service.kill()
            gone = wait_status(port, 503, 5)
            down.append(gone if gone is not None else float("inf"))
    return down, up


def detect_signal(tools: Tools, runs: int, kind: str) -> tuple[list[float], list[float]]:
    """SIGSTOP/SIGCONT the real service, or switch the stand-in to garbage and back."""
    if kind == "stop":
        target = udp_app(tools)
        bad, good = signal.SIGSTOP, signal.SIGCONT
    else:
        target = echo_app(tools, runs * 6 + 30, "pong")
        bad, good = signal.SIGUSR1, signal.SIGUSR2
    udp_port = target.wait_port()
    sidecar = sidecar_app(udp_port)
    down: list[float] = []
    up: list[float] = []
    with running(sidecar, target):
        port = sidecar.wait_port()
        if wait_status(port, 200, 5) is None:
            raise SystemExit(f"sidecar never turned healthy ({kind})")
        for _ in range(runs):
            target.proc.send_signal(bad)
            gone = wait_status(port, 503, 5)
            down.append(gone if gone is not None else float("inf"))
            target.proc.send_signal(good)
            back = wait_status(port, 200, 5)
            up.append(back if back is not None else float("inf"))
            time.sleep(0.3)  # a few good probes before the next outage
        target.proc.send_signal(signal.SIGCONT)
    return down, up


# -- attacks -----------------------------------------------------------------------------
def attack_pipelining(runs: int, seconds: float) -> None:
    print(f"-- web: one client pipelines behind /burn and never reads, {seconds:g} s, {runs} runs")
    chunk = b"GET /burn?ms=50 HTTP/1.1\r\nHost: a\r\n\r\n" + b"GET / HTTP/1.1\r\nHost: a\r\n\r\n" * 2000
    for run in range(runs):
        app = web_app()
        with running(app):
            port = app.wait_port()
            http_get(port, "/")
            before = peak = app.rss_kib()
            sent = 0
            cut = False
            with socket.create_connection(("127.0.0.1", port)) as sock:
                sock.setblocking(False)
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    try:
                        sent += sock.send(chunk)
                    except BlockingIOError:
                        time.sleep(0.002)
                    except OSError:
                        cut = True
                        break
                    peak = max(peak, app.rss_kib())
                healthz = http_get(port)[0]
        print(
            f"   run {run + 1}: RSS {before // 1024} -> peak {peak // 1024} MiB, sent {sent / 1e6:.1f} MB,"
            f" client cut off by SEND_TIMEOUT: {'yes' if cut else 'not yet'}, /healthz {healthz}"
        )


class SlowClients:
    """Connections that send a request head one byte at a time and never finish it."""

    def __init__(self, port: int, count: int) -> None:
        self.port = port
        self.socks: list[socket.socket] = []
        self.count = count
        self.opened = 0
        self.refill()

    def refill(self, budget_s: float = 2.0) -> None:
        """Top up to ``count`` open connections, for at most ``budget_s`` (a full accept queue
        drops handshakes; those attempts time out and are retried at the next refill)."""
        self.socks = [s for s in self.socks if s.fileno() >= 0]
        deadline = time.monotonic() + budget_s
        while len(self.socks) < self.count and time.monotonic() < deadline:
            sock = socket.socket()
            sock.settimeout(0.2)
            try:
                sock.connect(("127.0.0.1", self.port))
                sock.send(b"GET / HTTP/1.1\r\nHost: slow\r\n")
            except OSError:
                sock.close()
                continue
            sock.setblocking(False)
            self.socks.append(sock)
            self.opened += 1

    def dribble(self) -> None:
        for sock in self.socks:
            try:
                sock.send(b"X")
                while sock.recv(4096):  # whatever came back (a 408): read, then drop the socket
                    pass
                sock.close()  # EOF: closed by the server
            except BlockingIOError:
                continue
            except OSError:
                sock.close()

    def close(self) -> None:
        for sock in self.socks:
            sock.close()


def attack_slowloris(seconds: float, count: int, nofile: int | None = None) -> None:
    label = f"open-files limit {nofile}" if nofile else "default settings"
    print(f"-- web: {count:,} slow clients (a byte a second, never a blank line) for {seconds:g} s, {label}")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 256:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 512), hard))
        except (ValueError, OSError):
            count = max(soft - 256, 16)
    app = web_app(nofile=nofile)
    with running(app):
        port = app.wait_port()
        listening = app.event("listening")
        cpu_before, started = app.cpu_s(), time.monotonic()
        slow = SlowClients(port, count)
        health = {200: 0, "other": 0}
        root = {200: 0, 503: 0, "reset/none": 0}
        max_fds = 0
        next_dribble = time.monotonic()
        try:
            while time.monotonic() - started < seconds:
                if time.monotonic() >= next_dribble:
                    slow.dribble()
                    slow.refill()
                    next_dribble = time.monotonic() + 1.0
                status = http_get(port, "/healthz", timeout=1.0)[0]
                health[200 if status == 200 else "other"] += 1
                status = http_get(port, "/", timeout=1.0)[0]
                root[status if status in (200, 503) else "reset/none"] += 1
                max_fds = max(max_fds, app.fds())
                time.sleep(0.2)
            cpu = (app.cpu_s() - cpu_before) / (time.monotonic() - started)
            rss = app.rss_kib()
        finally:
            slow.close()
        stopped = app.stop()
    counters = app.event("stopped")
    answered = health[200] / max(sum(health.values()), 1)
    print(
        f"   cap {listening['max_connections']} + {listening['reserved_connections']} reserved"
        f" (RLIMIT_NOFILE {listening['nofile_limit']}); slow connections opened {slow.opened:,}"
    )
    print(
        f"   /healthz answered {health[200]}/{sum(health.values())} ({answered:.0%})"
        f" | target 100% {verdict(answered == 1.0)};  GET / -> {root}"
    )
    print(
        f"   server: CPU {cpu:.0%}, RSS {rss // 1024} MiB, at most {max_fds} fds, exit {stopped};"
        f" 408s {counters['header_timeouts']}, evicted {counters['evicted']}, refused {counters['refused']};"
        f" accept/loop errors {counters['loop_errors']}, stderr: {'empty' if not app.stderr else app.stderr[-200:]!r}"
    )


def attack_connection_flood(count: int, nofile: int) -> None:
    print(f"-- web: {count:,} connections opened as fast as possible and never used, open-files limit {nofile}")
    app = web_app(nofile=nofile)
    health = []
    max_fds = 0
    with running(app):
        port = app.wait_port()
        socks: list[socket.socket] = []
        started = time.monotonic()
        try:
            while len(socks) < count and time.monotonic() - started < 30:
                sock = socket.socket()
                sock.setblocking(False)
                sock.connect_ex(("127.0.0.1", port))
                socks.append(sock)
                if len(socks) % 250 == 0:
                    health.append(http_get(port, timeout=1.0)[0])
                    max_fds = max(max_fds, app.fds())
        finally:
            for sock in socks:
                sock.close()
        time.sleep(0.2)
    counters = app.event("stopped")
    answered = health.count(200) / max(len(health), 1)
    print(
        f"   /healthz answered {health.count(200)}/{len(health)} | target 100% {verdict(answered == 1.0)};"
        f" at most {max_fds} fds; evicted {counters['evicted']}, accept/loop errors {counters['loop_errors']}"
    )


def attack_drain(runs: int, clients: int = 32) -> None:
    print(f"-- web: SIGTERM under a {clients}-client keep-alive loop, {runs} runs")
    total = {"answered": 0, "connection_close": 0, "reset": 0, "unanswered": 0, "connections": 0}
    exits: list[float] = []
    for _ in range(runs):
        results, exit_s = drain_run(clients)
        exits.append(exit_s)
        for seen in results:
            for key, value in seen.items():
                total[key] += value
    print(
        f"   {total['connections']} connections, {total['answered']:,} answers; last answer with"
        f" Connection: close on {total['connection_close']}; reset {total['reset']}, unanswered"
        f" {total['unanswered']} | target 0 reset {verdict(total['reset'] == 0)};"
        f" exit after SIGTERM: max {max(exits):.2f} s"
    )


def drain_run(clients: int) -> tuple[list[dict[str, int]], float]:
    """One server, ``clients`` keep-alive loops, SIGTERM half a second in; what each saw."""
    app = web_app()
    port = app.wait_port()
    results: list[dict[str, int]] = []
    stop_at = time.monotonic() + 10
    warm = threading.Barrier(clients + 1, timeout=10)

    def client() -> None:
        seen = {"answered": 0, "connection_close": 0, "reset": 0, "unanswered": 0, "connections": 1}
        results.append(seen)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                buf = b""
                warm.wait()
                while time.monotonic() < stop_at:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: d\r\n\r\n")
                    while b'{"status":"ok"}\n' not in buf:
                        chunk = sock.recv(65536)
                        if not chunk:
                            seen["unanswered"] += 1
                            return
                        buf += chunk
                    head, _, buf = buf.partition(b'{"status":"ok"}\n')
                    seen["answered"] += 1
                    if b"Connection: close" in head:
                        seen["connection_close"] += 1
                        return
        except (ConnectionResetError, BrokenPipeError):
            seen["reset"] += 1
        except threading.BrokenBarrierError:
            pass

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    warm.wait()
    time.sleep(0.5)
    sent = time.monotonic()
    app.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(10)
    app.proc.wait(15)
    exit_s = time.monotonic() - sent
    app.stop()
    return results, exit_s


def attack_digits() -> None:
    app = web_app()
    with running(app):
        port = app.wait_port()
        status, body = http_get(port, "/burn?ms=" + "1" * 4301)
        time.sleep(0.2)
    logged = app.lines >= 2  # listening + this request's access line (+ draining/stopped)
    print(
        f"-- web: /burn?ms= with 4,301 digits -> {status} {body};"
        f" access log line: {'yes' if logged else 'no'}; traceback: {'yes' if b'Traceback' in app.stderr else 'no'}"
        f" | target 400 {verdict(status == 400 and b'Traceback' not in app.stderr)}"
    )


def forge_udp(source: tuple[str, int], dest: tuple[str, int], payload: bytes) -> None:
    """One UDP datagram with any source (raw socket, root only): how reflection starts."""
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as raw:
        udp = struct.pack("!HHHH", source[1], dest[1], 8 + len(payload), 0) + payload
        header = struct.pack(
            "!BBHHHBBH4s4s",
            0x45,
            0,
            20 + len(udp),
            0,
            0,
            64,
            socket.IPPROTO_UDP,
            0,
            socket.inet_aton(source[0]),
            socket.inet_aton(dest[0]),
        )
        words = sum(struct.unpack("!10H", header))
        while words >> 16:
            words = (words & 0xFFFF) + (words >> 16)
        header = header[:10] + struct.pack("!H", ~words & 0xFFFF) + header[12:]
        raw.sendto(header + udp, (dest[0], 0))


def attack_udp(tools: Tools) -> None:
    if os.geteuid() != 0:
        print("-- udp: forged echo loop SKIPPED (forging a source address needs a raw socket, i.e. root)")
    else:
        port = free_port(socket.SOCK_DGRAM)
        a = udp_app(tools, {"UDP_PORT": str(port), "BIND_HOST": "127.0.0.1"})
        b = udp_app(tools, {"UDP_PORT": str(port), "BIND_HOST": "127.0.0.2"})
        a.wait_port()
        b.wait_port()
        forge_udp(("127.0.0.2", port), ("127.0.0.1", port), b"bounce")  # from B, to A
        forge_udp(("127.0.0.1", port), ("127.0.0.1", port), b"to myself")  # A to itself
        forge_udp(("127.0.0.3", 53), ("127.0.0.1", port), b"as if from DNS")
        time.sleep(1.0)
        a.stop()
        b.stop()
        ca, cb = a.event("stopped"), b.event("stopped")
        answered = ca["echoed"] + ca["pongs"] + cb["echoed"] + cb["pongs"]
        print(
            f"-- udp: 3 forged datagrams (B->A on one port, A->A, from port 53), 1 s later: A received"
            f" {ca['received']} (dropped: own port {ca['dropped_own_port']},"
            f" privileged {ca['dropped_privileged_port']}),"
            f" B received {cb['received']}, answers sent {answered} | target 0 {verdict(answered == 0)}"
        )
    payloads = [b"PING", b"PING\n", b"PING x", b"PING tok" + b" " * 60, b"PING " + b"t" * 64 + b" " * 80]
    payloads += [os.urandom(n) for n in (1, 8, 64, 1400)]
    worst = {}
    for label, env in (("trusted (loopback)", {}), ("untrusted", {"TRUSTED_CIDRS": "none"})):
        service = udp_app(tools, env)
        with running(service):
            port = service.wait_port()
            ratio = 0.0
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(1.0)
                sock.connect(("127.0.0.1", port))
                for payload in payloads:
                    sock.send(payload)
                    ratio = max(ratio, len(sock.recv(65536)) / len(payload))
            worst[label] = ratio
    print(
        f"-- udp: largest answer/request size ratio over {len(payloads)} payloads: "
        + ", ".join(f"{k} {v:.2f}" for k, v in worst.items())
        + f" | target <= 1 {verdict(max(worst.values()) <= 1.0)}"
    )


def bench_attacks(tools: Tools, runs: int, seconds: float) -> None:
    print("== Issue 14's attacks, rerun against the current apps ==")
    attack_pipelining(min(runs, 3), seconds)
    attack_slowloris(max(seconds * 3, 12.0), 4096 + 32 + 256)  # more than every slot, reserve included
    attack_slowloris(max(seconds, 5.0), 1500, nofile=1024)
    attack_connection_flood(5000, nofile=1024)
    attack_drain(runs)
    attack_digits()
    attack_udp(tools)


# -- soak --------------------------------------------------------------------------------
def soak(tools: Tools, seconds: float) -> None:
    rows = 12
    interval = max(seconds / rows, 5.0)
    print(
        f"== Soak: {seconds:g} s. Web under wrk -c16, the UDP service under rtt load (16 in flight)"
        f" and 2 flooding senders, the sidecar polled every 50 ms; a row every {interval:g} s =="
    )
    web = web_app()
    service = udp_app(tools)
    udp_port = service.wait_port()
    sidecar = sidecar_app(udp_port)
    loads: list[subprocess.Popen[str]] = []
    with running(web, sidecar, service):
        web_port, health_port = web.wait_port(), sidecar.wait_port()
        if wait_status(health_port, 200, 5) is None:
            raise SystemExit("sidecar never turned healthy")
        if shutil.which("wrk"):
            loads.append(
                subprocess.Popen(
                    ["wrk", "-t1", "-c16", f"-d{max(1, int(seconds))}s", f"http://127.0.0.1:{web_port}/"],
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        else:
            print("  (wrk not installed: the web service idles during the soak)")
        loads.append(
            subprocess.Popen(
                [str(tools.load), "rtt", str(udp_port), str(seconds), "16"], stdout=subprocess.PIPE, text=True
            )
        )
        loads += flood(tools, udp_port, seconds, 2)
        print("      t     web RSS  fds     udp RSS  fds   sidecar RSS  fds   polls  503s  no-answer  503s so far")
        total = PollStats()
        started = time.monotonic()
        while time.monotonic() - started < seconds - 0.5:
            stats = PollStats()
            poll_health(health_port, min(interval, seconds - 0.5 - (time.monotonic() - started)), stats, every=0.05)
            for key in ("polls", "false_503", "no_answer"):
                setattr(total, key, getattr(total, key) + getattr(stats, key))
            print(
                f"  {time.monotonic() - started:5.0f}s  {web.rss_kib() / 1024:6.1f} MiB {web.fds():4d}"
                f"  {service.rss_kib() / 1024:6.1f} MiB {service.fds():4d}"
                f"  {sidecar.rss_kib() / 1024:8.1f} MiB {sidecar.fds():4d}"
                f"  {stats.polls:6d} {stats.false_503:5d} {stats.no_answer:6d}"
                f"     {total.false_503 / max(total.polls, 1):.2%}"
            )
        outputs = [load.communicate(timeout=30)[0] for load in loads]
    served = re.search(r"(\d+) requests in", outputs[0]) if shutil.which("wrk") else None
    rtt = re.search(r"round_trips_per_s=(\d+)", outputs[1 if served else 0])
    print(
        f"  served: web {int(served.group(1)) if served else 0:,} requests,"
        f" UDP {int(rtt.group(1)) * seconds if rtt else 0:,.0f} round trips under the flood"
    )
    rate = total.false_503 / max(total.polls, 1)
    print(f"  false-503 over the soak: {rate:.2%} of {total.polls} polls | target < 1% {verdict(rate < 0.01)}")


# -- main --------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=4, help="pairs (app, yardstick) per UDP/web figure")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per UDP sample (web: 1.5x)")
    parser.add_argument("--runs", type=int, default=10, help="runs per detection kind, and of the drain attack")
    parser.add_argument("--flood-seconds", type=float, default=15.0, help="seconds of flood per sender count")
    parser.add_argument("--attack-seconds", type=float, default=5.0, help="seconds per web attack run")
    parser.add_argument("--soak", type=float, default=0.0, metavar="SECONDS", help="add a soak of this length")
    parser.add_argument("--only", default="udp,web,sidecar,attacks", help="comma-separated sections to run")
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer and shorter samples")
    args = parser.parse_args()
    if args.quick:
        args.samples, args.seconds, args.runs, args.flood_seconds, args.attack_seconds = 2, 1.0, 3, 3.0, 2.0
    sections = set(args.only.split(",")) - {""}
    if args.soak > 0:
        sections.add("soak")
    print(
        f"apps benchmark {time.strftime('%Y-%m-%d %H:%M:%S')}, {os.cpu_count()} cores, Python"
        f" {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}; ratios to same-run yardsticks"
    )
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="apps-bench-") as tmp:
        tools = build(Path(tmp))
        if "udp" in sections:
            figures |= bench_udp(tools, args.samples, args.seconds)
        if "web" in sections:
            figures |= bench_web(args.samples, max(1, round(args.seconds * 1.5)), Path(tmp))
        if "sidecar" in sections:
            figures |= bench_sidecar(tools, args.flood_seconds, args.runs)
        if "attacks" in sections:
            bench_attacks(tools, args.runs, args.attack_seconds)
        if "soak" in sections:
            soak(tools, args.soak)
    if figures:
        print("figures: " + json.dumps({k: round(v, 4) for k, v in figures.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
