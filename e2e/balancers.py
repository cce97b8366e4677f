"""The load balancers: HAProxy for each ALB node, a small UDP forwarder for each NLB node.

Application load balancer: one HAProxy process per node (one per subnet of the ALB), in the node's
namespace, so it listens and health-checks from the node's own address, through its security
group. The configuration comes from the recorded listeners, listener rules and target groups:

- HTTP and HTTPS listeners (HTTPS with a certificate made for this run, at the TLS floor of the
  listener's `sslPolicy`); `forward`, `redirect` and `fixed-response` actions; listener rules by
  priority, with path-pattern, host-header, HTTP method, source IP and HTTP header conditions;
- each target group is a backend with one server per task, and the health check exactly as
  recorded: protocol, port (`traffic-port` or a number), path, matcher (as a status regex),
  interval, timeout, healthy and unhealthy thresholds, with times multiplied by `scale`;
- targets start unregistered (HAProxy `disabled`) and `register` makes one `initial`: it receives
  traffic only after `healthyThreshold` passing checks. `deregister` stops new requests at once
  and cuts what is still in flight after the deregistration delay (scaled);
- when every registered target is unhealthy, the ALB "fails open" and routes to all of them: each
  server has an unchecked `backup` twin that HAProxy uses only then.

Network load balancer (UDP): HAProxy has no UDP, so `UdpNode` forwards datagrams itself, in this
process's event-loop thread, with sockets opened inside the node's namespace. Flows (client
address and port) stick to a target; new flows go to healthy, registered targets (of the node's
zone unless cross-zone is on), all registered ones when none is healthy (fail open). Health checks
run from each node over HTTP or TCP as the target group says. The forwarder proxies: targets see
the node's address, which the task's security group admits through its reference to the NLB's.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import ipaddress
import socket
import subprocess
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from . import model
from .topology import INTERNET_HOST, Host, Topology, entered, in_ns, run

HAPROXY_START_TIMEOUT = 5.0


@dataclass(frozen=True)
class Target:
    """A task's address registered in a target group (ECS registers the container port)."""

    task: str
    ip: ipaddress.IPv4Address
    port: int
    zone: str

    @property
    def key(self) -> str:
        return self.task


def status_codes(matcher: str) -> list[int]:
    """A target group matcher ("200", "200-399", "200,202") as the status codes it accepts."""
    codes: set[int] = set()
    for part in matcher.replace(" ", "").split(","):
        low, _, high = part.partition("-")
        if low.isdigit():
            codes.update(range(int(low), int(high or low) + 1))
    return sorted(codes)


