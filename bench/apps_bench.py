"""Benchmark of the three apps against the yardsticks of shared/bench/README.md (not a test).

Measures, on loopback:

* the UDP service (app/udp): round trips/s and p50/p99 RTT with shared/bench/load.c at 32 and
  at 1 datagram in flight; the batched echo.c ceiling is measured in the same run when it is
  beside load.c, because these 2-core machines are noisy and only same-run ratios compare;
* the web service (app/web): ``wrk -t1 -c32 -d5s`` requests/s on ``GET /`` (skipped with a
  clear line if wrk is not installed: ``apt-get install wrk``), with its access log drained
  through a pipe as the awslogs driver would;
* the health sidecar (app/healthcheck): seconds from killing the UDP service to /healthz
  503 (and TCP mode's port closing), and from restarting it to 200 (port open again).

Usage: .venv/bin/python bench/apps_bench.py [--load-c PATH] [--seconds 5] [--skip-web] ...
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "app"

UDP_TARGET_32 = 97_000
UDP_TARGET_1 = 30_000
# The same targets as fractions of echo.c's yardstick (194k/s and 37.6k/s in the README):
# on a noisy machine the same-run ratio to echo.c is the figure that compares across runs.
UDP_RATIO_TARGET = {32: UDP_TARGET_32 / 194_000, 1: UDP_TARGET_1 / 37_600}
WEB_TARGET = 17_000
SIDECAR_TARGET_S = 2.0


class App:
    """A started app whose stdout is drained by a thread (a full pipe would stall it)."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            argv,
            env={**os.environ, "BIND_HOST": "127.0.0.1", "PYTHONDONTWRITEBYTECODE": "1", **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.lines = 0
        self.port: int | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines += 1
            if self.port is None and b'"listening"' in raw:
                self.port = int(json.loads(raw)["port"])
                self._ready.set()

    def wait_port(self, timeout: float = 5.0) -> int:
        if not self._ready.wait(timeout) or self.port is None:
            raise SystemExit(f"{self.proc.args!r} did not announce its port")
        return self.port

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def build(workdir: Path, load_c: Path) -> tuple[Path, Path | None, Path]:
    """Compile load.c (and echo.c beside it, if any) and the UDP service into workdir."""
    load = workdir / "udp_load"
    subprocess.run(["gcc", "-O2", "-o", str(load), str(load_c)], check=True)
    echo_c = load_c.parent / "echo.c"
    echo: Path | None = None
    if echo_c.is_file():
        echo = workdir / "udp_echo"
        subprocess.run(["gcc", "-O2", "-o", str(echo), str(echo_c)], check=True)
    subprocess.run(["make", "-s", "-C", str(APP / "udp"), f"BUILD_DIR={workdir}"], check=True)
    return load, echo, workdir / "udp-service"


def run_load(load: Path, port: int, seconds: float, window: int) -> dict[str, float]:
    out = subprocess.run(
        [str(load), str(port), str(seconds), str(window)],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    return {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", out)}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def bench_udp(load: Path, echo: Path | None, service: Path, seconds: float) -> None:
    print(f"== UDP service (app/udp), load.c, {seconds:g} s per run ==")
    reference: dict[int, float] = {}
    if echo is not None:
        port = _free_udp_port()
        proc = subprocess.Popen([str(echo), str(port)])
        try:
            time.sleep(0.2)  # echo.c prints nothing; give it a moment to bind
            for window in (32, 1):
                reference[window] = run_load(load, port, seconds, window)["round_trips_per_s"]
        finally:
            proc.kill()
            proc.wait()
    app = App([str(service)], {"UDP_PORT": "0"})
    try:
        port = app.wait_port()
        for window, target in ((32, UDP_TARGET_32), (1, UDP_TARGET_1)):
            r = run_load(load, port, seconds, window)
            rate = r["round_trips_per_s"]
            ref = reference.get(window)
            same_run = ""
            if ref:
                ratio, want = rate / ref, UDP_RATIO_TARGET[window]
                same_run = (
                    f"\n{'':17}echo.c same run {ref:>9,.0f}/s: ratio {ratio:.2f}"
                    f"  | ratio target >= {want:.2f} {verdict(ratio >= want)}"
                )
            print(
                f"  {window:>2} in flight: {rate:>9,.0f} round trips/s  p50 {r['p50_us']:6.1f} us"
                f"  p99 {r['p99_us']:7.1f} us  timeouts {r['timeouts']:.0f}"
                f"  | target >= {target:,}/s {verdict(rate >= target)}{same_run}"
            )
    finally:
        app.stop()


def bench_web(seconds: float) -> None:
    print(f"== Web service (app/web), wrk -t1 -c32 -d{seconds:g}s GET / ==")
    wrk = shutil.which("wrk")
    if wrk is None:
        print("  SKIPPED: wrk is not installed (apt-get install -y wrk)")
        return
    app = App([sys.executable, str(APP / "web" / "server.py")], {"PORT": "0"})
    try:
        port = app.wait_port()
        out = subprocess.run(
            [wrk, "-t1", "-c32", f"-d{seconds:g}s", f"http://127.0.0.1:{port}/"],
            capture_output=True,
            text=True,
            timeout=seconds + 30,
            check=True,
        ).stdout
        match = re.search(r"Requests/sec:\s+([\d.]+)", out)
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
        if match is None:
            print(f"  could not parse wrk output:\n{out}")
            return
        rate = float(match.group(1))
        latency = re.search(r"Latency\s+(\S+)", out)
        print(
            f"  {rate:>9,.0f} req/s  mean latency {latency.group(1) if latency else '?'}"
            f"  | target >= {WEB_TARGET:,} req/s {verdict(rate >= WEB_TARGET)}"
            + (f"  ERRORS: {errors.group(0)}" if errors else "")
        )
    finally:
        app.stop()
    print(f"  access log lines drained through the pipe: {app.lines:,}")


def bench_sidecar(service: Path) -> None:
    print("== Health sidecar (app/healthcheck), defaults: probe 0.5 s, timeout 0.3 s ==")
    udp_port = _free_udp_port()
    tcp_port = _free_tcp_port()
    env = {"UDP_TARGET_PORT": str(udp_port)}
    http_sc = App(
        [sys.executable, str(APP / "healthcheck" / "sidecar.py")], {**env, "HEALTH_PORT": "0", "HEALTH_MODE": "http"}
    )
    tcp_sc = App(
        [sys.executable, str(APP / "healthcheck" / "sidecar.py")],
        {**env, "HEALTH_PORT": str(tcp_port), "HEALTH_MODE": "tcp"},
    )
    udp = App([str(service)], {"UDP_PORT": str(udp_port)})
    try:
        http_port = http_sc.wait_port()
        udp.wait_port()
        checks_up = {"http 200": lambda: _http_status(http_port) == 200, "tcp open": lambda: _tcp_open(tcp_port)}
        checks_down = {
            "http 503": lambda: _http_status(http_port) == 503,
            "tcp closed": lambda: not _tcp_open(tcp_port),
        }
        _time_until(checks_up, 10)
        udp.kill()
        down = _time_until(checks_down, 10)
        udp = App([str(service)], {"UDP_PORT": str(udp_port)})
        udp.wait_port()
        up = _time_until(checks_up, 10)
        for label, times in (("UDP killed    ->", down), ("UDP restarted ->", up)):
            shown = "  ".join(f"{name} after {t:.2f} s" for name, t in times.items())
            worst = max(times.values())
            ok = worst <= SIDECAR_TARGET_S
            print(f"  {label} {shown}  | target <= {SIDECAR_TARGET_S:g} s {verdict(ok)}")
    finally:
        for app in (udp, http_sc, tcp_sc):
            app.stop()


def _time_until(checks: dict[str, Callable[[], bool]], bound: float) -> dict[str, float]:
    started = time.monotonic()
    seen: dict[str, float] = {}
    while len(seen) < len(checks) and time.monotonic() - started < bound:
        for name, check in checks.items():
            if name not in seen and check():
                seen[name] = time.monotonic() - started
        time.sleep(0.01)
    return {name: seen.get(name, float("inf")) for name in checks}


def _http_status(port: int) -> int:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n")
            return int(sock.recv(64).split(b" ")[1])
    except (OSError, IndexError, ValueError):
        return 0


def _tcp_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _free_tcp_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--load-c",
        type=Path,
        default=REPO.parent / "shared" / "bench" / "load.c",
        help="UDP load generator source (default: ../shared/bench/load.c)",
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each run")
    parser.add_argument("--skip-udp", action="store_true")
    parser.add_argument("--skip-web", action="store_true")
    parser.add_argument("--skip-sidecar", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; figures are noisy, compare same-run ratios")
    with tempfile.TemporaryDirectory(prefix="apps-bench-") as tmp:
        if not args.load_c.is_file():
            print(f"load generator not found at {args.load_c} (use --load-c PATH)")
            return 2
        load, echo, service = build(Path(tmp), args.load_c.resolve())
        if not args.skip_udp:
            bench_udp(load, echo, service, args.seconds)
        if not args.skip_web:
            bench_web(args.seconds)
        if not args.skip_sidecar:
            bench_sidecar(service)
    return 0


if __name__ == "__main__":
    sys.exit(main())
