"""Real traffic from inside the emulated VPC: HTTP(S) requests, UDP datagrams, TCP connects.

Every probe opens its socket inside the namespace it speaks from (`topology.entered`), binds the
source address it speaks as, and has a timeout; the caller bounds how many it sends. An `Outcome`
says what came back in words the report prints: `HTTP 200 from web-service-1`, `connection
refused`, `no answer in 0.5 s (dropped)`, `no route (ICMP unreachable)`.
"""

from __future__ import annotations

import contextlib
import errno
import json
import secrets
import select
import socket
import ssl
import time
from dataclasses import dataclass
from pathlib import Path

from .topology import entered


@dataclass(frozen=True)
class Outcome:
    answered: bool
    """Something answered at the application layer (HTTP response, UDP reply, TCP accept)."""
    text: str
    status: int | None = None
    served_by: str | None = None
    location: str | None = None

    def __str__(self) -> str:
        return self.text


def _error(exc: BaseException, timeout: float) -> Outcome:
    if isinstance(exc, TimeoutError | socket.timeout):
        return Outcome(False, f"no answer in {timeout:g} s (dropped)")
    if isinstance(exc, ConnectionRefusedError):
        return Outcome(False, "connection refused")
    if isinstance(exc, ConnectionResetError):
        return Outcome(False, "connection reset")
    if isinstance(exc, ssl.SSLError):
        return Outcome(False, f"TLS handshake failed ({exc.reason})")
    if isinstance(exc, OSError) and exc.errno == errno.EPERM:
        return Outcome(False, "dropped on the way out (the sender's filter: EPERM)")
    if isinstance(exc, OSError) and exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return Outcome(False, "no route (ICMP unreachable)")
    return Outcome(False, f"{type(exc).__name__}: {exc}")


def _socket(ns: str, kind: socket.SocketKind, source: str | None) -> socket.socket:
    with entered(ns):
        sock = socket.socket(socket.AF_INET, kind)
    if source is not None:
        sock.bind((source, 0))
    return sock


def _served_by(body: bytes) -> str | None:
    with contextlib.suppress(ValueError, AttributeError):
        served = json.loads(body).get("task_id")
        return str(served) if served else None
    return None


