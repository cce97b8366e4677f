"""Health-check sidecar that lets an NLB see whether the task's UDP service really answers.

An NLB can only health-check over TCP or HTTP, and the usual sidecar (``nc -lk`` answering
"ok") stays healthy after the UDP service dies, so the NLB keeps routing datagrams into a
dead task. This sidecar instead sends a real ``PING`` datagram to the UDP service every
PROBE_INTERVAL seconds and calls the service healthy only while a ``PONG`` came back within
PROBE_TIMEOUT at some point in the last HEALTHY_WITHIN seconds (so one lost datagram does not
flap the target, but a dead service is out of rotation within about a second).

It reports that verdict in one of two ways (HEALTH_MODE):

* ``http`` (default): ``GET /healthz`` answers 200 while healthy and 503 otherwise, with a
  JSON body giving the reason. Use an NLB HTTP health check on HEALTH_PORT, path /healthz.
* ``tcp``: the listening socket on HEALTH_PORT is open only while healthy; it is closed
  (connections are refused) while the UDP service is down, and reopened on recovery. Use an
  NLB TCP health check on HEALTH_PORT.

Configuration (environment): HEALTH_PORT (8080; 0 picks a free port, announced in the
"listening" log line and kept across reopenings), BIND_HOST (0.0.0.0), UDP_TARGET_HOST
(127.0.0.1: containers of one awsvpc task share localhost), UDP_TARGET_PORT (1234),
HEALTH_MODE, PROBE_INTERVAL (0.5 s), PROBE_TIMEOUT (0.3 s), HEALTHY_WITHIN (1.0 s),
SHUTDOWN_TIMEOUT (5 s). Logs are JSON lines on stdout: start-up, every change of verdict, stop.
SIGTERM/SIGINT close the listener, let in-flight HTTP answers finish and exit 0.

Stdlib only, so the image is just the Python base image plus this file.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass

# Protocol constants of app/udp (see app/udp/README.md). Duplicated on purpose: each image is
# built from its own directory, so the two apps cannot share a file.
PING = b"PING"
PONG_PREFIX = b"PONG "

MAX_REQUEST_HEAD = 4096
REQUEST_READ_TIMEOUT = 5.0
REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


class ConfigError(ValueError):
    """An environment variable holds a value the sidecar cannot use."""


def _env_float(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name}={raw!r} is outside {lo:g}..{hi:g}")
    return value


@dataclass(frozen=True)
class Config:
    """Sidecar settings, read from the environment."""

    host: str = "0.0.0.0"  # the NLB health check arrives on the task ENI, not loopback
    port: int = 8080
    target_host: str = "127.0.0.1"
    target_port: int = 1234
    mode: str = "http"
    interval: float = 0.5
    timeout: float = 0.3
    healthy_within: float = 1.0
    shutdown_timeout: float = 5.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        mode = env.get("HEALTH_MODE", "http") or "http"
        if mode not in ("http", "tcp"):
            raise ConfigError(f"HEALTH_MODE={mode!r} must be 'http' or 'tcp'")
        interval = _env_float(env, "PROBE_INTERVAL", 0.5, 0.01, 60)
        timeout = _env_float(env, "PROBE_TIMEOUT", 0.3, 0.001, 60)
        if timeout > interval:
            # Probes run on a fixed schedule; a timeout longer than the interval would let them
            # overlap and blur which probe a late answer belongs to.
            raise ConfigError("PROBE_TIMEOUT must not exceed PROBE_INTERVAL")
        return cls(
            host=env.get("BIND_HOST") or cls.host,
            port=int(_env_float(env, "HEALTH_PORT", 8080, 0, 65535)),
            target_host=env.get("UDP_TARGET_HOST") or cls.target_host,
            target_port=int(_env_float(env, "UDP_TARGET_PORT", 1234, 1, 65535)),
            mode=mode,
            interval=interval,
            timeout=timeout,
            healthy_within=_env_float(env, "HEALTHY_WITHIN", 1.0, 0.01, 600),
            shutdown_timeout=_env_float(env, "SHUTDOWN_TIMEOUT", 5.0, 0.1, 120),
        )


def log(event: str, **fields: object) -> None:
    """One JSON line on stdout (line-buffered by print, flushed so ordering is real-time)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    print(json.dumps({"ts": stamp + "Z", "event": event, **fields}), flush=True)


