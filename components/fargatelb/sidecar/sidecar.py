"""Health-check sidecar that lets an NLB see whether the task's UDP service really answers.

An NLB can only health-check over TCP or HTTP, and the usual sidecar (``nc -lk`` answering
"ok") stays healthy after the UDP service dies, so the NLB keeps routing datagrams into a
dead task. This sidecar instead sends a real datagram to the UDP service every PROBE_INTERVAL
seconds and checks the answer against the probe contract below.

The verdict is taken over a window, as an NLB's own health check would: the service is
healthy while at least one probe got a good answer in the last HEALTHY_WITHIN seconds, which
holds HEALTHY_WITHIN / PROBE_INTERVAL probes (30 by default); an empty window is a verdict only
once half that many probes have failed in it, so a sidecar that could not probe (starved of
CPU, throttled) blames nobody. A flood that makes the kernel drop most datagrams therefore does
not flip the verdict, as long as some probes get through; a service that is killed (its port
refuses: two refused probes since the last good answer turn the verdict at once) or answers
garbage (two wrong answers) is reported in about 0.1 s, a stopped one (SIGSTOP) within
HEALTHY_WITHIN (1.5 s), and a recovered one at its first good answer.

It reports that verdict in one of two ways (HEALTH_MODE):

* ``http`` (default): ``GET /healthz`` answers 200 while healthy and 503 otherwise, with a
  JSON body giving the reason. Use an NLB HTTP health check on HEALTH_PORT, path /healthz.
* ``tcp``: the listening socket on HEALTH_PORT is open only while healthy; it is closed
  (connections are refused) while the UDP service is down, and reopened on recovery. Use an
  NLB TCP health check on HEALTH_PORT.

The probe contract (environment; checked at start, a bad value exits 2 naming the variable):

* What to send, one of:
  ``PROBE_SEND``: text, sent as UTF-8 (default ``PING {nonce}``);
  ``PROBE_SEND_HEX``: bytes as hex digits (spaces allowed), e.g. ``0001 {nonce} ff``.
  ``{nonce}`` is replaced, for each probe, by 8 fresh random bytes: written as 16 lowercase
  hex characters in text templates, as the raw bytes in hex ones. With a nonce in the
  expectation too, an answer to an earlier probe can never pass for this one's.
* ``PROBE_PAD_TO``: pad the datagram to this many bytes (spaces for text, zero bytes for hex),
  0..1400. For services that, like app/udp, never answer with more bytes than they received.
  Default 160 with the default probe (room for app/udp to add its task id), else 0.
* What a healthy answer looks like; every one given must hold:
  ``PROBE_EXPECT_PREFIX`` (text) or ``PROBE_EXPECT_PREFIX_HEX`` (hex): the answer starts with it;
  ``PROBE_EXPECT_REGEX``: a Python regular expression found in the answer (``re.search`` over
  the answer's bytes; anchor it with ``^``/``$`` yourself; ``{nonce}`` stands for the nonce as
  hex text);
  ``PROBE_EXPECT_MIN_LENGTH``: the answer has at least this many bytes.
  Default: ``PONG {nonce}`` as the prefix with the default probe; with a custom probe and no
  expectation, any answer of at least one byte.
* The datagram after ``{nonce}`` and padding is 1..1400 bytes; every template is at most
  1400 characters, the regex at most 1000.

With the default probe against app/udp, the answer is ``PONG <nonce> <task-id>`` and the
task id shows in the /healthz body.

Other configuration (environment): HEALTH_PORT (8080; 0 picks a free port, announced in the
"listening" log line and kept across reopenings), BIND_HOST (0.0.0.0), UDP_TARGET_HOST
(127.0.0.1: containers of one awsvpc task share localhost), UDP_TARGET_PORT (1234),
HEALTH_MODE, PROBE_INTERVAL (0.05 s), PROBE_TIMEOUT (0.5 s: how late an answer still counts;
at most HEALTHY_WITHIN / 2), HEALTHY_WITHIN (1.5 s; at least 3 probe intervals),
SHUTDOWN_TIMEOUT (5 s). Logs are JSON
lines on stdout: start-up (with the probe contract), every change of verdict, stop.
SIGTERM, SIGINT or SIGHUP close the listener (new connections are refused), answer the
requests already received (``Connection: close``, as always) and exit 0.

Stdlib only, so the image is just the Python base image plus this file (and healthcheck.py,
which imports the probe from here).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import re
import signal
import socket
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# The default probe speaks app/udp's protocol (see app/udp/README.md). Duplicated on purpose:
# each image is built from its own directory, so the two apps cannot share a file.
DEFAULT_SEND = "PING {nonce}"
DEFAULT_EXPECT_PREFIX = "PONG {nonce}"
DEFAULT_PAD_TO = 160  # "PONG " + 16-char nonce + " " + a task id of up to 127 characters
NONCE = "{nonce}"
NONCE_BYTES = 8
MAX_DATAGRAM = 1400
MAX_TEMPLATE = 1400
MAX_REGEX = 1000
MAX_REPLY = 65536
HARD_FAILURES = 2  # refused or wrong answers in a row that turn the verdict without waiting
MAX_PROBES_IN_FLIGHT = 32

MAX_REQUEST_HEAD = 4096
REQUEST_READ_TIMEOUT = 2.0  # absolute: a client gets this long for its whole request head
LINGER_TIMEOUT = 0.5  # after our answer and FIN, read what the client still sends this long
MAX_HTTP_CONNECTIONS = 256
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


class ConfigError(ValueError):
    """An environment variable holds a value the sidecar cannot use."""


def _env_float(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
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


def _env_int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name, "")
    if raw == "":
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6) or not lo <= int(raw) <= hi:
        raise ConfigError(f"{name}={raw[:40]!r} must be an integer in {lo}..{hi}")
    return int(raw)


def _hex_template(name: str, raw: str) -> list[bytes]:
    """The byte pieces between ``{nonce}`` placeholders of a hex template."""
    try:
        return [bytes.fromhex(part) for part in raw.split(NONCE)]
    except ValueError:
        raise ConfigError(f"{name} must be hex digits (spaces allowed) and {NONCE} placeholders") from None


@dataclass(frozen=True)
class Probe:
    """The probe contract: what to send and what a healthy answer looks like."""

    send: tuple[bytes, ...] = (b"PING ", b"")  # pieces between nonces
    send_hex: bool = False
    pad_to: int = DEFAULT_PAD_TO
    prefix: tuple[bytes, ...] | None = (b"PONG ", b"")
    prefix_hex: bool = False
    regex: str | None = None
    min_length: int = 1
    default: bool = True  # app/udp's PING/PONG: the answer may carry the task id

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Probe:
        text, hexa = env.get("PROBE_SEND", ""), env.get("PROBE_SEND_HEX", "")
        if text and hexa:
            raise ConfigError("PROBE_SEND and PROBE_SEND_HEX are exclusive: set one")
        for name in ("PROBE_SEND", "PROBE_SEND_HEX", "PROBE_EXPECT_PREFIX", "PROBE_EXPECT_PREFIX_HEX"):
            if len(env.get(name, "")) > MAX_TEMPLATE:
                raise ConfigError(f"{name} is longer than {MAX_TEMPLATE} characters")
        default = not text and not hexa
        send = tuple(p.encode() for p in (text or DEFAULT_SEND).split(NONCE)) if not hexa else None
        if hexa:
            send = tuple(_hex_template("PROBE_SEND_HEX", hexa))
        assert send is not None
        pad_to = _env_int(env, "PROBE_PAD_TO", DEFAULT_PAD_TO if default else 0, 0, MAX_DATAGRAM)

        ptext, phex = env.get("PROBE_EXPECT_PREFIX", ""), env.get("PROBE_EXPECT_PREFIX_HEX", "")
        if ptext and phex:
            raise ConfigError("PROBE_EXPECT_PREFIX and PROBE_EXPECT_PREFIX_HEX are exclusive: set one")
        regex = env.get("PROBE_EXPECT_REGEX", "") or None
        if regex is not None and len(regex) > MAX_REGEX:
            raise ConfigError(f"PROBE_EXPECT_REGEX is longer than {MAX_REGEX} characters")
        min_length = _env_int(env, "PROBE_EXPECT_MIN_LENGTH", 1, 1, MAX_REPLY)
        prefix: tuple[bytes, ...] | None = None
        if phex:
            prefix = tuple(_hex_template("PROBE_EXPECT_PREFIX_HEX", phex))
        elif ptext:
            prefix = tuple(p.encode() for p in ptext.split(NONCE))
        elif default and regex is None and not env.get("PROBE_EXPECT_MIN_LENGTH"):
            prefix = tuple(p.encode() for p in DEFAULT_EXPECT_PREFIX.split(NONCE))
        probe = cls(
            send=send,
            send_hex=bool(hexa),
            pad_to=pad_to,
            prefix=prefix,
            prefix_hex=bool(phex),
            regex=regex,
            min_length=min_length,
            default=default and prefix is not None and not ptext and not phex,
        )
        sample = bytes(NONCE_BYTES)
        size = len(probe.datagram(sample))
        if not 1 <= size <= MAX_DATAGRAM:
            which = "PROBE_SEND_HEX" if hexa else "PROBE_SEND"
            raise ConfigError(f"{which} makes a {size}-byte datagram; it must be 1..{MAX_DATAGRAM} bytes")
        if regex is not None:
            try:
                probe.compiled(sample)
            except re.error as exc:
                raise ConfigError(f"PROBE_EXPECT_REGEX={regex[:60]!r} does not compile: {exc}") from None
        return probe

    def datagram(self, nonce: bytes) -> bytes:
        token = nonce if self.send_hex else nonce.hex().encode()
        data = token.join(self.send)
        pad = b"\0" if self.send_hex else b" "
        return data + pad * (self.pad_to - len(data)) if len(data) < self.pad_to else data

    def compiled(self, nonce: bytes) -> re.Pattern[bytes]:
        assert self.regex is not None
        return re.compile(self.regex.replace(NONCE, re.escape(nonce.hex())).encode())

    def accepts(self, reply: bytes, nonce: bytes) -> bool:
        if len(reply) < self.min_length:
            return False
        if self.prefix is not None:
            token = nonce if self.prefix_hex else nonce.hex().encode()
            if not reply.startswith(token.join(self.prefix)):
                return False
        return self.regex is None or self.compiled(nonce).search(reply) is not None

    def task_id(self, reply: bytes, nonce: bytes) -> str | None:
        """The task id app/udp appends to a PONG for trusted sources (default probe only)."""
        if not self.default:
            return None
        head = b"PONG " + nonce.hex().encode() + b" "
        if not reply.startswith(head):
            return None
        return reply[len(head) :].decode("ascii", "replace")[:128] or None

    def describe(self) -> dict[str, object]:
        def show(pieces: tuple[bytes, ...], hexa: bool) -> str:
            return NONCE.join(p.hex(" ") if hexa else p.decode("utf-8", "backslashreplace") for p in pieces)

        return {
            "send": show(self.send, self.send_hex),
            "send_format": "hex" if self.send_hex else "text",
            "pad_to": self.pad_to,
            "expect_prefix": None if self.prefix is None else show(self.prefix, self.prefix_hex),
            "expect_regex": self.regex,
            "expect_min_length": self.min_length,
        }


@dataclass(frozen=True)
class Config:
    """Sidecar settings, read from the environment."""

    host: str = "0.0.0.0"  # the NLB health check arrives on the task ENI, not loopback
    port: int = 8080
    target_host: str = "127.0.0.1"
    target_port: int = 1234
    mode: str = "http"
    interval: float = 0.05
    timeout: float = 0.5
    healthy_within: float = 1.5
    shutdown_timeout: float = 5.0
    probe: Probe = field(default_factory=Probe)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        mode = env.get("HEALTH_MODE", "http") or "http"
        if mode not in ("http", "tcp"):
            raise ConfigError(f"HEALTH_MODE={mode[:20]!r} must be 'http' or 'tcp'")
        interval = _env_float(env, "PROBE_INTERVAL", 0.05, 0.01, 60)
        timeout = _env_float(env, "PROBE_TIMEOUT", 0.5, 0.001, 60)
        healthy_within = _env_float(env, "HEALTHY_WITHIN", 1.5, 0.03, 600)
        if healthy_within < 3 * interval:
            # One datagram is no verdict: the window must hold several probes to ride out loss.
            raise ConfigError("HEALTHY_WITHIN must be at least 3 × PROBE_INTERVAL (several probes per verdict)")
        if timeout > healthy_within / 2:
            # Half the window's probes must have timed out by its end for a hung service to be
            # reported within HEALTHY_WITHIN.
            raise ConfigError("PROBE_TIMEOUT must not exceed HEALTHY_WITHIN / 2")
        return cls(
            host=env.get("BIND_HOST") or cls.host,
            port=int(_env_float(env, "HEALTH_PORT", 8080, 0, 65535)),
            target_host=env.get("UDP_TARGET_HOST") or cls.target_host,
            target_port=int(_env_float(env, "UDP_TARGET_PORT", 1234, 1, 65535)),
            mode=mode,
            interval=interval,
            timeout=timeout,
            healthy_within=healthy_within,
            shutdown_timeout=_env_float(env, "SHUTDOWN_TIMEOUT", 5.0, 0.1, 120),
            probe=Probe.from_env(env),
        )


def log(event: str, **fields: object) -> None:
    """One JSON line on stdout (line-buffered by print, flushed so ordering is real-time)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    print(json.dumps({"ts": stamp + "Z", "event": event, **fields}), flush=True)


