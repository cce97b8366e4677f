"""One emulation run: build the VPC, start balancers and tasks, register targets; tear it all down.

    with Emulation("dev", recording, Options()) as emulation:
        report = checks.run_all(emulation)

`Emulation.__exit__` removes every namespace and process of the run, also after an error or
Ctrl-C; `topology.cleanup_leftovers` (run first) removes those of an earlier run that was killed.
Times in the stack (health-check interval and timeout, deregistration delay) are multiplied by
`Options.scale`, 1/20 by default: a 10 s interval becomes 0.5 s. The apps' own timings are real.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from fargatelb.mocks import Recording

from . import apps, model, sgfilter, topology
from .balancers import (
    AlbNode,
    HaproxyProcess,
    Reactor,
    Target,
    UdpNode,
    alb_config,
    backends_of,
    make_certificate,
    stand_ins_config,
)

TOOLS = ("ip", "nft", "haproxy", "bwrap", "nsenter", "setpriv", "openssl", "make", "cc")


@dataclass
class Options:
    scale: float = 0.05
    """Multiplies every time the stack states (health-check interval and timeout, deregistration delay)."""
    tasks_per_service: int = 2
    keep: bool = False
    """Keep the run's directory (configs, logs) after teardown, for a post-mortem."""
    services: frozenset[str] | None = None
    """Emulate only these services (URNs) and their load balancers; all when None."""


def unavailable() -> str | None:
    """Why the emulation can't run here, or None when it can."""
    if os.geteuid() != 0:
        return "the e2e emulation needs root (network namespaces, nftables); run it as root, e.g. in CI"
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        packages = "iproute2 nftables haproxy bubblewrap openssl make gcc"
        return f"missing tools: {', '.join(missing)} (apt-get install {packages}, or .ci/install-e2e-tools)"
    if subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False).returncode != 0:
        return "this machine doesn't allow creating network namespaces (a container without CAP_SYS_ADMIN?)"
    return None