def http(
    ns: str,
    source: str | None,
    address: str,
    port: int,
    path: str = "/",
    *,
    tls: bool = False,
    cafile: Path | None = None,
    server_name: str | None = None,
    timeout: float = 2.0,
) -> Outcome:
    """One GET on a fresh connection."""
    sock = _socket(ns, socket.SOCK_STREAM, source)
    sock.settimeout(timeout)
    host = server_name or address
    try:
        sock.connect((address, port))
        stream: socket.socket = sock
        if tls:
            context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
            stream = context.wrap_socket(sock, server_hostname=host)
        stream.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = stream.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) < 2 or not parts[1].isdigit():
            return Outcome(False, "connected, but no HTTP answer")
        status = int(parts[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        served = _served_by(body)
        text = f"HTTP {status}" + (f" from {served}" if served else "")
        if "location" in headers:
            text += f" → {headers['location']}"
        return Outcome(True, text, status, served, headers.get("location"))
    except (OSError, ssl.SSLError) as exc:
        return _error(exc, timeout)
    finally:
        sock.close()


def ping() -> tuple[bytes, bytes]:
    """app/udp's probe: `PING <token>` padded so a trusted source's answer has room for the task id
    (the service never answers with more than it received), and the token the answer must echo."""
    token = secrets.token_hex(8).encode()
    return (b"PING " + token).ljust(160), token


def udp(
    ns: str, source: str | None, address: str, port: int, payload: bytes | None = None, timeout: float = 1.0
) -> Outcome:
    """One datagram from a fresh socket (a new flow); the reply, if any."""
    sock = _socket(ns, socket.SOCK_DGRAM, source)
    try:
        return udp_on(sock, address, port, payload, timeout)
    finally:
        sock.close()


def udp_on(sock: socket.socket, address: str, port: int, payload: bytes | None = None, timeout: float = 1.0) -> Outcome:
    """One datagram on an existing socket (the same flow each time). The default payload is app/udp's
    PING; its answer `PONG <token> <task-id>` names the task that served it (a trusted source only)."""
    token = None
    if payload is None:
        payload, token = ping()
    sock.settimeout(timeout)
    try:
        sock.connect((address, port))
        sock.send(payload)
        reply = sock.recv(2048)
    except OSError as exc:
        return _error(exc, timeout)
    words = reply.split(b" ")
    if words[0] == b"PONG" and (token is None or (len(words) > 1 and words[1] == token)):
        served = words[2].decode(errors="replace").strip() if token is not None and len(words) > 2 else None
        return Outcome(True, f"PONG from {served}" if served else "PONG", served_by=served)
    return Outcome(True, f"reply {reply[:40]!r}")


def tcp_many(
    ns: str, source: str | None, targets: list[tuple[str, int]], timeout: float = 0.5
) -> dict[tuple[str, int], Outcome]:
    """Connect to every target at once; what each did within `timeout`."""
    socks: dict[socket.socket, tuple[str, int]] = {}
    out: dict[tuple[str, int], Outcome] = {}
    try:
        for target in targets:
            sock = _socket(ns, socket.SOCK_STREAM, source)
            sock.setblocking(False)
            code = sock.connect_ex(target)
            if code not in (0, errno.EINPROGRESS):
                out[target] = _error(OSError(code, errno.errorcode.get(code, "")), timeout)
                sock.close()
                continue
            socks[sock] = target
        deadline = time.monotonic() + timeout
        waiting = dict(socks)
        while waiting and time.monotonic() < deadline:
            _, writable, _ = select.select([], list(waiting), [], max(0.0, deadline - time.monotonic()))
            for sock in writable:
                target = waiting.pop(sock)
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code == 0:
                    out[target] = Outcome(True, "connected")
                elif code == errno.ECONNREFUSED:
                    out[target] = Outcome(False, "connection refused")
                else:
                    out[target] = _error(OSError(code, errno.errorcode.get(code, "")), timeout)
        for target in waiting.values():
            out[target] = Outcome(False, f"no answer in {timeout:g} s (dropped)")
    finally:
        for sock in socks:
            sock.close()
    return out


def udp_many(
    ns: str, source: str | None, targets: list[tuple[str, int]], timeout: float = 0.5
) -> dict[tuple[str, int], Outcome]:
    """One datagram to every target at once: a reply, an ICMP refusal, or silence."""
    socks: dict[socket.socket, tuple[str, int]] = {}
    out: dict[tuple[str, int], Outcome] = {}
    try:
        for target in targets:
            sock = _socket(ns, socket.SOCK_DGRAM, source)
            sock.setblocking(False)
            sock.connect(target)
            try:
                sock.send(ping()[0])
            except OSError as exc:
                out[target] = _error(exc, timeout)
                sock.close()
                continue
            socks[sock] = target
        deadline = time.monotonic() + timeout
        waiting = dict(socks)
        while waiting and time.monotonic() < deadline:
            readable, _, _ = select.select(list(waiting), [], [], max(0.0, deadline - time.monotonic()))
            for sock in readable:
                target = waiting.pop(sock)
                try:
                    sock.recv(2048)
                    out[target] = Outcome(True, "replied")
                except OSError as exc:
                    out[target] = _error(exc, timeout)
        for target in waiting.values():
            out[target] = Outcome(False, f"no answer in {timeout:g} s (dropped)")
    finally:
        for sock in socks:
            sock.close()
    return out


def listening(ns: str) -> list[str]:
    """What listens inside namespace `ns`: `address:port/tcp` for listening TCP sockets and bound
    UDP sockets, read from the kernel's socket tables as seen from inside the namespace."""
    found = []
    with entered(ns):
        tables = {proto: Path(f"/proc/thread-self/net/{proto}").read_text() for proto in ("tcp", "udp")}
    for proto, text in tables.items():
        for line in text.splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            if proto == "tcp" and state != "0A":  # 0A: LISTEN
                continue
            address_hex, port_hex = local.split(":")
            address = ".".join(str(int(address_hex[i : i + 2], 16)) for i in (6, 4, 2, 0))
            found.append(f"{address}:{int(port_hex, 16)}/{proto}")
    return sorted(set(found))
