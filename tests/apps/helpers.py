"""Process and network helpers for the app tests: real processes, loopback only, deadlines.

Every wait here polls against a deadline instead of sleeping a fixed time, so a test takes as
long as the behaviour it checks and no longer, and a hung app fails the test with a message
rather than hanging the suite.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "app"
SIDECAR = REPO / "components" / "fargatelb" / "sidecar"  # shipped in the package, built by UdpNlbService
CONTEXTS = {"web": APP / "web", "udp": APP / "udp", "healthcheck": SIDECAR}
"""Each image's Docker build context."""

TASK_ARN = "arn:aws:ecs:eu-west-1:123456789012:task/demo-cluster/0123456789abcdef0123456789abcdef"
TASK_ID = TASK_ARN.rsplit("/", 1)[-1]


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.01) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


class AppProcess:
    """A child process whose stdout JSON lines are collected by a reader thread.

    Draining stdout continuously matters: the web app logs every request, and a full pipe
    would block it, which would look like a performance or shutdown bug.
    """

    def __init__(
        self, name: str, argv: list[str], env: Mapping[str, str], nofile: tuple[int, int] | None = None
    ) -> None:
        self.name = name
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("ECS_")}
        full_env.update(env)
        full_env["PYTHONDONTWRITEBYTECODE"] = "1"

        def limit_files() -> None:  # runs in the child: its open-files limit (soft, hard)
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, nofile)

        self.proc = subprocess.Popen(
            argv,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            preexec_fn=limit_files if nofile is not None else None,
        )
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._stderr: list[bytes] = []
        self._threads = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for t in self._threads:
            t.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            with self._lock:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            self._stderr.append(raw)

    @property
    def stderr(self) -> str:
        return b"".join(self._stderr).decode("utf-8", "replace")

    def events(self) -> list[dict[str, Any]]:
        """All stdout lines that parse as JSON objects (every line should)."""
        with self._lock:
            lines = list(self.lines)
        out = []
        for line in lines:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                out.append(obj)
        return out

    def wait_event(self, predicate: Callable[[dict[str, Any]], bool], timeout: float, what: str) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            exited = self.proc.poll() is not None
            if exited:
                # Its last lines may still be in the pipe: let the reader reach EOF first.
                self._threads[0].join(timeout=1.0)
            found = next((e for e in self.events() if predicate(e)), None)
            if found is None and exited:
                raise AssertionError(
                    f"{self.name} exited with {self.proc.returncode} before {what}; "
                    f"stdout={self.lines[-5:]} stderr={self.stderr[-2000:]}"
                )
            return found

        return wait_until(find, timeout, f"{self.name}: {what}")  # type: ignore[no-any-return]

    def listening_port(self, timeout: float = 3.0) -> int:
        event = self.wait_event(lambda e: e.get("event") == "listening", timeout, "listening")
        return int(event["port"])

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 5.0) -> int:
        """SIGTERM and wait; returns the exit code (fails if it does not exit in time)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(2)
            raise AssertionError(f"{self.name} did not exit within {timeout:g}s of SIGTERM") from None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(2)

    def fd_count(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def cpu_ticks(self) -> int:
        """User + system CPU time, in clock ticks (/proc/PID/stat fields 14 and 15)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError(f"no VmRSS for {self.name} (pid {self.pid})")


