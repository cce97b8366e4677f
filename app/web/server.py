"""HTTP service for the ALB demo: shows which ECS task answered, and can burn CPU on demand.

Endpoints (HTTP/1.1 with keep-alive; GET and HEAD only):

* ``GET /``        -> 200 JSON naming the task that served the request (its ECS task ARN and
  ID from the task metadata endpoint, or the hostname outside ECS), so scaling is visible
  through the load balancer.
* ``GET /healthz`` -> 200 ``{"status": "ok"}`` for the target group health check.
* ``GET /burn?ms=N`` -> burns CPU for N milliseconds (1..BURN_MAX_MS, default 250) to
  demonstrate target-tracking autoscaling. At most BURN_MAX_CONCURRENT burns run at once;
  beyond that the answer is 429 at once rather than a queue, so the endpoint cannot be
  turned into a denial of service. A bad or out-of-range ``ms`` (including one with thousands
  of digits) is a 400.
* anything else -> 404 (405 for other methods).

Every request is logged as one JSON line on stdout (the awslogs driver ships it as is).

Bounded whatever a client does (each bound is a constant or setting below):

* Memory per connection: unparsed bytes never exceed READ_LIMIT (reads land in one shared
  buffer and only unparsed bytes are kept), and answers stop being produced once WRITE_HIGH
  bytes wait for a client that does not read: pipelined requests then wait in the kernel,
  not in this process.
* Time: a request head must be complete HEADER_TIMEOUT after its first byte (absolute: more
  bytes do not extend it), a new connection must send its first request within
  HEADER_TIMEOUT, an idle keep-alive connection closes after KEEPALIVE_TIMEOUT from its last
  answer (bytes of an unfinished head do not reset it), and a client that stops reading its
  answers is cut after SEND_TIMEOUT.
* Connections: at most MAX_CONNECTIONS, derived from (and checked against) the open-files
  limit at start. At the cap, the oldest idle keep-alive connection makes room; when none is
  idle, a new connection lands in RESERVED_CONNECTIONS extra slots where ``/healthz`` is
  answered and anything else gets 503 with ``Retry-After`` (never a reset), so the target
  group's health check keeps passing while slow clients hold every regular slot.

SIGTERM, SIGINT or SIGHUP (ECS sends SIGTERM before SIGKILL) drain: the listener closes (new
connections are refused), requests already received are answered with ``Connection: close``,
connections idle for DRAIN_IDLE_GRACE are closed, and the process exits 0 within
SHUTDOWN_TIMEOUT. Every close is a staged one (RFC 9112 §9.6: write side first, then read
until the client closes, for at most LINGER_TIMEOUT), so a request crossing our close is read
rather than answered with a reset that would destroy the response before it.

Why a hand-written asyncio Protocol rather than ``http.server``: the image must stay
dependency-free and the service must sustain >= 17k req/s under ``wrk -c32`` on two cores;
``http.server`` manages a few thousand. The parser is deliberately small and strict: bounded
request heads, no request bodies, no obsolete line folding, Host required on HTTP/1.1, and a
400 (then close) on anything it does not understand, which also rules out request smuggling.
It follows RFC 9112's robustness rules: empty lines before a request line are ignored, and a
bare LF ends a line like CRLF does (a bare CR is an error).

Configuration (environment): PORT (8080; 0 picks a free port, announced in the "listening"
log line), BIND_HOST (0.0.0.0), ECS_CONTAINER_METADATA_URI_V4, METADATA_TIMEOUT (1.0 s),
BURN_MAX_MS (2000), BURN_MAX_CONCURRENT (2), SHUTDOWN_TIMEOUT (10 s, keep it below the
task's stopTimeout), KEEPALIVE_TIMEOUT (75 s, above the ALB's 60 s idle timeout so the ALB,
not us, closes idle connections and never reuses one we just closed), HEADER_TIMEOUT (10 s),
SEND_TIMEOUT (10 s), MAX_CONNECTIONS (default: 4096, or fewer if the open-files limit is
lower; a value the limit cannot hold is refused at start), RESERVED_CONNECTIONS (32).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import resource
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
READ_LIMIT = 16384  # unparsed bytes kept per connection: one full head plus pipelined ones
WRITE_HIGH = 16384  # answers waiting for a slow reader before we stop producing more
WRITE_LOW = 4096
LINGER_TIMEOUT = 2.0  # staged close: how long we read (and discard) after our FIN
DRAIN_IDLE_GRACE = 0.5  # on SIGTERM, idle connections get this long to deliver a request
RESERVED_HEADER_TIMEOUT = 1.0  # a reserve slot is for a health check, which asks at once
MAX_QUERY_FIELDS = 16
DEFAULT_MAX_CONNECTIONS = 4096
LISTEN_BACKLOG = 64  # sockets asyncio accepts per loop turn (it passes this to listen() too)
ACCEPT_QUEUE = 1024  # the kernel's queue of completed handshakes, set after asyncio's listen()
# Descriptors besides connections: stdio, the listener, epoll, the loop's self-pipe, plus what
# a connection flood holds in flight. asyncio accepts up to `backlog` sockets per loop turn
# and admits them two turns later, and the connections they evict close one turn after that:
# three bursts at once, budgeted as four.
FD_OVERHEAD = 32 + 4 * LISTEN_BACKLOG

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
    408: "Request Timeout",
    413: "Content Too Large",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
    505: "HTTP Version Not Supported",
}


class ConfigError(ValueError):
    """An environment variable holds a value the service cannot use."""


def _env_number(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
    raw = env.get(name, "")
    if raw == "":
        return default
    if len(raw) > 32:
        raise ConfigError(f"{name} is {len(raw)} characters long, not a number")
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name}={raw!r} is outside {lo:g}..{hi:g}")
    return value


def parse_bounded_int(raw: str, lo: int, hi: int) -> int | None:
    """``raw`` as an integer in lo..hi, or None: ASCII digits only, at most as many as ``hi`` has.

    The length check comes first, so a parameter of 4,300+ digits (past CPython's int
    conversion limit) is refused in constant time instead of raising inside the handler.
    """
    if not 0 < len(raw) <= len(str(hi)) or not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if lo <= value <= hi else None


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
    send_timeout: float = 10.0
    max_connections: int | None = None  # None: derived from the open-files limit at start
    reserved_connections: int = 32

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        burn_max_ms = int(_env_number(env, "BURN_MAX_MS", 2000, 1, 2000))
        max_conn = env.get("MAX_CONNECTIONS", "")
        return cls(
            host=env.get("BIND_HOST") or cls.host,
            port=int(_env_number(env, "PORT", 8080, 0, 65535)),
            metadata_uri=env.get("ECS_CONTAINER_METADATA_URI_V4") or None,
            metadata_timeout=_env_number(env, "METADATA_TIMEOUT", 1.0, 0.01, 30),
            burn_max_ms=burn_max_ms,
            burn_default_ms=min(250, burn_max_ms),
            burn_max_concurrent=int(_env_number(env, "BURN_MAX_CONCURRENT", 2, 1, 64)),
            shutdown_timeout=_env_number(env, "SHUTDOWN_TIMEOUT", 10.0, 0.1, 120),
            keepalive_timeout=_env_number(env, "KEEPALIVE_TIMEOUT", 75.0, 0.1, 3600),
            header_timeout=_env_number(env, "HEADER_TIMEOUT", 10.0, 0.1, 600),
            send_timeout=_env_number(env, "SEND_TIMEOUT", 10.0, 0.1, 600),
            max_connections=int(_env_number(env, "MAX_CONNECTIONS", 0, 1, 1_000_000)) if max_conn else None,
            reserved_connections=int(_env_number(env, "RESERVED_CONNECTIONS", 32, 1, 4096)),
        )


def plan_connections(requested: int | None, reserved: int) -> tuple[int, int]:
    """Return (connection cap, open-files limit): the cap always fits under the limit.

    Each connection is a file descriptor, and a server that runs out of them fails in the
    accept path instead of refusing cleanly. So the cap plus the reserve plus FD_OVERHEAD
    must fit RLIMIT_NOFILE. If the soft limit is too low it is raised towards the hard limit
    (allowed without privileges); an explicit MAX_CONNECTIONS that still does not fit is a
    configuration error, and the default is lowered to what fits.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = (requested or DEFAULT_MAX_CONNECTIONS) + reserved + FD_OVERHEAD
    if soft != resource.RLIM_INFINITY and soft < want:
        target = want if hard == resource.RLIM_INFINITY else min(want, hard)
        if target > soft:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
                soft = target
            except (ValueError, OSError):
                pass
    limit = 1 << 30 if soft == resource.RLIM_INFINITY else soft
    room = limit - reserved - FD_OVERHEAD
    if requested is None:
        if room < 1:
            raise ConfigError(
                f"RLIMIT_NOFILE={limit} leaves no room for connections: it must exceed "
                f"RESERVED_CONNECTIONS ({reserved}) + {FD_OVERHEAD} other descriptors"
            )
        return min(DEFAULT_MAX_CONNECTIONS, room), limit
    if requested > room:
        raise ConfigError(
            f"MAX_CONNECTIONS={requested} needs {requested + reserved + FD_OVERHEAD} open files "
            f"(connections + RESERVED_CONNECTIONS + {FD_OVERHEAD} others) but RLIMIT_NOFILE is {limit} "
            f"(hard {hard if hard != resource.RLIM_INFINITY else 'unlimited'}): lower it to at most "
            f"{max(room, 0)}, or raise the task's nofile ulimit"
        )
    return requested, limit


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


