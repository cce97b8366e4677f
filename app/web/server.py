"""HTTP service for the ALB demo: shows which ECS task answered, and can burn CPU on demand.

Endpoints (HTTP/1.1 with keep-alive; GET and HEAD only):

* ``GET /``        -> 200 JSON naming the task that served the request (its ECS task ARN and
  ID from the task metadata endpoint, or the hostname outside ECS), so scaling is visible
  through the load balancer.
* ``GET /healthz`` -> 200 ``{"status": "ok"}`` for the target group health check.
* ``GET /burn?ms=N`` -> burns CPU for N milliseconds (1..BURN_MAX_MS, default 250) to
  demonstrate target-tracking autoscaling. At most BURN_MAX_CONCURRENT burns run at once;
  beyond that the answer is 429 at once rather than a queue, so the endpoint cannot be
  turned into a denial of service. A bad or out-of-range ``ms`` is a 400.
* anything else -> 404 (405 for other methods).

Every request is logged as one JSON line on stdout (the awslogs driver ships it as is).
SIGTERM (what ECS sends before SIGKILL) stops accepting, lets in-flight requests finish,
closes idle keep-alive connections and exits 0 within SHUTDOWN_TIMEOUT seconds.

Why a hand-written asyncio Protocol rather than ``http.server``: the image must stay
dependency-free and the service must sustain >= 17k req/s under ``wrk -c32`` on two cores;
``http.server`` manages a few thousand. The parser is deliberately small and strict: bounded
request heads, no request bodies, no obsolete line folding, Host required on HTTP/1.1, and a
400 (then close) on anything it does not understand, which also rules out request smuggling.

Configuration (environment): PORT (8080; 0 picks a free port, announced in the "listening"
log line), BIND_HOST (0.0.0.0), ECS_CONTAINER_METADATA_URI_V4, METADATA_TIMEOUT (1.0 s),
BURN_MAX_MS (2000), BURN_MAX_CONCURRENT (2), SHUTDOWN_TIMEOUT (10 s, keep it below the
task's stopTimeout), KEEPALIVE_TIMEOUT (75 s, above the ALB's 60 s idle timeout so the ALB,
not us, closes idle connections and never reuses one we just closed), HEADER_TIMEOUT (10 s),
MAX_CONNECTIONS (4096).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import signal
import socket
import sys
import time
import urllib.request
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import parse_qs

MAX_HEAD_BYTES = 8192  # request line + headers; nginx's default large_client_header_buffers
MAX_HEADERS = 64

# Request line: a method token, an origin-form target of visible ASCII, and the version.
# Matching bytes with one compiled regex is both the strictest and the fastest check here.
REQUEST_LINE = re.compile(rb"([A-Z]{1,16}) (/[!-~]*) HTTP/([0-9])\.([0-9])")
# Header field: RFC 9110 token, colon, optional whitespace, value without control characters.
HEADER_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*")

REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
    505: "HTTP Version Not Supported",
}


class ConfigError(ValueError):
    """An environment variable holds a value the service cannot use."""


def _env_number(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
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
    """Runtime settings, all from the environment (twelve-factor style, as ECS passes them)."""

    host: str = "0.0.0.0"  # the ALB reaches the container on its task ENI, not loopback
    port: int = 8080
    metadata_uri: str | None = None
    metadata_timeout: float = 1.0
    burn_max_ms: int = 2000
    burn_default_ms: int = 250
    burn_max_concurrent: int = 2
    shutdown_timeout: float = 10.0
    keepalive_timeout: float = 75.0
    header_timeout: float = 10.0
    max_connections: int = 4096

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        burn_max_ms = int(_env_number(env, "BURN_MAX_MS", 2000, 1, 2000))
        return cls(
            host=env.get("BIND_HOST") or cls.host,
            port=int(_env_number(env, "PORT", 8080, 0, 65535)),
            metadata_uri=env.get("ECS_CONTAINER_METADATA_URI_V4") or None,
            metadata_timeout=_env_number(env, "METADATA_TIMEOUT", 1.0, 0.01, 30),
            burn_max_ms=burn_max_ms,
            burn_default_ms=min(250, burn_max_ms),
            burn_max_concurrent=int(_env_number(env, "BURN_MAX_CONCURRENT", 2, 1, 64)),
            shutdown_timeout=_env_number(env, "SHUTDOWN_TIMEOUT", 10.0, 0.1, 120),
            keepalive_timeout=_env_number(env, "KEEPALIVE_TIMEOUT", 75.0, 1, 3600),
            header_timeout=_env_number(env, "HEADER_TIMEOUT", 10.0, 0.1, 600),
            max_connections=int(_env_number(env, "MAX_CONNECTIONS", 4096, 1, 1_000_000)),
        )


@dataclass(frozen=True)
class Identity:
    """Which task this process is: from the ECS task metadata endpoint, else the hostname."""

    task_arn: str | None
    task_id: str
    source: str  # "ecs-metadata" or "hostname"


def discover_identity(metadata_uri: str | None, timeout: float) -> tuple[Identity, str | None]:
    """Fetch ``${ECS_CONTAINER_METADATA_URI_V4}/task`` once; return the identity and any error.

    Done once at startup because the ARN never changes for the life of the process, and a
    short timeout keeps a missing or slow endpoint from delaying readiness by more than that.
    """
    hostname = socket.gethostname()
    if not metadata_uri:
        return Identity(None, hostname, "hostname"), None
    try:
        # No proxies: an HTTP_PROXY set for the app's own traffic must not capture the
        # link-local metadata endpoint.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{metadata_uri.rstrip('/')}/task", timeout=timeout) as resp:
            arn = json.loads(resp.read(1 << 20))["TaskARN"]
        if not isinstance(arn, str) or not arn:
            raise ValueError("TaskARN is empty or not a string")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Identity(None, hostname, "hostname"), f"{type(exc).__name__}: {exc}"
    # arn:aws:ecs:region:account:task/cluster-name/task-id: the ID is the last path segment.
    return Identity(arn, arn.rsplit("/", 1)[-1], "ecs-metadata"), None


class StdoutLog:
    """JSON-lines logger writing straight to fd 1, one write per event-loop iteration.

    Batching matters at 20k+ requests/s: one ``write`` per request would cost a syscall each,
    while the loop's ``call_soon`` flushes everything logged during one round of I/O
    callbacks together. Writes are blocking on purpose: if the log reader stalls, the service
    slows down rather than buffering without bound or dropping access logs silently.
    """

    def __init__(self) -> None:
        self._pending: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def event(self, event: str, **fields: object) -> None:
        self.line(json.dumps({"ts": _clock(time.time())[0], "event": event, **fields}))

    def line(self, text: str) -> None:
        if not self._pending and self._loop is not None:
            self._loop.call_soon(self.flush)
        self._pending.append(text)
        if self._loop is None:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        data = ("\n".join(self._pending) + "\n").encode()
        self._pending.clear()
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(1, view) :]
        except OSError:
            pass  # stdout closed: nothing useful left to do with log lines


_date_cache: tuple[int, str, str] = (0, "", "")


def _clock(now: float) -> tuple[str, str]:
    """(ISO-8601 UTC timestamp with milliseconds, RFC 9110 Date header value) for ``now``.

    strftime is the expensive part and changes once a second, so its output is cached; the
    milliseconds come from the same ``now`` so the two never disagree at a second boundary.
    """
    global _date_cache
    second = int(now)
    if _date_cache[0] != second:
        t = time.gmtime(second)
        _date_cache = (
            second,
            time.strftime("%Y-%m-%dT%H:%M:%S", t),
            time.strftime("%a, %d %b %Y %H:%M:%S GMT", t),
        )
    return f"{_date_cache[1]}.{int(now * 1000) % 1000:03d}Z", _date_cache[2]


def burn_cpu(ms: int) -> int:
    """Keep one core busy for ``ms`` milliseconds; return the number of hash rounds done.

    SHA-256 over a 64 KiB buffer releases the GIL (hashlib does for inputs over 2 KiB), so a
    burn in a worker thread really uses a core while the event loop keeps serving /healthz:
    a demo of autoscaling must not fail the target group's health checks.
    """
    block = b"\x5a" * 65536
    deadline = time.perf_counter() + ms / 1000
    rounds = 0
    while time.perf_counter() < deadline:
        hashlib.sha256(block).digest()
        rounds += 1
    return rounds


class App:
    """State shared by all connections: config, identity, burn slots, live connections."""

    def __init__(self, cfg: Config, identity: Identity, log: StdoutLog, loop: asyncio.AbstractEventLoop) -> None:
        self.cfg = cfg
        self.log = log
        self.loop = loop
        self.connections: set[HttpProtocol] = set()
        self.draining = False
        self.burns_running = 0
        self.executor = ThreadPoolExecutor(cfg.burn_max_concurrent, thread_name_prefix="burn")
        self.all_closed = asyncio.Event()
        self.root_body = (
            json.dumps(
                {
                    "task_arn": identity.task_arn,
                    "task_id": identity.task_id,
                    "identity_source": identity.source,
                    "hostname": socket.gethostname(),
                    "pid": os.getpid(),
                },
                separators=(",", ":"),
            ).encode()
            + b"\n"
        )

    def begin_drain(self) -> None:
        """Close idle connections now; busy ones close after their in-flight response."""
        self.draining = True
        for conn in list(self.connections):
            conn.close_if_idle()
        if not self.connections:
            self.all_closed.set()

    def forget(self, conn: HttpProtocol) -> None:
        self.connections.discard(conn)
        if self.draining and not self.connections:
            self.all_closed.set()

    def sweep(self) -> None:
        """Close connections idle past KEEPALIVE_TIMEOUT or stuck mid-head past HEADER_TIMEOUT.

        One periodic pass over all connections is far cheaper than a timer per request.
        """
        now = time.monotonic()
        for conn in list(self.connections):
            conn.check_timeouts(now)
        self.loop.call_later(1.0, self.sweep)


class HttpProtocol(asyncio.Protocol):
    """One HTTP/1.1 connection: parses requests from the byte stream and answers in order."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.busy = False  # a /burn is running: later pipelined requests wait their turn
        self.closing = False
        self.remote = "-"
        self.last_active = time.monotonic()

    # -- asyncio callbacks -------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        app = self.app
        if app.draining or len(app.connections) >= app.cfg.max_connections:
            transport.abort()  # over capacity: refuse cheaply instead of queueing
            return
        peer = transport.get_extra_info("peername")
        self.remote = peer[0] if isinstance(peer, tuple) else "-"
        app.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self.app.forget(self)

    def data_received(self, data: bytes) -> None:
        self.last_active = time.monotonic()
        self.buf += data
        if not self.busy:
            self._process()
        if len(self.buf) > MAX_HEAD_BYTES and self.transport is not None:
            # Pipelined requests pile up behind a burn: stop reading until it is done.
            self.transport.pause_reading()

    def pause_writing(self) -> None:
        # The client is not reading its responses: stop reading its requests, so the output
        # buffer cannot grow without bound.
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and not self.closing:
            self.transport.resume_reading()

    # -- lifecycle helpers -------------------------------------------------------------
    def close_if_idle(self) -> None:
        if not self.busy and not self.buf and self.transport is not None:
            self.closing = True
            self.transport.close()

    def check_timeouts(self, now: float) -> None:
        if self.busy or self.transport is None:
            return
        limit = self.app.cfg.header_timeout if self.buf else self.app.cfg.keepalive_timeout
        if now - self.last_active > limit:
            self.closing = True
            self.transport.close()

    # -- parsing -----------------------------------------------------------------------
    def _process(self) -> None:
        buf = self.buf
        while buf and not self.busy and not self.closing:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEAD_BYTES:
                    self._error(431, "request head too large")
                else:
                    # Reject garbage as soon as its first line is complete, rather than
                    # waiting for a blank line that may never come.
                    eol = buf.find(b"\r\n")
                    if eol >= 0 and REQUEST_LINE.fullmatch(buf, 0, eol) is None:
                        self._error(400, "malformed request line")
                return
            if end > MAX_HEAD_BYTES:
                self._error(431, "request head too large")
                return
            head = bytes(buf[:end])
            del buf[: end + 4]
            self._handle(head)

    def _handle(self, head: bytes) -> None:
        started = time.perf_counter()
        lines = head.split(b"\r\n")
        m = REQUEST_LINE.fullmatch(lines[0])
        if m is None:
            self._error(400, "malformed request line")
            return
        method_b, target_b, major, minor = m.groups()
        if major != b"1" or minor not in (b"0", b"1"):
            self._error(505, "only HTTP/1.0 and HTTP/1.1 are supported")
            return
        http11 = minor == b"1"
        if len(lines) - 1 > MAX_HEADERS:
            self._error(431, "too many header fields")
            return
        host_seen = False
        connection = b""
        user_agent = b""
        forwarded_for = b""
        for raw in lines[1:]:
            h = HEADER_LINE.fullmatch(raw)
            if h is None:
                # Also rejects obsolete line folding (a line starting with whitespace).
                self._error(400, "malformed header field")
                return
            name = h.group(1).lower()
            if name == b"host":
                if host_seen:
                    self._error(400, "duplicate Host header")
                    return
                host_seen = True
            elif name == b"connection":
                connection = h.group(2).lower()
            elif name == b"user-agent":
                user_agent = h.group(2)
            elif name == b"x-forwarded-for":
                forwarded_for = h.group(2)  # the client's address, as the ALB saw it
            elif name == b"transfer-encoding" or (name == b"content-length" and h.group(2) != b"0"):
                # No endpoint takes a body; refusing bodies outright keeps message framing
                # unambiguous, which is what request smuggling exploits.
                self._error(413, "request bodies are not accepted")
                return
        if http11 and not host_seen:
            self._error(400, "missing Host header")
            return
        tokens = connection.replace(b" ", b"").split(b",")
        keep_alive = b"close" not in tokens if http11 else b"keep-alive" in tokens
        method = method_b.decode()
        target = target_b.decode()
        req = _Request(
            method,
            target,
            http11,
            keep_alive,
            user_agent.decode("latin-1"),
            forwarded_for.decode("latin-1"),
            started,
        )
        if method not in ("GET", "HEAD"):
            self._send(req, 405, _error_body("method not allowed"), b"Allow: GET, HEAD\r\n")
            return
        path, _, query = target.partition("?")
        if path == "/":
            self._send(req, 200, self.app.root_body, b"Cache-Control: no-store\r\n")
        elif path == "/healthz":
            self._send(req, 200, b'{"status":"ok"}\n')
        elif path == "/burn":
            self._burn(req, query)
        else:
            self._send(req, 404, _error_body("not found"))

    def _burn(self, req: _Request, query: str) -> None:
        app = self.app
        cfg = app.cfg
        try:
            values = parse_qs(query, keep_blank_values=True, strict_parsing=bool(query))
        except ValueError:
            self._send(req, 400, _error_body("malformed query string"))
            return
        raw = values.get("ms", [str(cfg.burn_default_ms)])
        if len(raw) != 1 or not raw[0].isdecimal() or not 1 <= int(raw[0]) <= cfg.burn_max_ms:
            msg = f"ms must be one integer in 1..{cfg.burn_max_ms}"
            self._send(req, 400, _error_body(msg))
            return
        if app.burns_running >= cfg.burn_max_concurrent:
            # Refuse rather than queue: a queue would let clients stack up unbounded work.
            self._send(req, 429, _error_body("too many concurrent burns"), b"Retry-After: 1\r\n")
            return
        ms = int(raw[0])
        app.burns_running += 1
        self.busy = True
        future = app.loop.run_in_executor(app.executor, burn_cpu, ms)
        future.add_done_callback(lambda f: self._burn_done(req, ms, f))

    def _burn_done(self, req: _Request, ms: int, future: asyncio.Future[int]) -> None:
        self.app.burns_running -= 1
        self.busy = False
        if future.cancelled() or future.exception() is not None:
            self._send(req, 503, _error_body("burn did not complete"))
        else:
            result = {"burned_ms": ms, "rounds": future.result()}
            body = json.dumps(result, separators=(",", ":")).encode() + b"\n"
            self._send(req, 200, body)
        if self.transport is not None and not self.closing:
            self.transport.resume_reading()
            self._process()

    # -- responses ---------------------------------------------------------------------
    def _send(self, req: _Request, status: int, body: bytes, extra: bytes = b"") -> None:
        transport = self.transport
        if transport is None or self.closing:
            return
        keep_alive = req.keep_alive and not self.app.draining
        iso, date = _clock(time.time())
        conn = (
            b""
            if keep_alive == req.http11
            else (b"Connection: keep-alive\r\n" if keep_alive else b"Connection: close\r\n")
        )
        head = (b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nDate: %s\r\n%s%s\r\n") % (
            status,
            REASONS[status].encode(),
            len(body),
            date.encode(),
            conn,
            extra,
        )
        transport.write(head if req.method == "HEAD" else head + body)
        self.last_active = time.monotonic()
        elapsed_ms = (time.perf_counter() - req.started) * 1000
        # Hand-assembled JSON: json.dumps of a dict per request costs a visible share of the
        # throughput budget; only the client-controlled strings need escaping.
        self.app.log.line(
            f'{{"ts":"{iso}","remote":"{self.remote}",'
            f'"method":"{req.method}","path":{json.dumps(req.target)},"status":{status},'
            f'"bytes":{len(body)},"duration_ms":{elapsed_ms:.3f},'
            f'"user_agent":{json.dumps(req.user_agent)},"forwarded_for":{json.dumps(req.forwarded_for)}}}'
        )
        if not keep_alive:
            self.closing = True
            transport.close()

    def _error(self, status: int, message: str) -> None:
        """Answer a request we could not parse, then close: the stream is out of sync."""
        req = _Request("-", "-", True, False, "", "", time.perf_counter())
        self._send(req, status, _error_body(message))
        self.buf.clear()


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    target: str
    http11: bool
    keep_alive: bool
    user_agent: str
    forwarded_for: str
    started: float