def status_regex(matcher: str) -> str:
    codes = status_codes(matcher)
    alternatives = []
    for hundred in sorted({c // 100 for c in codes}):
        inside = [c for c in codes if c // 100 == hundred]
        if len(inside) == 100:
            alternatives.append(f"{hundred}[0-9][0-9]")
        else:
            alternatives += [str(c) for c in inside]
    return "^(" + "|".join(alternatives) + ")$"


def _glob(pattern: str) -> str:
    out = "".join(".*" if c == "*" else "." if c == "?" else "\\" + c if not c.isalnum() else c for c in pattern)
    return f"^{out}$"


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def tls_floor(policy: str | None) -> str:
    if policy and "TLS13-1-3" in policy:
        return "TLSv1.3"
    if policy and ("TLS13-1-2" in policy or "TLS-1-2" in policy):
        return "TLSv1.2"
    return "TLSv1.0"


def make_certificate(directory: Path, names: list[str], addresses: list[str]) -> tuple[Path, Path]:
    """A self-signed certificate for this run (the stack's own certificate lives in ACM)."""
    key, cert = directory / "tls.key", directory / "tls.crt"
    san = ",".join([f"DNS:{n}" for n in names] + [f"IP:{a}" for a in addresses])
    run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "1", "-subj", "/CN=fargate-lb e2e", "-addext", f"subjectAltName={san}",
         "-keyout", str(key), "-out", str(cert)])  # fmt: skip
    pem = directory / "tls.pem"
    pem.write_text(cert.read_text() + key.read_text())
    return pem, cert


class HaproxyProcess:
    """A HAProxy in a namespace, with its admin socket."""

    def __init__(self, name: str, ns: str, config: str, directory: Path) -> None:
        self.name = name
        self.ns = ns
        self.cfg = directory / f"{name}.cfg"
        self.socket = directory / f"{name}.sock"
        self.log = directory / f"{name}.log"
        self.cfg.write_text(config.replace("@SOCKET@", str(self.socket)))
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        run(["haproxy", "-c", "-f", str(self.cfg)])
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                in_ns(self.ns, ["haproxy", "-db", "-f", str(self.cfg)]), stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + HAPROXY_START_TIMEOUT
        while not self.socket.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"haproxy {self.name} did not start: {self.log.read_text()[-1000:]}")
            time.sleep(0.02)

    def command(self, text: str) -> str:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(2.0)
            sock.connect(str(self.socket))
            sock.sendall(text.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def stats(self) -> list[dict[str, str]]:
        text = self.command("show stat").lstrip("# ")
        return list(csv.DictReader(io.StringIO(text)))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(3)


def _conditions(rule: model.ListenerRule, n: int) -> tuple[list[str], list[str]]:
    """HAProxy ACL lines and the names to AND for a listener rule; unsupported conditions noted."""
    acls, names = [], []
    for i, condition in enumerate(rule.conditions):
        name = f"r{n}c{i}"
        if "pathPattern" in condition:
            regexes = " ".join(_glob(v) for v in condition["pathPattern"].get("values", []))
            acls.append(f"acl {name} path -m reg {regexes}")
        elif "hostHeader" in condition:
            regexes = " ".join(_glob(v) for v in condition["hostHeader"].get("values", []))
            acls.append(f"acl {name} req.hdr(host),field(1,:) -m reg -i {regexes}")
        elif "httpRequestMethod" in condition:
            acls.append(f"acl {name} method {' '.join(condition['httpRequestMethod'].get('values', []))}")
        elif "sourceIp" in condition:
            acls.append(f"acl {name} src {' '.join(condition['sourceIp'].get('values', []))}")
        elif "httpHeader" in condition:
            header = condition["httpHeader"]
            regexes = " ".join(_glob(v) for v in header.get("values", []))
            acls.append(f"acl {name} req.hdr({header.get('httpHeaderName')}) -m reg -i {regexes}")
        else:
            acls.append(f"acl {name} always_false")  # e.g. queryString: not emulated, never matches
        names.append(name)
    return acls, names


def _action_lines(action: model.Action, listener: model.Listener, backends: dict[str, str], cond: str) -> list[str]:
    if action.type == "forward" and action.target_group in backends:
        return [f"http-request set-var(txn.backend) str({backends[action.target_group]}) {cond}"]
    if action.type == "redirect":
        r = action.redirect
        scheme = str(r.get("protocol", "#{protocol}")).lower()
        scheme = listener.protocol.lower() if scheme == "#{protocol}" else scheme
        host = r.get("host", "#{host}")
        host = "%[req.hdr(host),field(1,:)]" if host == "#{host}" else host
        port = str(r.get("port", "#{port}")).replace("#{port}", str(listener.port))
        path, query = r.get("path", "/#{path}"), r.get("query", "#{query}")
        rest = (
            "%[capture.req.uri]"
            if (path, query) == ("/#{path}", "#{query}")
            else path.replace("#{path}", "%[path,regsub(^/,)]")
        )
        code = str(r.get("statusCode", "HTTP_301")).removeprefix("HTTP_")
        return [f"http-request redirect location {scheme}://{host}:{port}{rest} code {code} {cond}"]
    if action.type == "fixed-response":
        f = action.fixed_response
        body = str(f.get("messageBody", "")).replace('"', '\\"')
        ctype = f.get("contentType", "text/plain")
        return [f'http-request return status {f.get("statusCode", 200)} content-type "{ctype}" string "{body}" {cond}']
    return [f'http-request return status 503 content-type text/plain string "no target group" {cond}']


def alb_config(
    lb: model.LoadBalancer, stack: model.Stack, targets: dict[str, list[Target]], pem: Path, scale: float
) -> str:
    """The HAProxy configuration every node of `lb` runs."""
    backends = backends_of(lb)
    lines = [
        "global", "  stats socket @SOCKET@ mode 600 level admin", "  maxconn 1000",
        "defaults", "  mode http", "  option forwardfor", "  timeout connect 1s", "  timeout client 60s",
        "  timeout server 10s", "  timeout http-request 10s", "  retries 0",
    ]  # fmt: skip
    for listener in lb.listeners:
        tls = listener.protocol == "HTTPS"
        lines += [f"frontend {listener.name}"]
        bind = f"  bind :{listener.port}"
        if tls:
            bind += f" ssl crt {pem} ssl-min-ver {tls_floor(listener.ssl_policy)} alpn http/1.1"
        lines += [bind, f"  http-request set-header X-Forwarded-Proto {listener.protocol.lower()}"]
        lines.append(f"  http-request set-header X-Forwarded-Port {listener.port}")
        for n, rule in enumerate(listener.rules):
            acls, names = _conditions(rule, n)
            lines += [f"  {a}" for a in acls]
            cond = "if !{ var(txn.backend) -m found } " + " ".join(names)
            lines += [f"  {line}" for line in _action_lines(rule.action, listener, backends, cond)]
        lines += [
            f"  {line}"
            for line in _action_lines(listener.default_action, listener, backends, "if !{ var(txn.backend) -m found }")
        ]
        lines.append("  use_backend %[var(txn.backend)] if { var(txn.backend) -m found }")
    for urn, backend in backends.items():
        tg = stack.target_groups[urn]
        hc = tg.health
        lines += [f"backend {backend}", "  balance roundrobin", "  option allbackups"]
        if hc.protocol in ("HTTP", "HTTPS"):
            send = f"meth GET uri {hc.path} ver HTTP/1.1 hdr Host e2e-health-check hdr User-Agent ELB-HealthChecker/2.0"
            lines += [
                "  option httpchk",
                f"  http-check send {send}",
                f"  http-check expect rstatus {status_regex(hc.matcher)}",
            ]
        lines.append(f"  timeout check {_ms(hc.timeout * scale)}")
        server_tls = " ssl verify none" if tg.protocol == "HTTPS" else ""
        check_tls = " check-ssl" if hc.protocol == "HTTPS" else ""
        timing = f"inter {_ms(hc.interval * scale)} rise {hc.healthy} fall {hc.unhealthy}"
        for target in targets.get(urn, []):
            port = f" port {hc.port}" if hc.port is not None else ""
            check = f" check{check_tls}{port} {timing}" if hc.enabled else ""
            lines.append(f"  server {target.key} {target.ip}:{target.port}{server_tls}{check} disabled")
            lines.append(f"  server {target.key}.open {target.ip}:{target.port}{server_tls} backup disabled")
    return "\n".join(lines) + "\n"


class AlbNode:
    def __init__(
        self, lb: model.LoadBalancer, host: Host, config: str, directory: Path, backends: dict[str, str]
    ) -> None:
        self.lb = lb
        self.host = host
        self.backends = backends
        self.haproxy = HaproxyProcess(host.key, host.ns, config, directory)

    def register(self, tg: str, target: Target) -> None:
        backend, server = self.backends[tg], target.key
        self.haproxy.command(
            f"set server {backend}/{server} state ready; set server {backend}/{server} health down; "
            f"set server {backend}/{server}.open state ready"
        )

    def deregister(self, tg: str, target: Target) -> None:
        backend, server = self.backends[tg], target.key
        self.haproxy.command(
            f"set server {backend}/{server} state maint; set server {backend}/{server}.open state maint"
        )

    def cut(self, tg: str, target: Target) -> None:
        """End of the deregistration delay: close what is still open to the target."""
        backend, server = self.backends[tg], target.key
        self.haproxy.command(f"shutdown sessions server {backend}/{server}")

    def health(self, tg: str) -> dict[str, tuple[str, str]]:
        """Target key → (state, last check in words) for target group `tg`."""
        out = {}
        for row in self.haproxy.stats():
            name = row.get("svname", "")
            if row.get("pxname") != self.backends.get(tg) or ".open" in name or name in ("BACKEND", "FRONTEND"):
                continue
            status = row.get("status", "")
            state = "healthy" if status.startswith("UP") else "draining" if status == "MAINT" else "unhealthy"
            out[name] = (state, _check_text(row))
        return out

    def sessions(self, tg: str, target: Target) -> int:
        for row in self.haproxy.stats():
            if row.get("pxname") == self.backends.get(tg) and row.get("svname") == target.key:
                return int(row.get("scur") or 0)
        return 0


def _check_text(row: dict[str, str]) -> str:
    """HAProxy's last health-check result (`show stat` row) in the words the report uses."""
    status, code, detail = row.get("check_status", ""), row.get("check_code", ""), row.get("last_chk", "")
    if status in ("L7OK", "L7STS", "L7OKC"):
        return f"HTTP {code}"
    if status == "L4OK":
        return "connected"
    if status == "L4CON":
        return "connection refused" if "refused" in detail.lower() else f"connection failed ({detail})"
    if status in ("L4TOUT", "L7TOUT", "L6TOUT"):
        return "no answer in time (dropped)" if status == "L4TOUT" else f"connected, no answer in time ({status})"
    if status in ("L6RSP",):
        return "TLS handshake failed"
    if status in ("", "INI"):
        return "no check yet"
    return f"{status} {detail}".strip()


def backends_of(lb: model.LoadBalancer) -> dict[str, str]:
    backends: dict[str, str] = {}
    for listener in lb.listeners:
        for action in [listener.default_action, *(r.action for r in listener.rules)]:
            if action.target_group:
                backends.setdefault(action.target_group, f"tg{len(backends)}")
    return backends


def stand_ins_config(topo: Topology, pem: Path) -> str:
    """One HAProxy answering for every interface endpoint, gateway endpoint and the internet host."""
    lines = ["global", "  maxconn 500", "defaults", "  mode http", "  timeout connect 1s", "  timeout client 5s",
             "  timeout server 5s"]  # fmt: skip
    n = 0
    for host in topo.hosts:
        if host.role == "endpoint":
            service = host.label.split()[0]
            answer = f'http-request return status 200 content-type text/plain string "{service} endpoint stand-in"'
            lines += [f"frontend stand_in{n}", f"  bind {host.ip}:443 namespace {host.ns} ssl crt {pem}", f"  {answer}"]
            n += 1
    for urn, (ns, address) in topo.gateway_hosts.items():
        service = next(e.service for e in topo.stack.endpoints if e.urn == urn)
        answer = f'http-request return status 200 content-type text/plain string "{service} (prefix list) stand-in"'
        lines += [f"frontend stand_in{n}", f"  bind {address}:443 namespace {ns} ssl crt {pem}", f"  {answer}"]
        n += 1
    lines += [f"frontend stand_in{n}", f"  bind {INTERNET_HOST}:443 namespace {topo.internet} ssl crt {pem}",
              f"  bind {INTERNET_HOST}:80 namespace {topo.internet}",
              '  http-request return status 200 content-type text/plain string "a host on the internet"']  # fmt: skip
    lines.insert(1, "  stats socket @SOCKET@ mode 600 level admin")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The UDP forwarder


class Reactor:
    """An asyncio loop in a daemon thread, for the UDP forwarders and their health checks."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="e2e-reactor")
        self.thread.start()

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = 5.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            self.call(cancel_all(), timeout=3)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(3)


@dataclass
class TargetState:
    target: Target
    registered: bool = False
    draining_until: float | None = None
    state: str = "unused"
    """unused, initial, healthy, unhealthy, draining."""
    successes: int = 0
    failures: int = 0
    last_check: str = "no check yet"
    changes: list[tuple[float, str]] = field(default_factory=list)

    def set(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.changes.append((time.monotonic(), state))


class _Relay(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Any) -> None:
        self.on_datagram = on_datagram

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.on_datagram(data, addr)

    def error_received(self, exc: Exception) -> None:
        pass  # an ICMP error for a sent datagram: UDP has no delivery guarantee, nothing to do


class _Listener(asyncio.DatagramProtocol):
    """A UDP listener of a node: each datagram goes to the node's forwarding."""

    def __init__(self, node: UdpNode, tg: str, port: int) -> None:
        self.node, self.tg, self.port = node, tg, port
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if self.transport is not None:
            self.node._forward(self.transport, self.tg, self.port, data, addr)


@dataclass
class _Flow:
    """One client's datagrams to one target; those sent before its socket is open wait in `pending`."""

    target: TargetState
    transport: asyncio.DatagramTransport | None = None
    pending: list[bytes] = field(default_factory=list)
    closed: bool = False

    def send(self, data: bytes) -> None:
        if self.transport is None:
            self.pending.append(data)
        else:
            self.transport.sendto(data)

    def opened(self, transport: asyncio.DatagramTransport) -> None:
        if self.closed:
            transport.close()
            return
        self.transport = transport
        for data in self.pending:
            transport.sendto(data)
        self.pending.clear()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class UdpNode:
    """One NLB node: UDP listeners forwarding to one target group each, with health checks."""

    def __init__(self, lb: model.LoadBalancer, host: Host, stack: model.Stack, targets: dict[str, list[Target]],
                 scale: float, reactor: Reactor) -> None:  # fmt: skip
        self.lb, self.host, self.stack, self.scale, self.reactor = lb, host, stack, scale, reactor
        self.groups: dict[str, dict[str, TargetState]] = {
            urn: {t.key: TargetState(t) for t in tlist} for urn, tlist in targets.items()
        }
        self.flows: dict[tuple[int, tuple[str, int]], _Flow] = {}
        self.forwarded: dict[str, int] = {}
        self.dropped = 0
        self._tasks: list[asyncio.Task[None]] = []

    # -- forwarding ---------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        for listener in self.lb.listeners:
            if listener.protocol not in ("UDP", "TCP_UDP") or listener.default_action.target_group is None:
                continue
            with entered(self.host.ns):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((str(self.host.ip), listener.port))
            relay = _Listener(self, listener.default_action.target_group, listener.port)
            await loop.create_datagram_endpoint(lambda r=relay: r, sock=sock)  # type: ignore[misc]
        for urn in self.groups:
            self._tasks.append(asyncio.create_task(self._health_loop(urn)))

    def _usable(self, state: TargetState) -> bool:
        return state.registered and state.draining_until is None

    def _pick(self, tg: str, client: tuple[str, int]) -> TargetState | None:
        states = [s for s in self.groups[tg].values() if self._usable(s)]
        if not self.lb.cross_zone:
            states = [s for s in states if s.target.zone == self.host.subnet.zone]
        healthy = [s for s in states if s.state == "healthy"]
        pool = healthy or states  # none healthy: fail open, to every registered target
        if not pool:
            return None
        return pool[hash(client) % len(pool)]

    def _forward(
        self, listener: asyncio.DatagramTransport, tg: str, port: int, data: bytes, client: tuple[str, int]
    ) -> None:
        key = (port, client)
        flow = self.flows.get(key)
        if flow is not None:
            state = flow.target
            expired = state.draining_until is not None and time.monotonic() >= state.draining_until
            others = [s for s in self.groups[tg].values() if s.state == "healthy" and self._usable(s)]
            if expired or not state.registered or (state.state == "unhealthy" and others):
                flow.close()
                del self.flows[key]
                flow = None
        if flow is None:
            chosen = self._pick(tg, client)
            if chosen is None:
                self.dropped += 1
                return
            flow = self.flows[key] = _Flow(chosen)
            asyncio.get_running_loop().create_task(self._open(flow, listener, client))
        flow.send(data)
        self.forwarded[flow.target.target.key] = self.forwarded.get(flow.target.target.key, 0) + 1

    async def _open(self, flow: _Flow, listener: asyncio.DatagramTransport, client: tuple[str, int]) -> None:
        """The flow's own socket from this node to its target; replies go back to the client."""
        with entered(self.host.ns):
            upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        upstream.bind((str(self.host.ip), 0))
        upstream.connect((str(flow.target.target.ip), flow.target.target.port))
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Relay(lambda reply, _addr: listener.sendto(reply, client)), sock=upstream
        )
        flow.opened(transport)

    # -- registration -------------------------------------------------------------------------

    def register(self, tg: str, key: str) -> None:
        state = self.groups[tg][key]
        state.registered, state.draining_until, state.successes, state.failures = True, None, 0, 0
        state.set("initial")

    def deregister(self, tg: str, key: str, delay: float) -> None:
        state = self.groups[tg][key]
        state.draining_until = time.monotonic() + delay
        state.set("draining")

    def health(self, tg: str) -> dict[str, tuple[str, str]]:
        return {k: (s.state, s.last_check) for k, s in self.groups[tg].items()}

    # -- health checks ------------------------------------------------------------------------

    async def _health_loop(self, tg: str) -> None:
        hc = self.stack.target_groups[tg].health
        interval = hc.interval * self.scale
        while True:
            for state in list(self.groups[tg].values()):
                if state.draining_until is not None and time.monotonic() >= state.draining_until:
                    state.registered, state.draining_until = False, None
                    state.set("unused")
                    for key in [k for k, f in self.flows.items() if f.target is state]:
                        self.flows.pop(key).close()
            checks = [self._check(tg, s) for s in self.groups[tg].values() if s.registered]
            await asyncio.gather(*checks)
            await asyncio.sleep(interval)

    async def _check(self, tg: str, state: TargetState) -> None:
        group = self.stack.target_groups[tg]
        hc = group.health
        port = hc.port or state.target.port
        ok, state.last_check = await self.probe(hc, str(state.target.ip), port)
        if ok:
            state.successes, state.failures = state.successes + 1, 0
            if state.successes >= hc.healthy and state.state in ("initial", "unhealthy"):
                state.set("healthy")
        else:
            state.failures, state.successes = state.failures + 1, 0
            if state.failures >= hc.unhealthy and state.state in ("initial", "healthy"):
                state.set("unhealthy")

    async def probe(self, hc: model.HealthCheck, ip: str, port: int) -> tuple[bool, str]:
        """One health check from this node: (passed, what was seen)."""
        timeout = hc.timeout * self.scale
        with entered(self.host.ns):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        what = f"{hc.protocol} {ip}:{port}" + (hc.path if hc.protocol != "TCP" else "")
        try:
            async with asyncio.timeout(timeout):
                await loop.sock_connect(sock, (ip, port))
                if hc.protocol == "TCP":
                    return True, f"{what}: connected"
                request = (
                    f"GET {hc.path} HTTP/1.1\r\nHost: {ip}:{port}\r\nUser-Agent: ELB-HealthChecker/2.0\r\n"
                    "Connection: close\r\n\r\n"
                )
                await loop.sock_sendall(sock, request.encode())
                head = b""
                while b"\r\n" not in head and len(head) < 4096:
                    chunk = await loop.sock_recv(sock, 4096)
                    if not chunk:
                        break
                    head += chunk
            parts = head.split(b" ", 2)
            code = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            if code is None:
                return False, f"{what}: no HTTP status line"
            return code in status_codes(hc.matcher), f"{what} → {code}"
        except TimeoutError:
            return False, f"{what}: no answer in {timeout:g} s"
        except ConnectionRefusedError:
            return False, f"{what}: connection refused"
        except OSError as exc:
            return False, f"{what}: {exc.strerror or exc}"
        finally:
            sock.close()