# Every read lands here: the event loop runs one callback at a time and each connection copies
# what it has not parsed yet out of it at once, so one buffer serves all connections, and an
# idle connection costs no read buffer at all.
_LANDING = memoryview(bytearray(READ_LIMIT))

OPEN, LINGER, CLOSED = 0, 1, 2


class App:
    """State shared by all connections: config, identity, burn slots, connection admission."""

    def __init__(
        self,
        cfg: Config,
        identity: Identity,
        log: StdoutLog,
        loop: asyncio.AbstractEventLoop,
        max_connections: int,
    ) -> None:
        self.cfg = cfg
        self.log = log
        self.loop = loop
        self.max_connections = max_connections
        # Insertion-ordered sets (dicts): regular slots, reserve slots, and the regular
        # connections that can be closed to make room, oldest first.
        self.regular: dict[HttpProtocol, None] = {}
        self.reserve: dict[HttpProtocol, None] = {}
        self.idle: dict[HttpProtocol, None] = {}
        self.lingering: dict[HttpProtocol, None] = {}
        self.draining = False
        self.burns_running = 0
        self.executor = ThreadPoolExecutor(cfg.burn_max_concurrent, thread_name_prefix="burn")
        self.counters = dict.fromkeys(
            (
                "accepted",
                "refused",
                "evicted",
                "reserve_admitted",
                "header_timeouts",
                "idle_timeouts",
                "send_timeouts",
                "linger_timeouts",
                "handler_errors",
                "loop_errors",
            ),
            0,
        )
        self.sweep_interval = min(1.0, cfg.header_timeout / 4, cfg.keepalive_timeout / 4, cfg.send_timeout / 4)
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

    def loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        """asyncio's own errors (e.g. accept failing) as counted JSON lines, not tracebacks."""
        self.counters["loop_errors"] += 1
        exc = context.get("exception")
        self.log.event("loop_error", message=str(context.get("message")), error=repr(exc)[:300])

    def connection_count(self) -> int:
        return len(self.regular) + len(self.reserve)

    def admit(self, conn: HttpProtocol) -> bool:
        """Give a new connection a slot (regular, else reserve), or return False to refuse it."""
        self.counters["accepted"] += 1
        if len(self.regular) >= self.max_connections:
            victim = next(iter(self.lingering), None) or next(iter(self.idle), None)
            if victim is not None:
                self.counters["evicted"] += 1
                victim.evict()
        if len(self.regular) < self.max_connections:
            self.regular[conn] = None
            return True
        if len(self.reserve) >= self.cfg.reserved_connections:
            # The reserve is for health checks, which ask at once: a slot whose answer is out
            # gives way first, else the oldest one, which had the longest chance to ask.
            victim = next((c for c in self.reserve if c.state != OPEN), None) or next(iter(self.reserve), None)
            if victim is not None:
                self.counters["evicted"] += 1
                victim.evict()
        if len(self.reserve) < self.cfg.reserved_connections:
            self.reserve[conn] = None
            self.counters["reserve_admitted"] += 1
            return True
        self.counters["refused"] += 1
        return False

    def forget(self, conn: HttpProtocol) -> None:
        self.regular.pop(conn, None)
        self.reserve.pop(conn, None)
        self.idle.pop(conn, None)
        self.lingering.pop(conn, None)

    def drained(self) -> bool:
        """Every connection has its last answer in the kernel's hands (or is gone).

        A lingering connection has sent its FIN; once its answer has left our buffer, closing
        it at exit is an ordinary close (the kernel still delivers what it holds).
        """
        return all(c.state != OPEN and c.unsent() == 0 for c in [*self.regular, *self.reserve])

    def begin_drain(self) -> None:
        """Answer what has arrived with Connection: close; close connections left idle."""
        self.draining = True
        self.loop.call_later(DRAIN_IDLE_GRACE, self.close_idle)

    def close_idle(self) -> None:
        for conn in [*self.idle, *(c for c in self.reserve if c.waiting_for_request())]:
            conn.start_linger()

    def sweep(self) -> None:
        """Enforce every deadline. One periodic pass is far cheaper than a timer per request."""
        now = time.monotonic()
        for conn in [*self.regular, *self.reserve]:
            conn.check_deadlines(now)
        self.loop.call_later(self.sweep_interval, self.sweep)


