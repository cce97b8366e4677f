"""What the emulation proves, one function per claim, each adding `PathResult`s to the report.

In the order `run_all` runs them (the disruptive ones last):

1. `turns_healthy`: every target turns healthy on every load balancer node within
   (healthyThreshold + 1) × interval of its registration (one interval for the first check's phase).
2. `listeners`: every allowed client reaches every listener on every node and a task answers
   (redirects followed, HTTPS verified against the run's certificate); `both_tasks`: each task of
   the target group answers through it.
3. `refused`: the client outside the allowed CIDRs gets nothing; a client reaching a task directly
   gets nothing (from the internet: no route; from inside the VPC: the task's security group);
   the load balancer reaching a task on any port other than its targets' is dropped.
4. `egress`: every task reaches the interface endpoints' 443 and the gateway endpoints' prefix
   lists, and nothing on the internet (when there's no NAT).
5. `drain`: a stopped task's target gets no new traffic once deregistered, what was in flight
   finishes, and deregistration completes within the delay; then SIGTERM stops its containers,
   and a replacement task turns healthy.
6. `failover`: a killed UDP process turns its target unhealthy and new traffic moves to the other task.

A drop is attributed to the security group that made it through the `default deny` counters of
the namespaces on the path (`sgfilter.deny_counts`).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from functools import partial
from urllib.parse import urlsplit

from . import apps, model, probes, sgfilter, topology
from .balancers import Target
from .report import FAILED, UNKNOWN, PathResult, Report
from .run import Emulation
from .topology import INTERNET_HOST, OUTSIDE, Host

POLL = 0.05
Follow = Callable[[str, int, bool], probes.Outcome]
STARTUP = 2.5


PARTS = ("health", "traffic", "refused", "egress", "drain", "failover")


def run_all(em: Emulation, parts: tuple[str, ...] = PARTS) -> Report:
    """Every check named in `parts` (all of them by default), in the order above."""
    started = time.monotonic()
    report = Report(em.stack_name, notes=em.notes)
    steps = {"health": turns_healthy, "traffic": listeners, "refused": refused, "egress": egress,
             "drain": drain, "failover": failover}  # fmt: skip
    for part in PARTS:
        if part in parts:
            steps[part](em, report)
    _images_unknown(em, report)
    report.seconds = time.monotonic() - started
    return report


# ---------------------------------------------------------------------------------------------
# Helpers


def _services_of(em: Emulation, tg: str) -> list[model.Service]:
    return [s for s in em.stack.services if any(a.target_group == tg for a in s.attachments)]


def _service_label(em: Emulation, tg: str) -> str:
    return ", ".join(s.name for s in _services_of(em, tg)) or em.stack.target_groups[tg].name


def _drops(hosts: list[Host]) -> Callable[[], list[str]]:
    """Snapshot the `default deny` counters of `hosts`; the returned function names what dropped since."""
    before = {h.ns: sgfilter.deny_counts(h.ns) for h in hosts}

    def since() -> list[str]:
        found = []
        for host in hosts:
            after = sgfilter.deny_counts(host.ns)
            for chain, count in after.items():
                delta = count - before[host.ns].get(chain, 0)
                if delta > 0:
                    found.append(f"{host.label} {chain} default deny ({delta} packets)")
        return found

    return since


def _dropped_text(outcome: str, drops: list[str]) -> str:
    return outcome + (f", dropped by {'; '.join(drops)}" if drops else "")


def _exited(task: apps.Task) -> str:
    notes = []
    for run in task.containers:
        code = run.exited()
        if code is not None:
            notes.append(f"container {run.container.name} exited with code {code}: {run.tail(3)}")
    return "; ".join(notes)


def _task_hosts(em: Emulation, tg: str) -> dict[str, Host]:
    return {t.key: em.topo.host(f"task-{t.key}") for t in em.targets.get(tg, [])}


def _clients(em: Emulation, lb: model.LoadBalancer) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """(namespace, address, why) of the clients allowed to reach `lb`, and of those outside."""
    internet = [(em.topo.internet, str(a), why) for a, why in em.topo.clients.items()]
    if lb.internal:
        inside = [(h.ns, str(h.ip), h.label) for h in em.topo.hosts if h.role == "vpc-client"]
        return inside, [(ns, a, f"on the internet; {lb.name} is internal") for ns, a, _ in internet[:1]]
    return [c for c in internet if c[2] != OUTSIDE], [c for c in internet if c[2] == OUTSIDE]


def _address(node: Host, client_ns: str, em: Emulation) -> str:
    return str(node.public_ip) if client_ns == em.topo.internet and node.public_ip else str(node.ip)


def _ask(
    em: Emulation, listener: model.Listener, ns: str, source: str, address: str, port: int | None = None
) -> probes.Outcome:
    port = port or listener.port
    if listener.protocol in ("UDP", "TCP_UDP"):
        return probes.udp(ns, source, address, port)
    return probes.http(
        ns, source, address, port, tls=listener.protocol == "HTTPS", cafile=em.cafile, server_name=address
    )


def _expect(em: Emulation, lb: model.LoadBalancer, listener: model.Listener, action: model.Action,
            outcome: probes.Outcome, follow: Follow) -> tuple[bool, str]:  # fmt: skip
    """Did the listener do what its default action says? (ok, observed text)."""
    if action.type == "forward":
        tasks = {t.key for t in em.targets.get(action.target_group or "", [])}
        ok = outcome.answered and outcome.served_by in tasks and (outcome.status is None or outcome.status < 500)
        return ok, str(outcome)
    if action.type == "redirect":
        if not outcome.location or outcome.status not in (301, 302):
            return False, str(outcome)
        parts = urlsplit(outcome.location)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        target = next((li for li in lb.listeners if li.port == port), None)
        if target is None:
            return False, f"{outcome}, but {lb.name} has no listener on {port}"
        second = follow(parts.path or "/", port, parts.scheme == "https")
        ok, text = _expect(em, lb, target, target.default_action, second, follow)
        return ok, f"{outcome}; followed: {text}"
    if action.type == "fixed-response":
        expected = int(action.fixed_response.get("statusCode", 200))
        return outcome.status == expected, str(outcome)
    return False, str(outcome)


# ---------------------------------------------------------------------------------------------
# 1. Health


def _listening(em: Emulation, tg: str) -> dict[str, float]:
    """Target key → seconds from registration until its health-check port accepted a connection,
    tried from inside the task itself (no security group on loopback), for every target that did."""
    hc = em.stack.target_groups[tg].health
    out = {}
    for target in em.targets.get(tg, []):
        if (tg, target.key) in em.ready_at:
            out[target.key] = em.ready_at[(tg, target.key)] - em.registered_at[(tg, target.key)]
            continue
        host = em.topo.host(f"task-{target.key}")
        if probes.tcp_many(host.ns, None, [(str(target.ip), hc.port or target.port)], timeout=0.05)[
            (str(target.ip), hc.port or target.port)
        ].answered:
            em.ready_at[(tg, target.key)] = time.monotonic()
            out[target.key] = em.ready_at[(tg, target.key)] - em.registered_at[(tg, target.key)]
    return out


def _slack(hc: model.HealthCheck, scale: float) -> float:
    """What a measured time may exceed its bound by: a quarter interval for timers on a busy
    machine, and two polls of ours."""
    return 0.25 * hc.interval * scale + 2 * POLL


def turns_healthy(em: Emulation, report: Report) -> None:
    """Healthy within healthyThreshold × interval once the app listens: the first check after that
    comes within one interval and passes, then threshold − 1 more intervals."""
    scale = em.options.scale
    checks_bound = {
        tg: em.stack.target_groups[tg].health.healthy * em.stack.target_groups[tg].health.interval * scale
        for tg in em.targets
    }
    healthy_at: dict[tuple[str, str, str], float] = {}
    last: dict[tuple[str, str, str], str] = {}
    listening: dict[str, dict[str, float]] = {}
    # Apps get STARTUP seconds to listen; after that, the checks have their bound (and a margin).
    deadline = time.monotonic() + STARTUP + max(checks_bound.values(), default=0) + 0.5
    while time.monotonic() < deadline:
        pending = 0
        for tg in em.targets:
            listening[tg] = _listening(em, tg)
            for label, states in em.health(tg).items():
                for name, (state, check) in states.items():
                    last[(tg, label, name)] = check
                    if state == "healthy":
                        healthy_at.setdefault((tg, label, name), time.monotonic() - em.registered_at[(tg, name)])
                    else:
                        pending += 1
        if not pending:
            break
        time.sleep(POLL)
    for tg, targets in em.targets.items():
        group = em.stack.target_groups[tg]
        hc = group.health
        port = f":{hc.port}" if hc.port else " traffic port"
        what = f"{hc.protocol}{port}{' ' + hc.path if hc.protocol != 'TCP' else ''}"
        result = report.add(PathResult(
            _service_label(em, tg), "health",
            f"{group.name} ({what}, matcher {hc.matcher}): every target healthy on every node within "
            f"{hc.healthy} × {hc.interval:g} s × {scale:g} = {checks_bound[tg]:g} s of its app listening "
            f"(+ {_slack(hc, scale):.2f} s for timers and polling)",
        ))  # fmt: skip
        hosts = _task_hosts(em, tg)
        for node in em.nodes_for(tg):
            for target in targets:
                key = (tg, node.host.label, target.key)
                took = healthy_at.get(key)
                up = listening.get(tg, {}).get(target.key)
                hop = f"{node.host.label} → {target.key} {target.ip}:{hc.port or target.port} (health check)"
                if took is None:
                    outcome = f"never healthy; last check: {last.get(key, 'none')}"
                    counts = [f"{h.label} {c} default deny: {n} packets" for h in (node.host, hosts[target.key])
                              for c, n in sgfilter.deny_counts(h.ns).items() if n]  # fmt: skip
                    if counts:
                        outcome += f" (dropped by {'; '.join(counts)})"
                    if up is None:
                        sockets = probes.listening(hosts[target.key].ns)
                        outcome += (
                            f"; nothing listens on {target.ip}:{hc.port or target.port} in the task "
                            f"(it listens on: {', '.join(sockets) or 'nothing'})"
                        )
                    exited = _exited(em.task(target.key))
                    result.fail(hop, outcome + (f"; {exited}" if exited else ""))
                    result.observed.append(f"{hop}: {outcome}")
                    continue
                checking = took - (up or 0.0)
                text = (
                    f"{last.get(key)} → healthy {took:.2f} s after registration ({up or 0:.2f} s until the app "
                    f"listened, then {checking:.2f} s of checks)"
                )
                if checking > checks_bound[tg] + _slack(hc, scale):
                    result.fail(hop, f"{text}: over {checks_bound[tg]:g} s")
                result.observed.append(f"{hop}: {text}")


# ---------------------------------------------------------------------------------------------
# 2. Listeners


def listeners(em: Emulation, report: Report) -> None:
    for lb in em.stack.load_balancers:
        nodes = [h for h in em.topo.hosts if h.owner == lb.urn]
        allowed, _ = _clients(em, lb)
        for listener in lb.listeners:
            tg = listener.default_action.target_group
            service = _service_label(em, tg) if tg else lb.name
            action = listener.default_action
            claim = (
                f"{lb.name} {listener.name} {listener.protocol}:{listener.port} ({action.type}): every allowed "
                "client reaches every node and gets its answer"
            )
            result = report.add(PathResult(service, "traffic", claim))
            if not allowed:
                result.unknown(f"clients of {lb.name}", "no client address could be placed inside its allowed CIDRs")
            for ns, source, why in allowed:
                for node in nodes:
                    address = _address(node, ns, em)

                    def follow(
                        path: str, port: int, tls: bool, ns: str = ns, source: str = source, address: str = address
                    ) -> probes.Outcome:
                        return probes.http(
                            ns, source, address, port, path, tls=tls, cafile=em.cafile, server_name=address
                        )

                    drops = _drops([node])
                    outcome = _ask(em, listener, ns, source, address)
                    ok, text = _expect(em, lb, listener, action, outcome, follow)
                    hop = f"client {source} ({why}) → {node.label} {address}:{listener.port}"
                    if not ok:
                        result.fail(hop, _dropped_text(text, drops()))
                    result.observed.append(f"{hop}: {text}")
            if action.type == "forward" and tg and allowed:
                both_tasks(em, report, lb, listener, tg, allowed[0], nodes)


def both_tasks(em: Emulation, report: Report, lb: model.LoadBalancer, listener: model.Listener, tg: str,
               client: tuple[str, str, str], nodes: list[Host]) -> None:  # fmt: skip
    tasks = {t.key for t in em.targets[tg]}
    claim = f"{lb.name} {listener.name}: each of the {len(tasks)} tasks answers through it"
    result = report.add(PathResult(_service_label(em, tg), "both-tasks", claim))
    ns, source, _ = client
    seen: dict[str, int] = {}
    attempts = 8 * len(tasks)
    for i in range(attempts):
        node = nodes[i % len(nodes)]
        outcome = _ask(em, listener, ns, source, _address(node, ns, em))
        if outcome.served_by:
            seen[outcome.served_by] = seen.get(outcome.served_by, 0) + 1
        if set(seen) >= tasks:
            break
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(seen.items())) or "none"
    result.observed.append(f"{sum(seen.values())} answers from {source} over {len(nodes)} nodes: {counts}")
    missing = sorted(tasks - set(seen))
    if missing:
        result.fail(f"{lb.name} → {', '.join(missing)}", f"no answer from {', '.join(missing)} in {attempts} requests")


# ---------------------------------------------------------------------------------------------
# 3. What must be refused


def refused(em: Emulation, report: Report) -> None:
    for lb in em.stack.load_balancers:
        nodes = [h for h in em.topo.hosts if h.owner == lb.urn]
        _, outside = _clients(em, lb)
        if not outside:
            report.notes.append(f"{lb.name} admits every address (0.0.0.0/0): no client is outside its allowed CIDRs")
        for listener in lb.listeners if outside else ():
            result = report.add(
                PathResult(
                    lb.name,
                    "refused",
                    f"{listener.name} {listener.protocol}:{listener.port}: a client outside the allowed CIDRs "
                    "gets nothing",
                )
            )
            for ns, source, why in outside:
                for node in nodes:
                    address = _address(node, ns, em)
                    drops = _drops([node])
                    outcome = _ask(em, listener, ns, source, address)
                    hop = f"client {source} ({why}) → {node.label} {address}:{listener.port}"
                    text = _dropped_text(str(outcome), drops())
                    if outcome.answered:
                        result.fail(hop, text)
                    result.observed.append(f"{hop}: {text}")
    for service in em.stack.services:
        tasks = [t.host for t in em.tasks.get(service.urn, [])]
        ports = sorted({p for c in service.containers for p in c.ports})
        if not tasks or not ports:
            continue
        result = report.add(
            PathResult(
                service.name, "refused", "a client reaching a task directly gets nothing, from the internet or the VPC"
            )
        )
        clients = [(em.topo.internet, str(a), why) for a, why in em.topo.clients.items()][:1]
        clients += [(h.ns, str(h.ip), h.label) for h in em.topo.hosts if h.role == "vpc-client"]
        for ns, source, why in clients:
            _sweep(result, f"client {source} ({why})", ns, source, tasks, ports, [h for h in tasks if h.ns != ns])
    for lb in em.stack.load_balancers:
        allowed = set()
        for listener in lb.listeners:
            for action in [listener.default_action, *(r.action for r in listener.rules)]:
                if action.target_group:
                    hc = em.stack.target_groups[action.target_group].health
                    for target in em.targets.get(action.target_group, []):
                        wire = "udp" if em.stack.target_groups[action.target_group].protocol == "UDP" else "tcp"
                        allowed.add((str(target.ip), target.port, wire))
                        allowed.add((str(target.ip), hc.port or target.port, "tcp"))
        tasks = [h for h in em.topo.hosts if h.role == "task"]
        ports = sorted(
            {p for s in em.stack.services for c in s.containers for p in c.ports}
            | {(22, "tcp"), (80, "tcp"), (443, "tcp")}
        )
        result = report.add(
            PathResult(lb.name, "refused", "the load balancer reaching a task on any port but its targets' is dropped")
        )
        for node in [h for h in em.topo.hosts if h.owner == lb.urn]:
            _sweep(result, node.label, node.ns, str(node.ip), tasks, ports, [node, *tasks], skip=allowed)


def _sweep(result: PathResult, who: str, ns: str, source: str, hosts: list[Host], ports: list[tuple[int, str]],
           watch: list[Host], skip: set[tuple[str, int, str]] | None = None) -> None:  # fmt: skip
    """Probe every (host, port) at once from `ns`; each must go unanswered."""
    wanted = [
        (str(h.ip), p, proto) for h in hosts for p, proto in ports if (str(h.ip), p, proto) not in (skip or set())
    ]
    drops = _drops(watch)
    outcomes = probes.tcp_many(ns, source, [(a, p) for a, p, proto in wanted if proto == "tcp"], timeout=0.4)
    outcomes_udp = probes.udp_many(ns, source, [(a, p) for a, p, proto in wanted if proto == "udp"], timeout=0.4)
    by_text: dict[str, list[str]] = {}
    for address, port, proto in wanted:
        outcome = (outcomes if proto == "tcp" else outcomes_udp)[(address, port)]
        label = f"{address}:{port}/{proto}"
        by_text.setdefault(str(outcome), []).append(label)
        if outcome.answered or "refused" in str(outcome):
            why = "answered" if outcome.answered else "refused by the host, so its security group let it in"
            result.fail(f"{who} → {label}", f"{outcome} ({why})")
    dropped = drops()
    for text, labels in by_text.items():
        result.observed.append(
            f"{who} → {len(labels)} task ports ({', '.join(labels[:4])}{', …' if len(labels) > 4 else ''}): {text}"
        )
    if dropped:
        result.observed.append(f"  dropped by {'; '.join(dropped)}")


# ---------------------------------------------------------------------------------------------
# 4. Egress


def egress(em: Emulation, report: Report) -> None:
    endpoints = [h for h in em.topo.hosts if h.role == "endpoint"]
    for service in em.stack.services:
        tasks = [t.host for t in em.tasks.get(service.urn, [])]
        if not tasks:
            continue
        result = report.add(
            PathResult(
                service.name,
                "egress",
                "tasks reach the VPC endpoints' 443 (interface and S3 prefix list) and nothing else on the internet",
            )
        )
        for task in tasks:
            for ep in endpoints:
                outcome = probes.http(task.ns, str(task.ip), str(ep.ip), 443, tls=True, cafile=em.cafile, timeout=1.0)
                hop = f"{task.label} → {ep.label} {ep.ip}:443"
                if outcome.status != 200:
                    result.fail(hop, str(outcome))
                result.observed.append(f"{hop}: {outcome}")
            for urn, (_, address) in em.topo.gateway_hosts.items():
                name = next(e.service for e in em.stack.endpoints if e.urn == urn)
                outcome = probes.http(task.ns, str(task.ip), str(address), 443, tls=True, cafile=em.cafile, timeout=1.0)
                hop = f"{task.label} → {name} prefix list {address}:443"
                if outcome.status != 200:
                    result.fail(hop, str(outcome))
                result.observed.append(f"{hop}: {outcome}")
            table = task.subnet.route_table
            if table is not None and (table.nat_gateway or table.internet_gateway):
                result.unknown(
                    f"{task.label} → internet",
                    f"route table {table.name} routes to the internet, which is not emulated",
                )
                continue
            drops = _drops([task])
            outcomes = probes.tcp_many(
                task.ns, str(task.ip), [(str(INTERNET_HOST), 443), (str(INTERNET_HOST), 80)], timeout=0.4
            )
            route = topology.route_verdict(em.topo, task, INTERNET_HOST)
            dropped = drops()
            for (where, port), outcome in outcomes.items():
                hop = f"{task.label} → internet host {where}:{port}"
                text = _dropped_text(str(outcome), dropped) + f"; VPC router: {route}"
                if outcome.answered:
                    result.fail(hop, text)
                result.observed.append(f"{hop}: {text}")


# ---------------------------------------------------------------------------------------------
# 5. Drain, replace; 6. failover


def _wait(predicate: Callable[[], bool], timeout: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(POLL)
    return None


def drain(em: Emulation, report: Report) -> None:
    for tg, targets in em.targets.items():
        lb = em.lb_of(tg)
        if lb is None or len(targets) < 2:
            continue
        group = em.stack.target_groups[tg]
        delay = group.deregistration_delay * em.options.scale
        stopping, staying = targets[-1], targets[0]
        result = report.add(PathResult(
            _service_label(em, tg), "drain",
            f"{group.name}: a stopped task gets no new traffic once deregistered and drains within the delay "
            f"({group.deregistration_delay:g} s × {em.options.scale:g} = {delay:g} s); then SIGTERM stops it and a "
            "replacement turns healthy",
        ))  # fmt: skip
        allowed, _ = _clients(em, lb)
        listener = next((li for li in lb.listeners if li.default_action.target_group == tg), None)
        if not allowed or listener is None:
            result.unknown(f"{lb.name}", "no client or forwarding listener to drain through")
            continue
        if group.protocol == "UDP":
            _drain_udp(em, result, lb, listener, tg, allowed[0], stopping, staying, delay)
        else:
            _drain_http(em, result, lb, listener, tg, allowed[0], stopping, delay)
        task = em.task(stopping.key)
        codes = task.stop()
        result.observed.append(f"SIGTERM to {stopping.key}: exit codes {codes}")
        if any(code != 0 for code in codes.values()):
            result.fail(
                f"ECS → {stopping.key} (SIGTERM)",
                f"containers exited with {codes}, not 0: {task.containers[0].tail(2)}",
            )
        replace(em, result, tg, stopping)


def _drain_http(em: Emulation, result: PathResult, lb: model.LoadBalancer, listener: model.Listener, tg: str,
                client: tuple[str, str, str], stopping: Target, delay: float) -> None:  # fmt: skip
    ns, source, _ = client
    nodes = [h for h in em.topo.hosts if h.owner == lb.urn]
    address = _address(nodes[0], ns, em)
    tls = listener.protocol == "HTTPS"
    burn_ms = int(min(2000, delay * 1000 / 2))
    in_flight: list[probes.Outcome] = []

    def slow() -> None:
        in_flight.append(
            probes.http(
                ns, source, address, listener.port, f"/burn?ms={burn_ms}", tls=tls, cafile=em.cafile, timeout=delay + 3
            )
        )

    threads = [threading.Thread(target=slow) for _ in range(2)]
    for thread in threads:
        thread.start()
    albs = [n for n in em.alb_nodes if tg in n.backends]
    _wait(lambda: sum(n.sessions(tg, stopping) for n in albs) > 0, min(0.3, burn_ms / 2000))
    flying = sum(n.sessions(tg, stopping) for n in albs)
    em.deregister(tg, stopping)
    began = time.monotonic()
    others = []
    for i in range(6):
        node = nodes[i % len(nodes)]
        outcome = _ask(em, listener, ns, source, _address(node, ns, em))
        others.append(outcome.served_by or str(outcome))
    drained = _wait(lambda: all(n.sessions(tg, stopping) == 0 for n in albs), delay)
    time.sleep(max(0.0, delay - (time.monotonic() - began)))
    for alb in albs:
        alb.cut(tg, stopping)
    for thread in threads:
        thread.join(delay + 5)
    result.observed.append(
        f"deregistered {stopping.key} with {flying} request(s) in flight to it; 6 new requests during the delay "
        f"were served by: {', '.join(others)}"
    )
    if stopping.key in others:
        result.fail(f"{lb.name} → {stopping.key} (draining)", "a new request reached the draining target")
    elif any(o not in {t.key for t in em.targets[tg]} for o in others):
        result.fail(
            f"client → {lb.name} (draining {stopping.key})", f"new requests weren't served by the other tasks: {others}"
        )
    texts = ", ".join(str(o) for o in in_flight)
    if any(o.status == 404 for o in in_flight):
        result.observed.append(f"the app has no /burn, so nothing was in flight: {texts}")
    else:
        result.observed.append(f"the two /burn?ms={burn_ms} requests in flight (one per task) answered: {texts}")
        if flying and any(o.status != 200 for o in in_flight):
            result.fail(f"{lb.name} → {stopping.key} (in flight while draining)", texts)
    if drained is None:
        result.fail(f"{lb.name} → {stopping.key} (draining)", f"requests still open to it after the {delay:g} s delay")
    else:
        result.observed.append(f"{stopping.key} drained in {drained:.2f} s (delay {delay:g} s)")


def _drain_udp(em: Emulation, result: PathResult, lb: model.LoadBalancer, listener: model.Listener, tg: str,
               client: tuple[str, str, str], stopping: Target, staying: Target, delay: float) -> None:  # fmt: skip
    ns, source, _ = client
    nodes = [h for h in em.topo.hosts if h.owner == lb.urn]
    address = _address(nodes[0], ns, em)
    flow = None
    for _ in range(24):  # a flow (source port) that the node hashes to the task we'll stop
        sock = probes._socket(ns, probes.socket.SOCK_DGRAM, source)
        if probes.udp_on(sock, address, listener.port).served_by == stopping.key:
            flow = sock
            break
        sock.close()
    if flow is None:
        result.fail(f"{lb.name} → {stopping.key}", "no flow reached it in 24 tries")
        return
    em.deregister(tg, stopping)
    began = time.monotonic()
    during, fresh = [], []
    while time.monotonic() - began < delay * 0.8:
        during.append(probes.udp_on(flow, address, listener.port, timeout=0.5).served_by or "no answer")
        fresh.append(probes.udp(ns, source, address, listener.port, timeout=0.5).served_by or "no answer")
        time.sleep(0.1)
    time.sleep(max(0.0, delay - (time.monotonic() - began)) + 0.1)
    after = probes.udp_on(flow, address, listener.port, timeout=0.5).served_by or "no answer"
    flow.close()
    result.observed.append(f"existing flow during the delay: {', '.join(during)}; after it: {after}")
    result.observed.append(f"new flows during the delay: {', '.join(fresh)}")
    if stopping.key in fresh:
        result.fail(f"{lb.name} → {stopping.key} (draining)", "a new flow reached the draining target")
    if any(s != stopping.key for s in during):
        result.fail(f"{lb.name} → {stopping.key} (draining)", f"the existing flow left it before the delay: {during}")
    if after != staying.key:
        result.fail(f"{lb.name} → {stopping.key} (drained)", f"after the delay the flow was answered by {after}")


def replace(em: Emulation, result: PathResult, tg: str, stopped: Target) -> None:
    """ECS starts a replacement task: same place, new processes; registered, it must turn healthy."""
    old = em.task(stopped.key)
    new = apps.Task(old.service, old.host, em.run_dir, em.images)
    em.tasks[old.service.urn] = [new if t is old else t for t in em.tasks[old.service.urn]]
    new.start()
    for group, targets in em.targets.items():
        if stopped in targets:
            em.register(group, stopped)
    hc = em.stack.target_groups[tg].health
    bound = (hc.healthy + 1) * hc.interval * em.options.scale
    took = _wait(
        lambda: all(
            s == "healthy" for states in em.health(tg).values() for k, (s, _) in states.items() if k == stopped.key
        ),
        2 * bound + 1,
    )
    if took is None:
        result.fail(f"replacement {stopped.key}", f"not healthy within {2 * bound + 1:g} s: {_exited(new)}")
    else:
        result.observed.append(f"replacement {stopped.key} healthy after {took:.2f} s on every node")


def failover(em: Emulation, report: Report) -> None:
    for tg, targets in em.targets.items():
        group = em.stack.target_groups[tg]
        lb = em.lb_of(tg)
        if group.protocol != "UDP" or lb is None or len(targets) < 2:
            continue
        victim, other = targets[0], targets[1]
        service = _services_of(em, tg)[0]
        container = next(a.container for a in service.attachments if a.target_group == tg)
        hc = group.health
        bound = (hc.unhealthy + 1) * hc.interval * em.options.scale + 2.0
        result = report.add(PathResult(
            service.name, "failover",
            f"{group.name}: a killed {container} process turns its target unhealthy on every node within "
            f"({hc.unhealthy} + 1) × {hc.interval:g} s × {em.options.scale:g} + 2 s for the sidecar = {bound:g} s, "
            f"and new traffic moves to the other task",
        ))  # fmt: skip
        run = em.task(victim.key).container(container)
        if run is None:
            result.unknown(victim.key, f"no {container} container running")
            continue
        run.signal(signal.SIGKILL)
        took = _wait(partial(_state_everywhere, em, tg, victim.key, "unhealthy"), bound)
        last = {node: states.get(victim.key, ("", ""))[1] for node, states in em.health(tg).items()}
        if took is None:
            result.fail(f"{lb.name} → {victim.key} (health check)", f"still not unhealthy after {bound:g} s: {last}")
        else:
            result.observed.append(
                f"SIGKILL {victim.key}/{container}: unhealthy on every node after {took:.2f} s; last checks: {last}"
            )
        allowed, _ = _clients(em, lb)
        listener = next((li for li in lb.listeners if li.default_action.target_group == tg), None)
        if not allowed or listener is None:
            continue
        ns, source, _ = allowed[0]
        nodes = [h for h in em.topo.hosts if h.owner == lb.urn]
        answers = [
            _ask(em, listener, ns, source, _address(nodes[i % len(nodes)], ns, em)).served_by or "no answer"
            for i in range(8)
        ]
        result.observed.append(f"8 new flows after that: {', '.join(answers)}")
        if any(a != other.key for a in answers):
            result.fail(f"{lb.name} → {victim.key}", f"traffic did not move to {other.key}: {answers}")


def _state_everywhere(em: Emulation, tg: str, key: str, state: str) -> bool:
    return all(states.get(key, ("", ""))[0] == state for states in em.health(tg).values())


def _images_unknown(em: Emulation, report: Report) -> None:
    """A service whose image can't be run here has unknown paths, never passed or failed ones."""
    problems = {s.urn: p for s in em.stack.services for t in em.tasks.get(s.urn, [])[:1] for p in t.problems[:1]}
    for service in em.stack.services:
        if service.urn not in problems:
            continue
        for result in report.results:
            if result.service == service.name and result.verdict in (FAILED, "passed"):
                result.verdict, result.hop, result.outcome = UNKNOWN, f"image of {service.name}", problems[service.urn]