@dataclass(frozen=True)
class Outcome:
    """One probe's result. ``hard``: a refused port or a wrong answer, not just silence."""

    ok: bool
    hard: bool = False
    error: str | None = None
    reply: bytes = b""
    task_id: str | None = None


async def probe_once(cfg: Config) -> Outcome:
    """Send one probe datagram and judge the answer.

    A fresh connected socket per probe: it only accepts datagrams from the service, an ICMP
    port-unreachable (service gone) fails the probe at once as ConnectionRefusedError instead
    of waiting out the timeout, and a late answer to an earlier probe lands on that probe's
    closed port, not here (the nonce rules it out even if the port were reused).
    """
    loop = asyncio.get_running_loop()
    nonce = os.urandom(NONCE_BYTES)
    family, addr = _literal_address(cfg.target_host, cfg.target_port)
    if addr is None:  # a name: resolve it for each probe, so a changed address is followed
        try:
            infos = await loop.getaddrinfo(cfg.target_host, cfg.target_port, type=socket.SOCK_DGRAM)
        except OSError as exc:  # e.g. the target host name does not resolve
            return Outcome(False, error=f"{type(exc).__name__}: {exc}")
        family, _, _, _, resolved = infos[0]
        addr = tuple(resolved)
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        try:
            sock.connect(addr)
            await loop.sock_sendall(sock, cfg.probe.datagram(nonce))
            async with asyncio.timeout(cfg.timeout):
                reply = await loop.sock_recv(sock, MAX_REPLY)
        except TimeoutError:
            return Outcome(False, error=f"no answer within {cfg.timeout:g}s")
        except ConnectionRefusedError:
            return Outcome(False, hard=True, error="port unreachable (nothing listening)")
        except OSError as exc:
            return Outcome(False, error=f"{type(exc).__name__}: {exc.strerror or exc}")
    if not cfg.probe.accepts(reply, nonce):
        return Outcome(False, hard=True, error="unexpected answer", reply=reply)
    return Outcome(True, reply=reply, task_id=cfg.probe.task_id(reply, nonce))