class HttpProtocol(asyncio.BufferedProtocol):
    """One HTTP/1.1 connection: parses requests from the byte stream and answers in order."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.transport: asyncio.Transport | None = None
        self.pending = bytearray()  # received, not yet parsed: at most READ_LIMIT bytes
        self.state = OPEN
        self.reserved = False  # admitted into a reserve slot: /healthz only, then close
        self.busy = False  # a /burn is running: later pipelined requests wait their turn
        self.write_paused = False
        self.reading = True
        self.peer_eof = False
        self.served = 0
        self.skipped = 0  # empty lines ignored before the current request line
        self.remote = "-"
        now = time.monotonic()
        self.idle_since = now  # accepted, or last answer handed to the transport
        self.head_started: float | None = None  # first byte of the request being received
        self.write_paused_since = now
        self.linger_since = now

    # -- asyncio callbacks -------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if not self.app.admit(self):
            self.state = CLOSED
            transport.abort()  # over every cap: refuse cheaply instead of queueing
            return
        self.reserved = self in self.app.reserve
        transport.set_write_buffer_limits(WRITE_HIGH, WRITE_LOW)
        peer = transport.get_extra_info("peername")
        self.remote = peer[0] if isinstance(peer, tuple) else "-"
        if not self.reserved:
            self.app.idle[self] = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.state = CLOSED
        self.app.forget(self)

    def get_buffer(self, sizehint: int) -> memoryview:
        # Reading is paused before the pending bytes reach READ_LIMIT, so this is never empty.
        used = len(self.pending)
        return _LANDING[: READ_LIMIT - used] if used and self.state == OPEN else _LANDING

    def buffer_updated(self, nbytes: int) -> None:
        if self.state != OPEN:
            return  # lingering: read and discard until the client closes
        if self.head_started is None:  # the first byte of a head starts its (absolute) deadline
            self.head_started = time.monotonic()
            self.app.idle.pop(self, None)
        self.pending += _LANDING[:nbytes]
        if not self.busy and not self.write_paused:
            self._process()
        if len(self.pending) >= READ_LIMIT - 1024 and self.reading and self.state == OPEN:
            self.reading = False
            assert self.transport is not None
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        """The client half-closed: answer what it already sent, then close."""
        self.peer_eof = True
        # Keep the write side open while an answer is still to come; it closes the connection.
        return self.state == OPEN and (self.busy or (self.write_paused and bool(self.pending)))

    def pause_writing(self) -> None:
        # The client is not reading its answers: stop producing more (the requests wait in
        # our bounded buffer, then in the kernel), and start the SEND_TIMEOUT clock.
        self.write_paused = True
        self.write_paused_since = time.monotonic()
        self.app.idle.pop(self, None)

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.state == OPEN:
            self._process()
            self._after_answer()

    # -- lifecycle helpers -------------------------------------------------------------
    def unsent(self) -> int:
        return self.transport.get_write_buffer_size() if self.transport is not None else 0

    def waiting_for_request(self) -> bool:
        return self.state == OPEN and not self.pending and not self.busy and not self.write_paused

    def evict(self) -> None:
        """Make room at the cap: close now (idle or lingering connections, or a reserve slot)."""
        self.app.forget(self)
        self.state = CLOSED
        if self.transport is not None:
            self.transport.close()

    def start_linger(self) -> None:
        """Staged close (RFC 9112 §9.6): FIN after the last answer, then read until the client closes.

        Closing with unread bytes in the receive queue makes the kernel send a reset, which
        can destroy an answer the client has not read yet; reading them instead cannot.
        """
        if self.state != OPEN or self.transport is None:
            return
        self.state = LINGER
        self.linger_since = time.monotonic()
        self.pending.clear()
        app = self.app
        app.idle.pop(self, None)
        if self.peer_eof:
            self.transport.close()
            return
        if not self.reserved:
            app.lingering[self] = None  # done with: the first to go when a regular slot is needed
        self.transport.write_eof()
        if not self.reading:
            self.reading = True
            self.transport.resume_reading()

    def check_deadlines(self, now: float) -> None:
        cfg = self.app.cfg
        transport = self.transport
        if transport is None or self.state == CLOSED:
            return
        counters = self.app.counters
        if self.state == LINGER:
            if now - self.linger_since > LINGER_TIMEOUT:
                counters["linger_timeouts"] += 1
                transport.abort()
        elif self.busy:
            pass  # a burn is bounded by BURN_MAX_MS
        elif self.write_paused:
            if now - self.write_paused_since > cfg.send_timeout:
                counters["send_timeouts"] += 1
                transport.abort()  # it has not read for SEND_TIMEOUT: nothing left to protect
        elif self.head_started is not None:
            limit = RESERVED_HEADER_TIMEOUT if self.reserved else cfg.header_timeout
            if now - self.head_started > min(limit, cfg.header_timeout):
                counters["header_timeouts"] += 1
                self._error(408, "request head not received in time")
        else:
            limit = cfg.keepalive_timeout if self.served else cfg.header_timeout
            if self.reserved:
                limit = min(limit, RESERVED_HEADER_TIMEOUT)
            if now - self.idle_since > limit:
                counters["idle_timeouts"] += 1
                self.start_linger()

    def _after_answer(self) -> None:
        """Bookkeeping once the parser has consumed what it can: idle set, reading state."""
        if self.state != OPEN or self.transport is None:
            return
        if not self.pending and not self.busy and not self.write_paused:
            if self.peer_eof:
                self.start_linger()
                return
            if not self.reserved:
                self.app.idle[self] = None  # re-inserted: now the newest idle connection
        if not self.reading and len(self.pending) < READ_LIMIT - 1024 and not self.write_paused:
            self.reading = True
            self.transport.resume_reading()

    # -- parsing -----------------------------------------------------------------------
    def _process(self) -> None:
        pending = self.pending
        while pending and not self.busy and not self.write_paused and self.state == OPEN:
            first = pending[0]
            if first == 13 or first == 10:  # CR or LF
                # RFC 9112 §2.2: ignore empty lines (CRLF or bare LF) before a request line.
                n = 0
                size = len(pending)
                while n < size and (pending[n] == 10 or (pending[n] == 13 and n + 1 < size and pending[n + 1] == 10)):
                    n += 1 if pending[n] == 10 else 2
                if n == 0:
                    if size == 1:
                        return  # a lone CR: wait for its LF
                    self._error(400, "bare CR in request")
                    return
                self.skipped += n
                if self.skipped > MAX_HEAD_BYTES:
                    self._error(400, "too many empty lines")
                    return
                del pending[:n]
                continue
            # The head ends at an empty line; a bare LF ends a line too (RFC 9112 §2.2).
            end = pending.find(b"\n\r\n")
            lf = pending.find(b"\n\n", 0, end + 2 if end >= 0 else len(pending))
            if lf >= 0:
                end, term = lf, 2
            elif end >= 0:
                term = 3
            else:
                if len(pending) > MAX_HEAD_BYTES:
                    self._error(431, "request head too large")
                else:
                    # Reject garbage as soon as its first line is complete, rather than
                    # waiting for a blank line that may never come.
                    eol = pending.find(b"\n")
                    if eol >= 0:
                        stop = eol - 1 if eol > 0 and pending[eol - 1] == 13 else eol
                        if REQUEST_LINE.fullmatch(pending, 0, stop) is None:
                            self._error(400, "malformed request line")
                break
            if end > MAX_HEAD_BYTES:
                self._error(431, "request head too large")
                return
            head = bytes(pending[: end - 1 if pending[end - 1] == 13 else end])
            del pending[: end + term]
            self.skipped = 0
            self.head_started = time.monotonic() if pending else None
            try:
                self._handle(head)
            except Exception as exc:  # a bug must cost one request, never the connection silently
                self.app.counters["handler_errors"] += 1
                self.app.log.event("handler_error", error=f"{type(exc).__name__}: {exc}"[:500])
                self._error(500, "internal error")
                return
        self._after_answer()

    def _handle(self, head: bytes) -> None:
        started = time.perf_counter()
        # A bare LF ends a line like CRLF does (RFC 9112 §2.2); a bare CR stays and is refused.
        lines = head.replace(b"\r\n", b"\n").split(b"\n")
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
                # Also rejects obsolete line folding (a line starting with whitespace) and bare CRs.
                self._error(400, "malformed header field")
                return
            name = h.group(1).lower()
            if name == b"host":
                if host_seen:
                    self._error(400, "duplicate Host header")
                    return
                host_seen = True
            elif name == b"connection":
                connection = connection + b"," + h.group(2) if connection else h.group(2)
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
        if connection:
            # A comma-separated list of tokens, each with optional whitespace (space or tab).
            tokens = {t.strip(b" \t") for t in connection.lower().split(b",")}
            keep_alive = b"close" not in tokens if http11 else b"keep-alive" in tokens
        else:
            keep_alive = http11
        method = method_b.decode()
        target = target_b.decode()
        req = _Request(
            method,
            target,
            http11,
            keep_alive,
            # Header values are bytes on the wire; browsers send UTF-8. Undecodable bytes
            # stay visible as \xNN instead of turning into mojibake or failing the request.
            user_agent.decode("utf-8", "backslashreplace"),
            forwarded_for.decode("utf-8", "backslashreplace"),
            started,
        )
        if method not in ("GET", "HEAD"):
            self._send(req, 405, _error_body("method not allowed"), b"Allow: GET, HEAD\r\n")
            return
        path, _, query = target.partition("?")
        if self.reserved and path != "/healthz":
            # A reserve slot exists so health checks pass at the cap; the rest is told to retry.
            self._send(req, 503, _error_body("over capacity"), b"Retry-After: 1\r\n")
        elif path == "/":
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
            values = parse_qs(
                query, keep_blank_values=True, strict_parsing=bool(query), max_num_fields=MAX_QUERY_FIELDS
            )
        except ValueError:
            self._send(req, 400, _error_body("malformed query string"))
            return
        raw = values.get("ms", [str(cfg.burn_default_ms)])
        ms = parse_bounded_int(raw[0], 1, cfg.burn_max_ms) if len(raw) == 1 else None
        if ms is None:
            self._send(req, 400, _error_body(f"ms must be one integer in 1..{cfg.burn_max_ms}"))
            return
        if app.burns_running >= cfg.burn_max_concurrent:
            # Refuse rather than queue: a queue would let clients stack up unbounded work.
            self._send(req, 429, _error_body("too many concurrent burns"), b"Retry-After: 1\r\n")
            return
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
        if self.state == OPEN:
            self._process()

    def _more_requests_received(self) -> bool:
        """Whether a complete request already waits behind the current one (draining only)."""
        pending = self.pending.lstrip(b"\r\n")
        return b"\n\r\n" in pending or b"\n\n" in pending

    # -- responses ---------------------------------------------------------------------
    def _send(self, req: _Request, status: int, body: bytes, extra: bytes = b"") -> None:
        transport = self.transport
        if transport is None or self.state != OPEN:
            return
        keep_alive = req.keep_alive and not self.reserved
        if keep_alive and (self.app.draining or self.peer_eof):
            # Answer everything already received; the last answer announces the close.
            keep_alive = self._more_requests_received()
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
        self.served += 1
        self.idle_since = time.monotonic()
        elapsed_ms = (time.perf_counter() - req.started) * 1000
        # Hand-assembled JSON: json.dumps of a dict per request costs a visible share of the
        # throughput budget; only the client-controlled strings need escaping.
        self.app.log.line(
            f'{{"ts":"{iso}","remote":"{self.remote}",'
            f'"method":"{req.method}","path":{json.dumps(req.target)},"status":{status},'
            f'"bytes":{len(body)},"duration_ms":{elapsed_ms:.3f},'
            f'"user_agent":{json.dumps(req.user_agent, ensure_ascii=False)},'
            f'"forwarded_for":{json.dumps(req.forwarded_for, ensure_ascii=False)}}}'
        )
        if not keep_alive:
            self.start_linger()

    def _error(self, status: int, message: str) -> None:
        """Answer a request we could not parse, then close: the stream is out of sync."""
        req = _Request("-", "-", True, False, "", "", time.perf_counter())
        self._send(req, status, _error_body(message))
        self.pending.clear()


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


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


async def serve(cfg: Config, log: StdoutLog) -> int:
    """Run until SIGTERM/SIGINT/SIGHUP, then drain; return the process exit code."""
    loop = asyncio.get_running_loop()
    log.attach(loop)
    try:
        max_connections, nofile = plan_connections(cfg.max_connections, cfg.reserved_connections)
    except ConfigError as exc:
        log.event("config_error", error=str(exc))
        log.flush()
        return 2
    identity, error = await loop.run_in_executor(None, discover_identity, cfg.metadata_uri, cfg.metadata_timeout)
    if error is not None:
        log.event("metadata_unavailable", error=error, fallback=identity.task_id)
    app = App(cfg, identity, log, loop, max_connections)
    loop.set_exception_handler(app.loop_error)
    stop = asyncio.Event()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    server = await loop.create_server(
        lambda: HttpProtocol(app), cfg.host, cfg.port, reuse_address=True, backlog=LISTEN_BACKLOG
    )
    # asyncio uses one number for both the kernel's accept queue and its accept burst; the burst
    # must stay small (FD_OVERHEAD), the queue deep, so a burst of new connections (health
    # checks among them) waits its turn instead of having its handshakes dropped.
    with socket.socket(fileno=os.dup(server.sockets[0].fileno())) as listener:
        listener.listen(ACCEPT_QUEUE)
    port = server.sockets[0].getsockname()[1]
    slots = max_connections + cfg.reserved_connections
    log.event(
        "listening",
        port=port,
        task_id=identity.task_id,
        source=identity.source,
        max_connections=max_connections,
        reserved_connections=cfg.reserved_connections,
        nofile_limit=nofile,
        # Worst case of the per-connection buffers: unparsed bytes plus answers queued.
        buffer_bound_mib=round(slots * (READ_LIMIT + WRITE_HIGH + MAX_HEAD_BYTES) / 2**20, 1),
    )
    loop.call_later(app.sweep_interval, app.sweep)

    await stop.wait()
    log.event("draining", connections=app.connection_count())
    server.close()  # stop accepting: new connections are refused from here on
    app.begin_drain()
    deadline = loop.time() + cfg.shutdown_timeout
    while not app.drained() and loop.time() < deadline:
        await asyncio.sleep(0.02)
    clean = app.drained()
    aborted = 0
    for conn in [*app.regular, *app.reserve]:
        if conn.transport is None:
            continue
        if conn.state == OPEN or conn.unsent():
            aborted += 1
            conn.transport.abort()
        else:
            conn.transport.close()
    log.event("stopped", clean=clean, aborted=aborted, **app.counters)
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