class ProbeError(Exception):
    """A PING did not get a valid PONG in time."""


async def probe(host: str, port: int, timeout: float) -> str:
    """Send one PING to host:port and return the task id from the PONG.

    A fresh socket per probe means a late PONG from an earlier, timed-out probe can never be
    mistaken for this one's answer. The socket is connected, so it only accepts datagrams from
    the service, and an ICMP port-unreachable (service gone) fails the probe at once as
    ConnectionRefusedError instead of waiting out the timeout.
    """
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    family, type_, proto, _, addr = infos[0]
    with socket.socket(family, type_, proto) as sock:
        sock.setblocking(False)
        try:
            sock.connect(addr)
            await loop.sock_sendall(sock, PING)
            async with asyncio.timeout(timeout):
                while True:
                    reply = await loop.sock_recv(sock, 2048)
                    if reply.startswith(PONG_PREFIX):
                        return reply[len(PONG_PREFIX) :].decode("utf-8", "replace")
                    # Anything else is not an answer to PING: keep waiting until the timeout.
        except TimeoutError:
            raise ProbeError(f"no PONG within {timeout:g}s") from None
        except OSError as exc:
            raise ProbeError(f"{type(exc).__name__}: {exc.strerror or exc}") from None


class Sidecar:
    """Runs the probe loop and exposes its verdict over HTTP or by opening/closing a port."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.last_success: float | None = None  # monotonic time of the last good round trip
        self.last_task_id: str | None = None
        self.last_error: str | None = "no probe yet"
        self.reported: bool | None = None  # verdict last logged / applied to the listener
        self.server: asyncio.Server | None = None
        self.port = cfg.port
        self.handlers: set[asyncio.Task[None]] = set()
        self.stopping = False

    def healthy(self, now: float | None = None) -> bool:
        if self.last_success is None:
            return False
        now = time.monotonic() if now is None else now
        return now - self.last_success <= self.cfg.healthy_within

    async def probe_loop(self) -> None:
        """Probe on a fixed schedule (not fixed delay), so the cadence does not drift."""
        cfg = self.cfg
        next_at = time.monotonic()
        while True:
            try:
                self.last_task_id = await probe(cfg.target_host, cfg.target_port, cfg.timeout)
                self.last_success = time.monotonic()
                self.last_error = None
            except ProbeError as exc:
                self.last_error = str(exc)
            except OSError as exc:  # e.g. the target host name does not resolve
                self.last_error = f"{type(exc).__name__}: {exc}"
            await self.apply_verdict()
            next_at += cfg.interval
            now = time.monotonic()
            if next_at < now:  # we fell behind (suspended process): resynchronise
                next_at = now
            # The verdict can also change between probes, when the last success ages out.
            # Wake up for that moment too, so TCP mode closes its port then, not a probe later.
            if self.last_success is not None and self.reported:
                expiry = self.last_success + cfg.healthy_within
                if now < expiry < next_at:
                    await asyncio.sleep(expiry - now + 0.001)
                    await self.apply_verdict()
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def apply_verdict(self) -> None:
        healthy = self.healthy()
        steer_listener = self.cfg.mode == "tcp" and not self.stopping
        if healthy == self.reported:
            if steer_listener and healthy and self.server is None:
                await self.open_listener()  # the last attempt failed (listen_failed): retry
            return
        self.reported = healthy
        if steer_listener and not healthy:
            # Close the port before logging: the log write can cost a context switch, and every
            # connection whose handshake completes meanwhile is one more "up" answer after the
            # verdict already changed.
            self.close_listener()
        log(
            "healthy" if healthy else "unhealthy",
            task_id=self.last_task_id,
            error=None if healthy else self.last_error,
        )
        if steer_listener and healthy:
            await self.open_listener()

    # -- listeners ---------------------------------------------------------------------
    async def open_listener(self) -> None:
        if self.server is not None:
            return
        handler = self.handle_tcp if self.cfg.mode == "tcp" else self.handle_http
        try:
            self.server = await asyncio.start_server(
                handler, self.cfg.host, self.port, reuse_address=True, limit=MAX_REQUEST_HEAD
            )
        except OSError as exc:
            # Port briefly unavailable: the next probe that finds the service healthy retries.
            log("listen_failed", port=self.port, error=str(exc))
            return
        self.port = self.server.sockets[0].getsockname()[1]  # keep a port 0 choice stable
        log("listening", port=self.port, mode=self.cfg.mode)

    def close_listener(self) -> None:
        if self.server is not None:
            # New connections are refused from now on. Ones the kernel already completed but we
            # had not yet accepted are reset: a client racing the close sees a reset.
            self.server.close()
            self.server = None
            log("listener_closed", port=self.port)

    def _track(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.handlers.add(task)
            task.add_done_callback(self.handlers.discard)

    async def handle_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """TCP mode: the accepted connection itself is the "healthy" answer."""
        self._track()
        with contextlib.suppress(OSError):
            writer.write(b"ok\n")
            writer.close()
            await writer.wait_closed()

    async def handle_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """HTTP mode: one request per connection (health checkers do not reuse connections)."""
        self._track()
        head = b""
        try:
            async with asyncio.timeout(REQUEST_READ_TIMEOUT):
                head = await reader.readuntil(b"\r\n\r\n")
            status, body = self.route(head.split(b"\r\n", 1)[0])
        except asyncio.LimitOverrunError:  # the stream limit is MAX_REQUEST_HEAD
            status, body = 431, {"error": "request head too large"}
        except (TimeoutError, asyncio.IncompleteReadError, OSError):
            writer.close()  # the client went away or never finished its request
            return
        payload = json.dumps(body).encode() + b"\n"
        is_head = head.startswith(b"HEAD ")
        response = (
            f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nCache-Control: no-store\r\n"
            "Connection: close\r\n\r\n"
        ).encode() + (b"" if is_head else payload)
        with contextlib.suppress(OSError):
            writer.write(response)
            await writer.drain()
            writer.close()
            await writer.wait_closed()

    def route(self, request_line: bytes) -> tuple[int, dict[str, object]]:
        parts = request_line.split(b" ")
        if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
            return 400, {"error": "malformed request line"}
        method, target = parts[0], parts[1]
        if method not in (b"GET", b"HEAD"):
            return 405, {"error": "method not allowed"}
        if target.split(b"?", 1)[0] != b"/healthz":
            return 404, {"error": "not found"}
        now = time.monotonic()
        healthy = self.healthy(now)
        age = None if self.last_success is None else round((now - self.last_success) * 1000)
        return (200 if healthy else 503), {
            "healthy": healthy,
            "udp_target": f"{self.cfg.target_host}:{self.cfg.target_port}",
            "task_id": self.last_task_id,
            "last_success_age_ms": age,
            "last_error": self.last_error,
        }

    # -- lifecycle ---------------------------------------------------------------------
    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        log(
            "starting",
            mode=self.cfg.mode,
            udp_target=f"{self.cfg.target_host}:{self.cfg.target_port}",
            interval=self.cfg.interval,
            timeout=self.cfg.timeout,
            healthy_within=self.cfg.healthy_within,
        )
        if self.cfg.mode == "http":
            # HTTP mode always listens: a 503 tells the NLB more than a refused connection.
            await self.open_listener()
            if self.server is None:
                return 1
        prober = asyncio.create_task(self.probe_loop())
        await stop.wait()

        self.stopping = True
        self.close_listener()
        prober.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await prober
        if self.handlers:
            await asyncio.wait(set(self.handlers), timeout=self.cfg.shutdown_timeout)
        log("stopped")
        return 0


def main() -> int:
    try:
        cfg = Config.from_env(os.environ)
    except ConfigError as exc:
        log("config_error", error=str(exc))
        return 2
    return asyncio.run(Sidecar(cfg).run())


if __name__ == "__main__":
    sys.exit(main())