class Emulation:
    def __init__(self, stack_name: str, recording: Recording, options: Options | None = None) -> None:
        self.stack_name = stack_name
        self.options = options or Options()
        self.stack = model.read(recording)
        if self.options.services is not None:
            wanted = self.options.services
            self.stack.services = [s for s in self.stack.services if s.urn in wanted]
            groups = {a.target_group for s in self.stack.services for a in s.attachments}
            self.stack.load_balancers = [
                lb for lb in self.stack.load_balancers
                if any(li.default_action.target_group in groups for li in lb.listeners)
            ]  # fmt: skip
        self.topo = topology.plan(self.stack, str(os.getpid()), self.options.tasks_per_service)
        self.run_dir = Path(tempfile.mkdtemp(prefix=f"{topology.PREFIX}{os.getpid()}-{stack_name}-"))
        self.run_dir.chmod(0o755)  # the apps run unprivileged and read their files from here
        self.images: dict[Path, apps.Image] = {}
        self.tasks: dict[str, list[apps.Task]] = {}
        self.targets: dict[str, list[Target]] = {}
        self.alb_nodes: list[AlbNode] = []
        self.udp_nodes: list[UdpNode] = []
        self.stand_ins: HaproxyProcess | None = None
        self.reactor: Reactor | None = None
        self.cafile = self.run_dir / "tls.crt"
        self.registered_at: dict[tuple[str, str], float] = {}
        self.ready_at: dict[tuple[str, str], float] = {}
        self.notes: list[str] = list(self.stack.notes)

    # -- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> Emulation:
        try:
            self.setup()
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.teardown()

    def setup(self) -> None:
        removed = topology.cleanup_leftovers()
        if removed:
            self.notes.append(f"removed {len(removed)} namespaces left by an earlier run that was killed")
        topology.create(self.topo)
        sgfilter.apply(self.topo)
        names = [f"{lb.name}.e2e.invalid" for lb in self.stack.load_balancers]
        addresses = [str(h.ip) for h in self.topo.hosts] + [str(a) for _, a in self.topo.gateway_hosts.values()]
        addresses += [str(h.public_ip) for h in self.topo.hosts if h.public_ip is not None]
        pem, self.cafile = make_certificate(self.run_dir, names, addresses)
        self.stand_ins = HaproxyProcess(
            "stand-ins", self.topo.ns("igw"), stand_ins_config(self.topo, pem), self.run_dir
        )
        self.stand_ins.start()
        for service in self.stack.services:
            hosts = [h for h in self.topo.hosts if h.role == "task" and h.owner == service.urn]
            self.tasks[service.urn] = [apps.Task(service, h, self.run_dir, self.images) for h in hosts]
            for attachment in service.attachments:
                self.targets.setdefault(attachment.target_group, []).extend(
                    Target(t.name, t.host.ip, attachment.port, t.host.subnet.zone) for t in self.tasks[service.urn]
                )
        for lb in self.stack.load_balancers:
            nodes = [h for h in self.topo.hosts if h.owner == lb.urn]
            if lb.type == "application":
                config = alb_config(lb, self.stack, self.targets, pem, self.options.scale)
                for host in nodes:
                    node = AlbNode(lb, host, config, self.run_dir, backends_of(lb))
                    self.alb_nodes.append(node)
                    node.haproxy.start()
            else:
                self.reactor = self.reactor or Reactor()
                mine = {tg: t for tg, t in self.targets.items() if self.lb_of(tg) is lb}
                for host in nodes:
                    udp = UdpNode(lb, host, self.stack, mine, self.options.scale, self.reactor)
                    self.reactor.call(udp.start())
                    self.udp_nodes.append(udp)
        for service in self.stack.services:
            for task in self.tasks[service.urn]:
                task.start()
        # ECS registers a task's targets once its containers have started.
        for tg, targets in self.targets.items():
            for target in targets:
                self.register(tg, target)

    def teardown(self) -> None:
        for tasks in self.tasks.values():
            for task in tasks:
                with contextlib.suppress(Exception):
                    task.kill()
        for node in self.alb_nodes:
            node.haproxy.stop()
        if self.stand_ins is not None:
            self.stand_ins.stop()
        if self.reactor is not None:
            self.reactor.close()
        topology.destroy(self.topo)
        if not self.options.keep:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    # -- targets ------------------------------------------------------------------------------

    def nodes_for(self, tg: str) -> list[AlbNode | UdpNode]:
        """Every load balancer node that forwards to (and health-checks) target group `tg`."""
        out: list[AlbNode | UdpNode] = [n for n in self.alb_nodes if tg in n.backends]
        out += [n for n in self.udp_nodes if tg in n.groups]
        return out

    def register(self, tg: str, target: Target) -> None:
        for node in self.nodes_for(tg):
            if isinstance(node, AlbNode):
                node.register(tg, target)
            else:
                self.reactor_call(lambda n=node: n.register(tg, target.key))
        self.registered_at[(tg, target.key)] = time.monotonic()
        self.ready_at.pop((tg, target.key), None)

    def deregister(self, tg: str, target: Target) -> None:
        delay = self.stack.target_groups[tg].deregistration_delay * self.options.scale
        for node in self.nodes_for(tg):
            if isinstance(node, AlbNode):
                node.deregister(tg, target)
            else:
                self.reactor_call(lambda n=node: n.deregister(tg, target.key, delay))

    def reactor_call(self, fn: object) -> None:
        async def call() -> None:
            fn()  # type: ignore[operator]

        if self.reactor is not None:
            self.reactor.call(call())

    def health(self, tg: str) -> dict[str, dict[str, tuple[str, str]]]:
        """Node label → target key → (state, last check) for target group `tg`."""
        out = {}
        for node in self.nodes_for(tg):
            out[node.host.label] = node.health(tg)
        return out

    def task(self, key: str) -> apps.Task:
        return next(t for tasks in self.tasks.values() for t in tasks if t.name == key)

    def lb_of(self, tg: str) -> model.LoadBalancer | None:
        for lb in self.stack.load_balancers:
            for listener in lb.listeners:
                if tg in [listener.default_action.target_group, *(r.action.target_group for r in listener.rules)]:
                    return lb
        return None