def _error_body(message: str) -> bytes:
    return json.dumps({"error": message}, separators=(",", ":")).encode() + b"\n"


async def serve(cfg: Config, log: StdoutLog) -> int:
    """Run until SIGTERM/SIGINT, then drain; return the process exit code."""
    loop = asyncio.get_running_loop()
    log.attach(loop)
    identity, error = await loop.run_in_executor(None, discover_identity, cfg.metadata_uri, cfg.metadata_timeout)
    if error is not None:
        log.event("metadata_unavailable", error=error, fallback=identity.task_id)
    app = App(cfg, identity, log, loop)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = await loop.create_server(lambda: HttpProtocol(app), cfg.host, cfg.port, reuse_address=True, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    log.event("listening", port=port, task_id=identity.task_id, source=identity.source)
    loop.call_later(1.0, app.sweep)

    await stop.wait()
    log.event("draining", connections=len(app.connections))
    server.close()  # stop accepting: new connections are refused from here on
    app.begin_drain()
    try:
        await asyncio.wait_for(app.all_closed.wait(), cfg.shutdown_timeout)
        log.event("stopped", clean=True)
    except TimeoutError:
        log.event("stopped", clean=False, aborted=len(app.connections))
        for conn in list(app.connections):
            if conn.transport is not None:
                conn.transport.abort()
    app.executor.shutdown(wait=False, cancel_futures=True)
    log.flush()
    return 0


def main() -> int:
    log = StdoutLog()
    try:
        cfg = Config.from_env(os.environ)
    except ConfigError as exc:
        log.event("config_error", error=str(exc))
        return 2
    return asyncio.run(serve(cfg, log))


if __name__ == "__main__":
    sys.exit(main())