def _literal_address(host: str, port: int) -> tuple[socket.AddressFamily, tuple[Any, ...] | None]:
    """(family, address) when ``host`` is an IP literal, so probing it needs no resolver thread."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        return family, (host, port)
    return socket.AF_INET, None


def _preview(reply: bytes) -> str:
    return reply[:64].decode("ascii", "backslashreplace")


class Sidecar:
    """Runs the probe loop and exposes its verdict over HTTP or by opening/closing a port."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.last_success: float | None = None  # monotonic time of the last good answer
        self.last_success_seq = -1
        self.hard_failures: collections.deque[int] = collections.deque(maxlen=HARD_FAILURES)
        self.failures: collections.deque[int] = collections.deque(maxlen=256)  # seqs of failed probes
        self.failed_since_success = 0
        # A window without a good answer is a verdict only once this many probes have failed in
        # it: if the sidecar itself could not probe (CPU-starved, throttled), it has no evidence.
        self.min_failures = max(2, round(cfg.healthy_within / cfg.interval) // 2)
        self.last_task_id: str | None = None
        self.last_reply: bytes = b""
        self.last_error: str | None = "no probe yet"
        self.window: collections.deque[tuple[float, bool]] = collections.deque()
        self.sent = 0
        self.answered = 0
        self.reported: bool | None = None  # verdict last logged / applied to the listener
        self.server: asyncio.Server | None = None
        self.port = cfg.port
        self.handlers: set[asyncio.Task[None]] = set()
        self.probes: set[asyncio.Task[None]] = set()
        self.stopping = False

    def healthy(self, now: float | None = None) -> bool:
        if self.last_success is None:
            return False
        if len(self.hard_failures) == HARD_FAILURES and min(self.hard_failures) > self.last_success_seq:
            return False  # refused or wrong answers since the last good one: no need to wait
        now = time.monotonic() if now is None else now
        return now - self.last_success <= self.cfg.healthy_within or self.failed_since_success < self.min_failures

    def record(self, seq: int, outcome: Outcome) -> None:
        now = time.monotonic()
        self.window.append((now, outcome.ok))
        while self.window and now - self.window[0][0] > self.cfg.healthy_within:
            self.window.popleft()
        if outcome.ok:
            self.answered += 1
            if seq > self.last_success_seq:  # probes overlap: an older success changes nothing
                self.last_success_seq = seq
                self.last_success = now
                self.failed_since_success = sum(1 for f in self.failures if f > seq)
                self.last_task_id = outcome.task_id
                self.last_reply = outcome.reply
                self.last_error = None
        else:
            self.failures.append(seq)
            if seq > self.last_success_seq:
                self.failed_since_success += 1
            if outcome.hard:
                self.hard_failures.append(seq)
            if seq > self.last_success_seq:
                self.last_error = outcome.error
                if outcome.reply:
                    self.last_error = f"{outcome.error}: {_preview(outcome.reply)!r}"

    async def run_probe(self, seq: int) -> None:
        self.record(seq, await probe_once(self.cfg))
        await self.apply_verdict()

    async def probe_loop(self) -> None:
        """Start a probe every PROBE_INTERVAL on a fixed schedule; answers may overlap."""
        cfg = self.cfg
        next_at = time.monotonic()
        seq = 0
        while True:
            if len(self.probes) < MAX_PROBES_IN_FLIGHT:
                task = asyncio.create_task(self.run_probe(seq))
                self.probes.add(task)
                task.add_done_callback(self.probes.discard)
                self.sent += 1
                seq += 1
            # The verdict also changes between answers, when the last success ages out.
            await self.apply_verdict()
            next_at += cfg.interval
            now = time.monotonic()
            if next_at < now:  # we fell behind (suspended process): resynchronise
                next_at = now
            await asyncio.sleep(next_at - now)

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

    def _track(self) -> bool:
        """Register the current handler; False if over MAX_HTTP_CONNECTIONS (then just close)."""
        task = asyncio.current_task()
        if task is None or len(self.handlers) >= MAX_HTTP_CONNECTIONS:
            return False
        self.handlers.add(task)
        task.add_done_callback(self.handlers.discard)
        return True

    async def handle_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """TCP mode: the accepted connection itself is the "healthy" answer."""
        if not self._track():
            writer.close()
            return
        with contextlib.suppress(OSError):
            writer.write(b"ok\n")
            writer.close()
            await writer.wait_closed()

    async def handle_http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """HTTP mode: one request per connection (health checkers do not reuse connections)."""
        if not self._track():
            writer.close()
            return
        try:
            async with asyncio.timeout(REQUEST_READ_TIMEOUT):  # absolute: bytes do not extend it
                status, body, is_head = await self.read_request(reader)
        except (asyncio.IncompleteReadError, OSError):
            writer.close()  # the client went away before finishing its request
            return
        except TimeoutError:
            status, body, is_head = 408, {"error": "request head not received in time"}, False
        payload = json.dumps(body).encode() + b"\n"
        response = (
            f"HTTP/1.1 {status} {REASONS[status]}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nCache-Control: no-store\r\n"
            "Connection: close\r\n\r\n"
        ).encode() + (b"" if is_head else payload)
        with contextlib.suppress(OSError, TimeoutError):
            writer.write(response)
            await writer.drain()
            # Staged close (RFC 9112 §9.6): FIN first, then read what the client still sends,
            # so unread bytes never make the kernel reset the answer away.
            if writer.can_write_eof():
                writer.write_eof()
            async with asyncio.timeout(LINGER_TIMEOUT):
                while await reader.read(4096):
                    pass
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()

    async def read_request(self, reader: asyncio.StreamReader) -> tuple[int, dict[str, object], bool]:
        """Read one request head (CRLF or bare LF lines, RFC 9112 §2.2) and route it."""
        buf = b""
        while True:
            chunk = await reader.read(MAX_REQUEST_HEAD)
            if not chunk:
                raise asyncio.IncompleteReadError(buf, None)
            buf += chunk
            stripped = buf.lstrip(b"\r\n")  # empty lines before the request line are ignored
            if b"\n\r\n" in stripped or b"\n\n" in stripped:
                break
            if len(buf) > MAX_REQUEST_HEAD:
                return 431, {"error": "request head too large"}, False
        line = stripped.split(b"\n", 1)[0].rstrip(b"\r")
        status, body = self.route(line)
        return status, body, line.startswith(b"HEAD ")

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
        window = [ok for t, ok in self.window if now - t <= self.cfg.healthy_within]
        return (200 if healthy else 503), {
            "healthy": healthy,
            "udp_target": f"{self.cfg.target_host}:{self.cfg.target_port}",
            "task_id": self.last_task_id,
            "last_reply": _preview(self.last_reply) if self.last_reply else None,
            "last_success_age_ms": age,
            "last_error": self.last_error,
            "window_s": self.cfg.healthy_within,
            "window_probes": len(window),
            "window_answered": sum(window),
        }

    # -- lifecycle ---------------------------------------------------------------------
    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, stop.set)
        log(
            "starting",
            mode=self.cfg.mode,
            udp_target=f"{self.cfg.target_host}:{self.cfg.target_port}",
            interval=self.cfg.interval,
            timeout=self.cfg.timeout,
            healthy_within=self.cfg.healthy_within,
            probe=self.cfg.probe.describe(),
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
        for task in [prober, *self.probes]:
            task.cancel()
        await asyncio.gather(prober, *self.probes, return_exceptions=True)
        if self.handlers:
            await asyncio.wait(set(self.handlers), timeout=self.cfg.shutdown_timeout)
        log("stopped", probes_sent=self.sent, probes_answered=self.answered, unanswered_handlers=len(self.handlers))
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