class FakeMetadata:
    """The ECS task metadata endpoint v4, served on loopback from a thread."""

    def __init__(self, task_arn: str = TASK_ARN) -> None:
        arn = task_arn

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/v4/container-1/task":
                    body = json.dumps({"Cluster": "demo-cluster", "TaskARN": arn}).encode()
                    self.send_response(200)
                else:
                    body = b"{}"
                    self.send_response(404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self.server.server_address[1]}/v4/container-1"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def unassigned_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    """A free loopback port (of ``kind``) that the kernel never hands out by itself.

    A port picked by bind(port 0) is ephemeral: once released, the kernel may give it to any socket
    that connects or sends without binding first, e.g. a sidecar's own UDP probe to this very
    port, and a service (re)started on it then fails to bind. Ports below the ephemeral range
    are only ever taken by an explicit bind, so one that is free now stays free for the test.
    """
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    if low - 1024 < 1024:  # (almost) everything is ephemeral: bind(0) is the best we can do
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])
    for _ in range(200):
        port = random.randrange(max(1024, low - 16384), low)
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port found below the ephemeral range ({low})")


def closed_tcp_port() -> int:
    """A loopback port with nothing listening, and which no outgoing connection will take."""
    return unassigned_port(socket.SOCK_STREAM)


def http_request(
    port: int, raw: bytes, timeout: float = 3.0, close_wait: float = 1.0
) -> tuple[int, dict[str, str], bytes, bool]:
    """Send raw bytes on a new connection; return (status, headers, body, closed_after).

    ``closed_after`` tells whether the server closed the connection within ``close_wait``
    seconds of the response (0 skips the check and reports False).
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        reader = ResponseReader(sock)
        status, headers, body = reader.read_response()
        return status, headers, body, close_wait > 0 and reader.at_eof(close_wait)


class ResponseReader:
    """Reads HTTP/1.1 responses (Content-Length framed) from one socket, in order."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buf += chunk
        return bool(chunk)

    def read_response(self, head_request: bool = False) -> tuple[int, dict[str, str], bytes]:
        """Read one response; ``head_request`` means it answers a HEAD, so it has no body."""
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise AssertionError(f"connection closed before a full response: {self.buf!r}")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if head_request else int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            if not self._fill():
                raise AssertionError("connection closed inside a response body")
        body, self.buf = self.buf[:length], self.buf[length:]
        return int(status_line.split(" ")[1]), headers, body

    def at_eof(self, timeout: float = 2.0) -> bool:
        """True if the peer closes the connection (within ``timeout``) with nothing more sent."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True


def get(port: int, path: str, timeout: float = 3.0) -> tuple[int, bytes]:
    """One GET on a fresh connection; returns (status, body)."""
    raw = f"GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".encode()
    status, _, body, _ = http_request(port, raw, timeout)
    return status, body


def udp_exchange(port: int, payload: bytes, timeout: float = 1.0) -> bytes | None:
    """Send one datagram from a fresh socket; return the reply, or None if none in time."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.connect(("127.0.0.1", port))
        sock.send(payload)
        try:
            return sock.recv(65536)
        except (TimeoutError, ConnectionRefusedError):
            return None


# What the start_web / start_udp / start_sidecar fixtures return: start(name, **env).
StartApp = Callable[..., AppProcess]


def udp_exchange_from(
    source: tuple[str, int], port: int, payload: bytes, timeout: float = 1.0, dest: str = "127.0.0.1"
) -> bytes | None:
    """Like udp_exchange, from a socket bound to ``source`` (address, port) first."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.bind(source)
        sock.connect((dest, port))
        sock.send(payload)
        try:
            return sock.recv(65536)
        except (TimeoutError, ConnectionRefusedError):
            return None


def forge_udp(source: tuple[str, int], dest: tuple[str, int], payload: bytes) -> None:
    """Send one UDP datagram with any source address and port (a raw socket: needs root).

    How a reflection attack starts: the service answers whoever the source claims to be.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as raw:
        src, dst = socket.inet_aton(source[0]), socket.inet_aton(dest[0])
        udp = struct.pack("!HHHH", source[1], dest[1], 8 + len(payload), 0) + payload  # checksum 0: none
        total = 20 + len(udp)
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0, 64, socket.IPPROTO_UDP, 0, src, dst)
        checksum = _ip_checksum(header)
        header = header[:10] + struct.pack("!H", checksum) + header[12:]
        raw.sendto(header + udp, (dest[0], 0))


def _ip_checksum(header: bytes) -> int:
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
