"""The wiring check: prove, hop by hop, that every load-balanced Fargate service works, before a
10-minute deploy ends in "targets unhealthy" or "CannotPullContainerError".

It walks a `Graph` (from a mock recording, or from the resources of a real `pulumi preview` seen by
the CrossGuard policy) and, for every ECS service, proves:

- the traffic path: client CIDRs → load balancer SG ingress → listener → target group (`ip`) → the
  service's `loadBalancers` entry → the container's port mapping → task SG ingress from the load
  balancer SG, with the load balancer SG's matching egress;
- the health-check path: target group health check → a container mapping that port over TCP → the
  same two security-group hops;
- the image-pull and log paths: the service's subnets → their route tables → NAT, or the `ecr.api`,
  `ecr.dkr` (and `logs`) interface endpoints, the S3 gateway endpoint, and the endpoint SG hops;
- and the checks that fail deploys: name lengths, Fargate sizes, autoscaling bounds.

Resources are linked only through property dependencies (URNs), never by matching id strings: in a
real preview the ids and ARNs of new resources are unknown. A value that is unknown (absent or None)
yields an `unknown` finding, never an error. Pure Python over `graph.Graph`: no Pulumi imports, so
the offline preview and the policy pack load it in milliseconds.

    report = check(recording.graph())
    for path in report.paths:      # ProvenPath: service, kind, hops (one line each), ok, component
        print(path)
    for finding in report.findings:  # Finding: severity, hop, message, service, source, target, fix
        print(finding)
    sys.exit(0 if report.ok else 1)  # ok: no `error` finding (warnings and unknowns don't fail)

Hop ids (`Finding.hop`), by path:
- traffic: lb-security-group, lb-sg-ingress, listener, listener-protocol, target-group-protocol,
  target-type, target-group-port, load-balancer-entry, container-name, port-mapping,
  port-mapping-protocol, task-sg-ingress, lb-sg-egress;
- health check: health-check-protocol, health-check-port, health-check-task-sg-ingress,
  health-check-lb-sg-egress;
- image pull and logs: ecr-api-endpoint, ecr-dkr-endpoint, logs-endpoint, <endpoint>-endpoint-subnets
  (warning), endpoint-security-group, endpoint-sg-ingress, task-sg-egress-endpoint, s3-gateway-endpoint,
  task-sg-egress-s3, task-sg-egress-internet, public-image, image, subnets, subnet-route-table;
- the service and the stack: task-definition, container-definitions, task-security-group,
  desired-count (warning), lb-name, tg-name, fargate-size, scaling-bounds, scaling-target-value.
"""

from __future__ import annotations

import enum
import ipaddress
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .fargate import FARGATE_MEMORY  # pure: the table the components validate against
from .graph import Graph, Node

# Type tokens. `aws:alb/...` are the provider's aliases of `aws:lb/...`.
SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
TARGET_GROUPS = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ROUTE = "aws:ec2/route:Route"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"

WEB_COMPONENT = "fargatelb:index:LoadBalancedFargateService"
UDP_COMPONENT = "fargatelb:index:UdpNlbService"
NETWORK_COMPONENT = "fargatelb:index:PrivateNetwork"

HTTPS = 443
ANYWHERE = "0.0.0.0/0"
# Load balancer and target group names: 32 characters; Pulumi's auto-name appends "-" and 7 more.
MAX_LB_NAME = 32
AUTONAME_SUFFIX = 8
MAX_NAME_PREFIX = 6


# Listener protocols each load balancer type accepts, and target-group protocols each listener
# protocol can forward to.
_LISTENER_PROTOCOLS = {"application": {"HTTP", "HTTPS"}, "network": {"TCP", "UDP", "TLS", "TCP_UDP"}}
_FORWARDS_TO = {
    "HTTP": {"HTTP", "HTTPS"},
    "HTTPS": {"HTTP", "HTTPS"},
    "TCP": {"TCP", "TCP_UDP"},
    "TLS": {"TCP", "TLS"},
    "UDP": {"UDP", "TCP_UDP"},
    "TCP_UDP": {"TCP_UDP"},
}
# What a load-balancer protocol puts on the wire, as security-group rules and port mappings spell it.
_WIRE: dict[str, tuple[str, ...]] = {
    "HTTP": ("tcp",),
    "HTTPS": ("tcp",),
    "TCP": ("tcp",),
    "TLS": ("tcp",),
    "UDP": ("udp",),
    "TCP_UDP": ("tcp", "udp"),
}
# A load balancer health check speaks only these, even for a UDP target group.
_HEALTH_CHECK_PROTOCOLS = ("TCP", "HTTP", "HTTPS")
_SCALING_METRICS = ("ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization")
# A private ECR image: <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>
_ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?/")
# Interface endpoints a task needs to pull from ECR, and the one the awslogs driver needs.
_ECR_ENDPOINTS = ("ecr.api", "ecr.dkr")
_LOGS_ENDPOINT = "logs"


class Severity(enum.StrEnum):
    ERROR = "error"
    """The deploy fails or the service never turns healthy."""
    WARNING = "warning"
    """It deploys, but something people will trip over later."""
    UNKNOWN = "unknown"
    """A value isn't known until deploy (a real preview): this hop can't be proven either way."""


@dataclass(frozen=True)
class ResourceRef:
    """One side of a hop."""

    name: str
    type: str
    urn: str

    @classmethod
    def of(cls, node: Node | None) -> ResourceRef | None:
        return None if node is None else cls(node.name, node.type, node.urn)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Fix:
    """What to change. With a component, `argument` is its (dotted, snake_case) argument; without
    one, or when the component sets the value itself, it is an input of `resource`."""

    argument: str
    component: str | None = None
    component_type: str | None = None
    config_key: str | None = None
    """`<project>:<section>.<camelCaseArgument>`, when the component is built from a config section."""
    resource: str | None = None
    """Set when the fix is an input of this resource rather than a component argument."""

    def __str__(self) -> str:
        if self.resource is None:
            text = f"`{self.argument}` of {self.component} ({self.component_type})"
            return text + (f", config `{self.config_key}`" if self.config_key else "")
        text = f"input `{self.argument}` of {self.resource}"
        return text + (f", set by component {self.component} ({self.component_type})" if self.component else "")


@dataclass(frozen=True)
class Finding:
    severity: Severity
    hop: str
    """Stable id of the broken hop or check, e.g. `task-sg-ingress`, `ecr-dkr-endpoint`, `fargate-size`."""
    message: str
    service: str | None = None
    """The ECS service whose path this is (logical name), or None for stack-wide checks."""
    source: ResourceRef | None = None
    """The resource on the near side of the hop (the sender, or the resource checked)."""
    target: ResourceRef | None = None
    """The resource on the far side (the receiver), when the hop has two sides."""
    fix: Fix | None = None

    def __str__(self) -> str:
        sides = " → ".join(str(s) for s in (self.source, self.target) if s is not None)
        where = f" {self.service}" if self.service else ""
        text = f"{self.severity.value} [{self.hop}]{where} {sides + ': ' if sides else ''}{self.message}"
        return text + (f" (fix: {self.fix})" if self.fix else "")


@dataclass
class ProvenPath:
    """One end-to-end path of one service, a line per hop; `ok` is False if any hop is broken."""

    service: str
    kind: str
    """`traffic`, `redirect`, `health-check`, `image-pull` or `logs`."""
    hops: list[str]
    ok: bool = True
    component: str | None = None

    @property
    def text(self) -> str:
        return " → ".join(self.hops)

    def __str__(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.service} {self.kind}: {self.text}"


@dataclass
class Report:
    paths: list[ProvenPath] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def unknowns(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.UNKNOWN]

    def hops(self, severity: Severity = Severity.ERROR) -> set[str]:
        return {f.hop for f in self.findings if f.severity is severity}

    def format(self) -> str:
        lines = [str(p) for p in self.paths] + [str(f) for f in self.findings]
        counts = f"{len(self.errors)} errors, {len(self.warnings)} warnings, {len(self.unknowns)} unknown"
        return "\n".join([*lines, f"wiring: {'ok' if self.ok else 'BROKEN'} ({counts})"])


def check(graph: Graph) -> Report:
    """Prove every service's paths in `graph` and run the deploy-failing checks."""
    return _Checker(graph).run()


def fargate_memory_options(cpu: int) -> tuple[int, ...]:
    """Memory sizes (MiB) Fargate accepts with `cpu` units; empty if the CPU isn't a Fargate size."""
    return FARGATE_MEMORY.get(cpu, ())


# ---------------------------------------------------------------------------------------------
# Values


def _int(value: Any) -> int | None:
    """Ports and counts arrive as ints, floats (mocks) or strings of digits (health-check ports)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _upper(value: Any) -> str | None:
    return value.upper() if isinstance(value, str) else None


def _protocol(value: Any) -> str | None:
    """Security-group protocol: "tcp", "udp", "-1" (all), or another name; None when unknown."""
    if value is None:
        return None
    text = str(value).strip().lower()
    return {"all": "-1", "6": "tcp", "17": "udp"}.get(text, text)


def _size(value: Any, unit: str) -> int | None:
    """Task CPU/memory: "256", 256.0, "1 vCPU" (→ 1024) or "2 GB" (→ 2048)."""
    number = _int(value)
    if number is not None:
        return number
    if isinstance(value, str):
        m = re.fullmatch(rf"\s*(\d+(?:\.\d+)?)\s*{unit}\s*", value, re.I)
        if m:
            return int(float(m.group(1)) * 1024)
    return None


def _project(urn: str) -> str | None:
    parts = urn.split("::")
    return parts[1] if len(parts) >= 4 else None


def _camel_path(argument: str) -> str:
    def camel(part: str) -> str:
        head, *rest = part.split("_")
        return head + "".join(p[:1].upper() + p[1:] for p in rest)

    return ".".join(camel(p) for p in argument.split("."))


def _names(nodes: Iterable[Node]) -> str:
    return ", ".join(n.name for n in nodes) or "none"


def _covers(cidr: str, subnets: Sequence[Node]) -> bool | None:
    """Does `cidr` contain every subnet's block? None when a block is unknown."""
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    if net.prefixlen == 0:
        return True
    if not subnets:
        return False
    result: bool | None = True
    for subnet in subnets:
        block = subnet.get("cidrBlock")
        if block is None:
            result = None
            continue
        try:
            sub = ipaddress.ip_network(block, strict=False)
        except ValueError:
            return False
        if sub.version != net.version or not sub.subnet_of(net):  # type: ignore[arg-type]
            return False
    return result


def _parse_containers(td: Node) -> list[dict[str, Any]] | str | None:
    """The task's container definitions; None when unknown, an error message when malformed."""
    raw = td.get("containerDefinitions")
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            return f"containerDefinitions is not valid JSON: {exc}"
    if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
        return "containerDefinitions must be a JSON list of container objects"
    return raw


def _mappings(container: dict[str, Any]) -> list[tuple[int | None, str]]:
    out = []
    for m in container.get("portMappings") or []:
        if isinstance(m, dict):
            out.append((_int(m.get("containerPort")), (m.get("protocol") or "tcp").lower()))
    return out


# ---------------------------------------------------------------------------------------------
# Security-group rules


@dataclass(frozen=True)
class _Rule:
    node: Node
    egress: bool
    groups: tuple[Node, ...]
    protocol: str | None
    from_port: int | None
    to_port: int | None
    cidrs: tuple[str, ...] = ()
    cidr_unknown: bool = False
    """The CIDR comes from another resource (e.g. the VPC's block) and isn't known yet."""
    peers: tuple[Node, ...] = ()
    prefix_lists: tuple[Node, ...] = ()
    prefix_list_unlinked: bool = False
    """A prefix list id with no dependency to tell which endpoint it belongs to."""

    def carries(self, protocol: str, port: int) -> bool | None:
        if self.protocol == "-1":
            return True
        if self.protocol is None:
            return None
        if self.protocol != protocol:
            return False
        if self.from_port is None or self.to_port is None:
            return None
        return self.from_port <= port <= self.to_port

    def reaches(
        self, sgs: set[str], subnets: Sequence[Node], prefix_lists: set[str] | None, internet: bool
    ) -> bool | None:
        """Does the rule's other side include the wanted peer (an SG in `sgs`, a CIDR holding all
        `subnets`, a prefix list of `prefix_lists`, or anywhere when `internet`)?"""
        if any(p.urn in sgs for p in self.peers):
            return True
        if prefix_lists is not None and any(p.urn in prefix_lists for p in self.prefix_lists):
            return True
        result: bool | None = False
        for cidr in self.cidrs:
            covered = _covers(cidr, subnets) if not internet else _covers(cidr, [])
            if covered:
                return True
            if covered is None:
                result = None
        if self.cidr_unknown and (subnets or internet):
            result = None
        if prefix_lists is not None and self.prefix_list_unlinked:
            result = None
        return result

    @property
    def other_side(self) -> str:
        parts = [p.name for p in self.peers] + list(self.cidrs) + [f"prefix list {p.name}" for p in self.prefix_lists]
        if self.cidr_unknown:
            parts.append("a CIDR known at deploy")
        return ", ".join(parts) or "?"


def _rules(graph: Graph) -> list[_Rule]:
    rules: list[_Rule] = []

    def sgs(node: Node, prop: str) -> tuple[Node, ...]:
        return tuple(graph.refs(node, prop, SECURITY_GROUP))

    for node in graph.nodes:
        if node.type in (INGRESS_RULE, EGRESS_RULE):
            cidrs = tuple(c for c in (node.get("cidrIpv4"), node.get("cidrIpv6")) if isinstance(c, str))
            linked = bool(graph.refs(node, "cidrIpv4") or graph.refs(node, "cidrIpv6"))
            prefix_nodes = tuple(graph.refs(node, "prefixListId", VPC_ENDPOINT))
            rules.append(
                _Rule(
                    node=node,
                    egress=node.type == EGRESS_RULE,
                    groups=sgs(node, "securityGroupId"),
                    protocol=_protocol(node.get("ipProtocol")),
                    from_port=_int(node.get("fromPort")),
                    to_port=_int(node.get("toPort")),
                    cidrs=cidrs,
                    cidr_unknown=linked and not cidrs,
                    peers=sgs(node, "referencedSecurityGroupId"),
                    prefix_lists=prefix_nodes,
                    prefix_list_unlinked=bool(node.get("prefixListId")) and not prefix_nodes,
                )
            )
        elif node.type == LEGACY_RULE:
            groups = sgs(node, "securityGroupId")
            peers = sgs(node, "sourceSecurityGroupId") + (groups if node.get("self") else ())
            cidrs = tuple(node.get("cidrBlocks") or ()) + tuple(node.get("ipv6CidrBlocks") or ())
            prefix_nodes = tuple(graph.refs(node, "prefixListIds", VPC_ENDPOINT))
            rules.append(
                _Rule(
                    node=node,
                    egress=node.get("type") == "egress",
                    groups=groups,
                    protocol=_protocol(node.get("protocol")),
                    from_port=_int(node.get("fromPort")),
                    to_port=_int(node.get("toPort")),
                    cidrs=tuple(c for c in cidrs if isinstance(c, str)),
                    peers=peers,
                    prefix_lists=prefix_nodes,
                    prefix_list_unlinked=bool(node.get("prefixListIds")) and not prefix_nodes,
                )
            )
    return rules


# ---------------------------------------------------------------------------------------------
# The checker


@dataclass
class _Hop:
    """The outcome of proving one hop: the rule that proves it, or why it couldn't be proven."""

    status: str  # "ok", "missing", "unknown"
    rule: _Rule | None = None


_MARKS = {"ok": "✓", "unknown": "?", "missing": "✗"}


class _Checker:
    def __init__(self, graph: Graph) -> None:
        self.g = graph
        self.report = Report()
        self.no_route_severity = Severity.ERROR
        self._seen: set[tuple[Any, ...]] = set()
        self.rules = _rules(graph)
        self.ingress: dict[str, list[_Rule]] = {}
        self.egress: dict[str, list[_Rule]] = {}
        for rule in self.rules:
            for group in rule.groups:
                (self.egress if rule.egress else self.ingress).setdefault(group.urn, []).append(rule)

    # -- plumbing -------------------------------------------------------------------------------

    def of_types(self, tokens: Sequence[str]) -> list[Node]:
        return [n for n in self.g.nodes if n.type in tokens]

    def refs(self, node: Node, prop: str, tokens: str | Sequence[str]) -> list[Node]:
        tokens = (tokens,) if isinstance(tokens, str) else tokens
        return [n for n in self.g.refs(node, prop) if n.type in tokens]

    def referrers(self, target: Node, tokens: Sequence[str], prop: str) -> list[Node]:
        return [n for n in self.of_types(tokens) if target.urn in n.property_dependencies.get(prop, ())]

    def fix(self, node: Node | None, concern: str, resource_input: str) -> Fix | None:
        """The component argument behind `concern` for the component owning `node`; failing that,
        `resource_input` of `node` itself."""
        if node is None:
            return None
        component = self.g.component_of(node)
        if component is None:
            return Fix(argument=resource_input, resource=node.name)
        argument = _ARGUMENTS.get(component.type, {}).get(concern)
        if argument is None:
            return Fix(resource_input, component.name, component.type, resource=node.name)
        parent = self.g.by_urn.get(component.parent or "")
        top_level = parent is None or parent.type == "pulumi:pulumi:Stack"
        project = _project(component.urn)
        config_key = None
        if top_level and project and argument not in _NOT_CONFIG:
            config_key = f"{project}:{component.name}.{_camel_path(argument)}"
        return Fix(argument, component.name, component.type, config_key)

    def add(
        self,
        severity: Severity,
        hop: str,
        message: str,
        *,
        service: Node | None = None,
        source: Node | None = None,
        target: Node | None = None,
        fix: Fix | None = None,
    ) -> None:
        key = (severity, hop, message, service and service.urn, source and source.urn, target and target.urn)
        if key in self._seen:
            return
        self._seen.add(key)
        self.report.findings.append(
            Finding(
                severity,
                hop,
                message,
                service.name if service else None,
                ResourceRef.of(source),
                ResourceRef.of(target),
                fix,
            )
        )

    def find_rule(
        self,
        rules: Sequence[_Rule],
        protocol: str,
        port: int,
        *,
        sgs: Iterable[Node] = (),
        subnets: Sequence[Node] = (),
        prefix_lists: Iterable[Node] | None = None,
        internet: bool = False,
    ) -> _Hop:
        wanted = {n.urn for n in sgs}
        lists = None if prefix_lists is None else {n.urn for n in prefix_lists}
        status = "missing"
        for rule in rules:
            carries = rule.carries(protocol, port)
            reaches = rule.reaches(wanted, subnets, lists, internet)
            if carries and reaches:
                return _Hop("ok", rule)
            if carries is not False and reaches is not False:
                status = "unknown"
        return _Hop(status)

    def rules_on(self, index: dict[str, list[_Rule]], groups: Iterable[Node]) -> list[_Rule]:
        return [r for g in groups for r in index.get(g.urn, [])]

    def rule_finding(
        self,
        found: _Hop,
        hop: str,
        *,
        missing: str,
        unknown: str,
        svc: Node,
        source: Node,
        target: Node | None,
        fix: Fix | None,
    ) -> str:
        """Report a rule lookup: missing → an error (with `fix`), unknown → an unknown. Returns its mark."""
        if found.status == "missing":
            self.add(Severity.ERROR, hop, missing, service=svc, source=source, target=target, fix=fix)
        elif found.status == "unknown":
            self.add(Severity.UNKNOWN, hop, unknown, service=svc, source=source, target=target)
        return _MARKS[found.status]

    def add_path(self, svc: Node, kind: str, hops: list[str], ok: bool) -> None:
        self.report.paths.append(ProvenPath(svc.name, kind, hops, ok, self.owner(svc)))

    # -- entry point ------------------------------------------------------------------------------

    def run(self) -> Report:
        for service in self.g.of_type(SERVICE):
            self.check_service(service)
        self.check_names()
        self.check_fargate_sizes()
        self.check_scaling()
        return self.report

    # -- one service --------------------------------------------------------------------------------

    def check_service(self, svc: Node) -> None:
        subnets = self.refs(svc, "networkConfiguration", SUBNET)
        task_sgs = self.refs(svc, "networkConfiguration", SECURITY_GROUP)
        tds = self.refs(svc, "taskDefinition", TASK_DEFINITION)
        td = tds[0] if tds else None
        containers: list[dict[str, Any]] | None = None
        if td is None:
            self.add(
                Severity.UNKNOWN,
                "task-definition",
                "the service's task definition isn't linked in this stack, so its containers can't be checked",
                service=svc,
                source=svc,
            )
        else:
            parsed = _parse_containers(td)
            if isinstance(parsed, str):
                self.add(
                    Severity.ERROR,
                    "container-definitions",
                    parsed,
                    service=svc,
                    source=td,
                    fix=self.fix(td, "containers", "containerDefinitions"),
                )
            elif parsed is None:
                self.add(
                    Severity.UNKNOWN,
                    "container-definitions",
                    "containerDefinitions is unknown until deploy (computed from other resources' outputs); "
                    "container names, port mappings and images can't be proven in this preview",
                    service=svc,
                    source=td,
                )
            else:
                containers = parsed
        if not task_sgs:
            named = (svc.get("networkConfiguration", {}) or {}).get("securityGroups")
            self.add(
                Severity.ERROR if svc.get("networkConfiguration") is not None and not named else Severity.UNKNOWN,
                "task-security-group",
                "the service names no security group in this stack (networkConfiguration.securityGroups); "
                "without one the tasks get the VPC's default group, which admits nothing from the load balancer",
                service=svc,
                source=svc,
                fix=self.fix(svc, "task_security_groups", "networkConfiguration"),
            )
        self.check_desired_count(svc)
        entries = [e for e in svc.get("loadBalancers", []) or [] if isinstance(e, dict)]
        tgs = self.refs(svc, "loadBalancers", TARGET_GROUPS)
        for entry in entries:
            tg = self.target_group_of(entry, tgs)
            if tg is None:
                self.add(
                    Severity.UNKNOWN,
                    "target-group",
                    f"can't tell which target group loadBalancers entry {entry.get('containerName')!r} uses "
                    f"(linked: {_names(tgs)})",
                    service=svc,
                    source=svc,
                )
                continue
            self.check_entry(svc, entry, tg, containers, task_sgs, subnets)
        self.check_pull_and_logs(svc, containers, task_sgs, subnets)

    def target_group_of(self, entry: dict[str, Any], tgs: list[Node]) -> Node | None:
        # Property dependencies say which target groups `loadBalancers` uses, not which entry uses
        # which: with several, pair by port (the one source of truth makes them equal).
        if len(tgs) == 1:
            return tgs[0]
        port = _int(entry.get("containerPort"))
        same_port = [tg for tg in tgs if _int(tg.get("port")) == port]
        return same_port[0] if len(same_port) == 1 else None

    # -- traffic and health-check paths -------------------------------------------------------------

    def check_entry(
        self,
        svc: Node,
        entry: dict[str, Any],
        tg: Node,
        containers: list[dict[str, Any]] | None,
        task_sgs: list[Node],
        task_subnets: list[Node],
    ) -> None:
        tg_protocol = _upper(tg.get("protocol"))
        tg_port = _int(tg.get("port"))
        # Absent means AWS's default, `instance`, which can't register a task; None means unknown.
        target_type = tg.props.get("targetType", "instance")
        container_name = entry.get("containerName")
        container_port = _int(entry.get("containerPort"))
        wire = _WIRE.get(tg_protocol or "", ())

        # Hops after the listener are the same for every listener: prove them once.
        tail: list[str] = []
        broken = False

        tg_text = f"tg {tg.name} {tg_protocol or '?'}:{tg_port if tg_port is not None else '?'} ({target_type})"
        if target_type is None:
            self.add(Severity.UNKNOWN, "target-type", f"{tg.name}'s targetType is unknown", service=svc, source=tg)
        elif target_type != "ip":
            broken = True
            tg_text += " ✗"
            self.add(
                Severity.ERROR,
                "target-type",
                f"target group {tg.name} has targetType {target_type!r}; Fargate tasks (awsvpc) register by IP, "
                "so it must be 'ip' or no task can ever register",
                service=svc,
                source=tg,
                target=svc,
                fix=self.fix(tg, "target_type", "targetType"),
            )
        if tg_protocol is None:
            self.add(
                Severity.UNKNOWN,
                "target-group-protocol",
                f"{tg.name}'s protocol is unknown",
                service=svc,
                source=tg,
            )
        if tg_port is not None and container_port is not None and tg_port != container_port:
            broken = True
            tg_text += " ✗"
            self.add(
                Severity.ERROR,
                "target-group-port",
                f"target group {tg.name} is on port {tg_port} but the service registers container "
                f"{container_name!r} on {container_port}: they come from one port and must be equal",
                service=svc,
                source=tg,
                target=svc,
                fix=self.fix(tg, "traffic_port", "port"),
            )
        elif container_port is None:
            self.add(
                Severity.UNKNOWN,
                "load-balancer-entry",
                "the service's loadBalancers containerPort is unknown",
                service=svc,
                source=svc,
            )
        tail.append(tg_text)
        tail.append(f"service {svc.name} container {container_name!r}:{container_port}")

        # The container's port mapping.
        mapping_text, mapping_broken = self.prove_mapping(svc, tg, entry, containers, wire)
        broken |= mapping_broken
        if mapping_text:
            tail.append(mapping_text)

        # Task SG ingress from the load balancer SG, and the LB SG's matching egress.
        lbs = self.load_balancers_of(tg)
        lb_sgs = [sg for lb in lbs for sg in self.refs(lb, "securityGroups", SECURITY_GROUP)]
        lb_subnets = [s for lb in lbs for s in self.refs(lb, "subnets", SUBNET)]
        if container_port is not None and wire:
            for protocol in wire:
                text, hop_broken = self.prove_sg_hops(
                    svc,
                    tg,
                    lb_sgs,
                    lb_subnets,
                    task_sgs,
                    task_subnets,
                    protocol,
                    container_port,
                    health=False,
                )
                broken |= hop_broken
                tail.append(text)

        # Each listener that forwards to the target group starts a traffic path.
        listeners = self.listeners_of(tg)
        if not listeners:
            self.add(
                Severity.ERROR,
                "listener",
                f"no listener forwards to target group {tg.name}: ECS refuses a service whose target group "
                "isn't attached to a load balancer",
                service=svc,
                source=tg,
                target=svc,
                fix=self.fix(tg, "listener_port", "defaultActions"),
            )
            self.add_path(svc, "traffic", ["no listener ✗", *tail], False)
        for listener in listeners:
            head, head_broken = self.prove_listener(svc, listener, tg, tg_protocol)
            self.add_path(svc, "traffic", [*head, *tail], not (broken or head_broken))
            for redirect in self.redirects_to(listener):
                self.prove_redirect(svc, redirect, listener)

        self.check_health(svc, tg, entry, containers, lb_sgs, lb_subnets, task_sgs, task_subnets)

    def owner(self, node: Node) -> str | None:
        component = self.g.component_of(node)
        return component.name if component else None

    def load_balancers_of(self, tg: Node) -> list[Node]:
        out: dict[str, Node] = {}
        for listener in self.listeners_of(tg):
            for lb in self.refs(listener, "loadBalancerArn", LOAD_BALANCERS):
                out[lb.urn] = lb
        return list(out.values())

    def listeners_of(self, tg: Node) -> list[Node]:
        found = {n.urn: n for n in self.referrers(tg, LISTENERS, "defaultActions")}
        for rule in self.referrers(tg, LISTENER_RULES, "actions"):
            for listener in self.refs(rule, "listenerArn", LISTENERS):
                found[listener.urn] = listener
        return list(found.values())

    def redirects_to(self, listener: Node) -> list[Node]:
        """Listeners on the same load balancer that redirect to `listener`'s port."""
        port = _int(listener.get("port"))
        lbs = {n.urn for n in self.refs(listener, "loadBalancerArn", LOAD_BALANCERS)}
        out = []
        for other in self.of_types(LISTENERS):
            if other.urn == listener.urn or not lbs & {
                n.urn for n in self.refs(other, "loadBalancerArn", LOAD_BALANCERS)
            }:
                continue
            for action in other.get("defaultActions", []) or []:
                redirect = action.get("redirect") if isinstance(action, dict) else None
                if (
                    isinstance(redirect, dict)
                    and action.get("type") == "redirect"
                    and _int(redirect.get("port")) == port
                ):
                    out.append(other)
        return out

    def client_hop(
        self, svc: Node, listener: Node, lb: Node, lb_sgs: list[Node], severity: Severity
    ) -> tuple[str, bool]:
        """Allowed clients → the load balancer SG's ingress on the listener's port."""
        protocol = _upper(listener.get("protocol"))
        port = _int(listener.get("port"))
        if port is None or protocol is None:
            return "clients → ? ingress", False
        texts, broken = [], False
        for wire in _WIRE.get(protocol, ("tcp",)):
            rules = [
                r
                for r in self.rules_on(self.ingress, lb_sgs)
                if r.carries(wire, port) is not False and (r.cidrs or r.cidr_unknown or r.peers or r.prefix_lists)
            ]
            sources = sorted({r.other_side for r in rules if r.carries(wire, port)})
            if sources:
                texts.append(f"{', '.join(sources)} → {_names(lb_sgs)} ingress {wire}/{port}")
            elif rules:
                texts.append(f"? → {_names(lb_sgs)} ingress {wire}/{port} ?")
                self.add(
                    Severity.UNKNOWN,
                    "lb-sg-ingress",
                    f"{_names(lb_sgs)} ingress on {wire}/{port} isn't known yet",
                    service=svc,
                    target=lb,
                )
            else:
                broken = True
                texts.append(f"nobody → {_names(lb_sgs)} ingress {wire}/{port} ✗")
                self.add(
                    severity,
                    "lb-sg-ingress",
                    f"no ingress rule on {_names(lb_sgs)} admits {wire}/{port}: no client can reach listener "
                    f"{listener.name} ({protocol}:{port})",
                    service=svc,
                    source=lb_sgs[0] if lb_sgs else None,
                    target=listener,
                    fix=self.fix(lb_sgs[0] if lb_sgs else lb, "client_cidrs", "cidrIpv4"),
                )
        return " + ".join(texts), broken

    def prove_listener(self, svc: Node, listener: Node, tg: Node, tg_protocol: str | None) -> tuple[list[str], bool]:
        protocol = _upper(listener.get("protocol"))
        port = _int(listener.get("port"))
        lbs = self.refs(listener, "loadBalancerArn", LOAD_BALANCERS)
        broken = False
        if not lbs:
            self.add(
                Severity.UNKNOWN,
                "listener",
                f"listener {listener.name}'s load balancer isn't linked in this stack",
                service=svc,
                source=listener,
            )
            return [f"? → listener {protocol}:{port} ?"], False
        lb = lbs[0]
        lb_sgs = self.refs(lb, "securityGroups", SECURITY_GROUP)
        lb_type = lb.get("loadBalancerType", "application")
        head: list[str] = []
        if not lb_sgs:
            broken = True
            head.append(f"{lb.name} has no security group ✗")
            self.add(
                Severity.ERROR,
                "lb-security-group",
                f"load balancer {lb.name} has no security group, so the task SG can't admit it by reference "
                "(and an NLB's groups can only be set when it is created)",
                service=svc,
                source=lb,
                target=svc,
                fix=self.fix(lb, "lb_security_group", "securityGroups"),
            )
        else:
            text, hop_broken = self.client_hop(svc, listener, lb, lb_sgs, Severity.ERROR)
            broken |= hop_broken
            head.append(text)
        listener_text = f"listener {protocol}:{port} ({lb.name})"
        if protocol is not None and protocol not in _LISTENER_PROTOCOLS.get(lb_type, {protocol}):
            broken = True
            listener_text += " ✗"
            self.add(
                Severity.ERROR,
                "listener-protocol",
                f"a {lb_type} load balancer can't have a {protocol} listener "
                f"(allowed: {', '.join(sorted(_LISTENER_PROTOCOLS[lb_type]))})",
                service=svc,
                source=lb,
                target=listener,
                fix=self.fix(listener, "listener_protocol", "protocol"),
            )
        elif protocol and tg_protocol and tg_protocol not in _FORWARDS_TO.get(protocol, set()):
            broken = True
            listener_text += " ✗"
            self.add(
                Severity.ERROR,
                "target-group-protocol",
                f"listener {listener.name} ({protocol}) can't forward to {tg_protocol} target group {tg.name}",
                service=svc,
                source=listener,
                target=tg,
                fix=self.fix(tg, "target_group_protocol", "protocol"),
            )
        head.append(listener_text)
        return head, broken

    def prove_redirect(self, svc: Node, redirect: Node, listener: Node) -> None:
        lbs = self.refs(redirect, "loadBalancerArn", LOAD_BALANCERS)
        lb_sgs = self.refs(lbs[0], "securityGroups", SECURITY_GROUP) if lbs else []
        # A redirect nobody can reach times out for users typing http://, but deploys fine: a warning.
        head, broken = self.client_hop(svc, redirect, lbs[0], lb_sgs, Severity.WARNING) if lbs else ("?", False)
        hops = [
            head,
            f"listener {_upper(redirect.get('protocol'))}:{_int(redirect.get('port'))} ({lbs[0].name if lbs else '?'})",
            f"301 → listener {_upper(listener.get('protocol'))}:{_int(listener.get('port'))}",
        ]
        self.add_path(svc, "redirect", hops, not broken)

    def prove_mapping(
        self,
        svc: Node,
        tg: Node,
        entry: dict[str, Any],
        containers: list[dict[str, Any]] | None,
        wire: tuple[str, ...],
    ) -> tuple[str, bool]:
        name = entry.get("containerName")
        port = _int(entry.get("containerPort"))
        if containers is None or port is None:
            return "port mapping ?", False
        container = next((c for c in containers if c.get("name") == name), None)
        td = self.refs(svc, "taskDefinition", TASK_DEFINITION)[0]
        if container is None:
            self.add(
                Severity.ERROR,
                "container-name",
                f"the service's loadBalancers names container {name!r}, but the task definition has "
                f"{', '.join(repr(c.get('name')) for c in containers) or 'no containers'}: ECS rejects the service",
                service=svc,
                source=svc,
                target=td,
                fix=self.fix(svc, "container_name", "loadBalancers"),
            )
            return f"container {name!r} ✗", True
        mapped = [proto for p, proto in _mappings(container) if p == port]
        if not mapped:
            self.add(
                Severity.ERROR,
                "port-mapping",
                f"container {name!r} maps no port {port} (it maps "
                f"{', '.join(f'{p}/{proto}' for p, proto in _mappings(container)) or 'nothing'}): ECS rejects a "
                "service whose loadBalancers containerPort the container doesn't map",
                service=svc,
                source=svc,
                target=td,
                fix=self.fix(svc, "traffic_port", "loadBalancers"),
            )
            return f"port mapping {port} ✗", True
        missing = [w for w in wire if w not in mapped]
        if missing:
            self.add(
                Severity.ERROR,
                "port-mapping-protocol",
                f"container {name!r} maps {port} over {'/'.join(mapped)}, but {tg.get('protocol')} target group "
                f"{tg.name} sends {'/'.join(wire)}",
                service=svc,
                source=tg,
                target=td,
                fix=self.fix(td, "port_mapping_protocol", "containerDefinitions"),
            )
            return f"port mapping {port}/{'/'.join(mapped)} ✗", True
        return f"port mapping {port}/{'+'.join(w for w in wire)}", False

    def prove_sg_hops(
        self,
        svc: Node,
        tg: Node,
        lb_sgs: list[Node],
        lb_subnets: list[Node],
        task_sgs: list[Node],
        task_subnets: list[Node],
        protocol: str,
        port: int,
        *,
        health: bool,
    ) -> tuple[str, bool]:
        """Task SG ingress from the LB SG on protocol/port, and the LB SG's egress to the task SG."""
        prefix = "health-check-" if health else ""
        what = "health checks" if health else "traffic"
        concern = "health_check_port" if health else "traffic_port"
        if not lb_sgs or not task_sgs:
            return f"{_names(task_sgs)} ingress {protocol}/{port} from {_names(lb_sgs)} ?", False
        lb_sg, task_sg = lb_sgs[0], task_sgs[0]
        ingress = self.find_rule(self.rules_on(self.ingress, task_sgs), protocol, port, sgs=lb_sgs, subnets=lb_subnets)
        egress = self.find_rule(self.rules_on(self.egress, lb_sgs), protocol, port, sgs=task_sgs, subnets=task_subnets)
        fix = self.fix(tg, concern, "port")
        tasks, lbs, flow = _names(task_sgs), _names(lb_sgs), f"{protocol}/{port}"
        ingress_mark = self.rule_finding(
            ingress,
            f"{prefix}task-sg-ingress",
            missing=f"no ingress rule on {tasks} admits {flow} from {lbs}: the load balancer's {what} can't reach "
            "the tasks" + ("" if health else ", so targets never turn healthy"),
            unknown=f"whether {tasks} admits {flow} from {lbs} is known only at deploy",
            svc=svc,
            source=lb_sg,
            target=task_sg,
            fix=fix,
        )
        egress_mark = self.rule_finding(
            egress,
            f"{prefix}lb-sg-egress",
            missing=f"no egress rule on {lbs} allows {flow} to {tasks}: the load balancer can't send {what} to "
            "the tasks",
            unknown=f"whether {lbs} may send {flow} to {tasks} is known only at deploy",
            svc=svc,
            source=lb_sg,
            target=task_sg,
            fix=fix,
        )
        text = f"{tasks} ingress {flow} from {lbs} {ingress_mark} ({lbs} egress {flow} to {tasks} {egress_mark})"
        broken = "missing" in (ingress.status, egress.status)
        return text, broken

    def check_health(
        self,
        svc: Node,
        tg: Node,
        entry: dict[str, Any],
        containers: list[dict[str, Any]] | None,
        lb_sgs: list[Node],
        lb_subnets: list[Node],
        task_sgs: list[Node],
        task_subnets: list[Node],
    ) -> None:
        hc = tg.get("healthCheck", {}) or {}
        tg_protocol = _upper(tg.get("protocol"))
        default = tg_protocol if tg_protocol in ("HTTP", "HTTPS") else "TCP"
        protocol = _upper(hc.get("protocol")) or default
        raw_port = hc.get("port", "traffic-port")
        port = _int(entry.get("containerPort")) if raw_port == "traffic-port" else _int(raw_port)
        path = f" {hc.get('path')}" if protocol in ("HTTP", "HTTPS") and hc.get("path") else ""
        hops = [f"{tg.name} health check {protocol}:{port if port is not None else '?'}{path}"]
        broken = False
        if protocol not in _HEALTH_CHECK_PROTOCOLS:
            broken = True
            hops[0] += " ✗"
            reason = (
                "a UDP target group can't be health-checked over UDP: probe a TCP or HTTP port a sidecar serves"
                if protocol == "UDP"
                else f"a load balancer health check speaks only {', '.join(_HEALTH_CHECK_PROTOCOLS)}"
            )
            self.add(
                Severity.ERROR,
                "health-check-protocol",
                f"target group {tg.name}'s health check protocol is {protocol}: {reason}",
                service=svc,
                source=tg,
                target=svc,
                fix=self.fix(tg, "health_check_protocol", "healthCheck"),
            )
        if port is None:
            self.add(
                Severity.UNKNOWN,
                "health-check-port",
                f"{tg.name}'s health-check port is unknown",
                service=svc,
                source=tg,
            )
        elif containers is not None:
            mapping = [
                (c.get("name"), proto) for c in containers for p, proto in _mappings(c) if p == port
            ]  # any container: an awsvpc task's containers share one network namespace
            over_tcp = [name for name, proto in mapping if proto == "tcp"]
            if over_tcp:
                hops.append(f"container {over_tcp[0]!r} maps {port}/tcp")
            else:
                broken = True
                hops.append(f"no container maps {port}/tcp ✗")
                only = f" (only over {'/'.join(sorted({p for _, p in mapping}))})" if mapping else ""
                td = self.refs(svc, "taskDefinition", TASK_DEFINITION)[0]
                self.add(
                    Severity.ERROR,
                    "health-check-port",
                    f"target group {tg.name} health-checks port {port} over {protocol}, but no container maps "
                    f"{port}/tcp{only}: every target stays unhealthy",
                    service=svc,
                    source=tg,
                    target=td,
                    fix=self.fix(tg, "health_check_port", "healthCheck"),
                )
        else:
            hops.append(f"container mapping {port}/tcp ?")
        if port is not None:
            text, hop_broken = self.prove_sg_hops(
                svc, tg, lb_sgs, lb_subnets, task_sgs, task_subnets, "tcp", port, health=True
            )
            broken |= hop_broken
            hops.append(text)
        self.add_path(svc, "health-check", hops, not broken)

    def check_desired_count(self, svc: Node) -> None:
        scaled = bool(self.referrers(svc, (SCALING_TARGET,), "resourceId"))
        ignored = {"desiredCount", "desired_count"} & set(svc.ignore_changes)
        if scaled and svc.get("desiredCount") is not None and not ignored:
            self.add(
                Severity.WARNING,
                "desired-count",
                f"{svc.name} is autoscaled but doesn't ignore changes to desiredCount: every `pulumi up` "
                "scales it back to the configured count",
                service=svc,
                source=svc,
                fix=self.fix(svc, "desired_count", "desiredCount"),
            )

    # -- image-pull and log paths --------------------------------------------------------------------

    def check_pull_and_logs(
        self, svc: Node, containers: list[dict[str, Any]] | None, task_sgs: list[Node], subnets: list[Node]
    ) -> None:
        if not subnets:
            self.add(
                Severity.UNKNOWN,
                "subnets",
                "the service's subnets aren't linked to subnets in this stack; image-pull and log paths can't be "
                "proven",
                service=svc,
                source=svc,
            )
            return
        route_tables: dict[str, list[Node]] = {}
        for subnet in subnets:
            tables = [
                rt
                for assoc in self.referrers(subnet, (ROUTE_TABLE_ASSOCIATION,), "subnetId")
                for rt in self.refs(assoc, "routeTableId", ROUTE_TABLE)
            ]
            route_tables[subnet.urn] = tables
            if not tables:
                self.add(
                    Severity.UNKNOWN,
                    "subnet-route-table",
                    f"subnet {subnet.name} has no route table association in this stack (it uses the VPC's main "
                    "route table, which this check can't see)",
                    service=svc,
                    source=subnet,
                )
        tables = list({rt.urn: rt for ts in route_tables.values() for rt in ts}.values())
        # A subnet on the VPC's main route table may have a NAT route this check can't see: a path
        # that only NAT could complete is then unknown, not broken.
        self.no_route_severity = Severity.UNKNOWN if any(not ts for ts in route_tables.values()) else Severity.ERROR
        nat_tables = [rt for rt in tables if self.nat_route(rt)]
        all_nat = bool(tables) and len(nat_tables) == len(tables)
        internet = self.find_rule(self.rules_on(self.egress, task_sgs), "tcp", HTTPS, internet=True)

        images = [c.get("image") for c in containers] if containers is not None else None
        public = [i for i in images or [] if isinstance(i, str) and not _ECR_IMAGE.match(i)]
        unknown_images = images is None or any(not isinstance(i, str) for i in images)
        uses_awslogs = containers is None or any(
            ((c.get("logConfiguration") or {}).get("logDriver") == "awslogs") for c in containers
        )
        base = f"{svc.name} in {_names(subnets)} → route tables {_names(tables)}"
        pull_hops, pull_ok = [base], True

        # Private ECR: ecr.api (auth, manifests), ecr.dkr (registry), then the layers from S3.
        if unknown_images and not all_nat:
            self.add(
                Severity.UNKNOWN,
                "image",
                "an image is unknown until deploy; with no NAT route only an image in this account's ECR can be pulled",
                service=svc,
                source=svc,
            )
        if (images and len(public) < len(images)) or unknown_images:
            for svc_name in _ECR_ENDPOINTS:
                text, ok = self.prove_interface(svc, svc_name, subnets, tables, task_sgs, all_nat, internet)
                pull_hops.append(text)
                pull_ok &= ok
            text, ok = self.prove_s3(svc, tables, task_sgs, internet)
            pull_hops.append(text)
            pull_ok &= ok
        for image in public:
            if all_nat and internet.status == "ok":
                pull_hops.append(f"{image} via NAT ({_names(nat_tables)}) ✓")
                continue
            pull_hops.append(f"{image} ✗")
            container = next(c for c in containers or [] if c.get("image") == image)
            if not all_nat:
                no_nat = [rt for rt in tables if rt not in nat_tables]
                pull_ok = pull_ok and self.no_route_severity is Severity.UNKNOWN
                self.add(
                    self.no_route_severity,
                    "public-image",
                    f"public registry image with no NAT: {image!r} (container {container.get('name')!r}) is not in "
                    f"ECR, and route tables {_names(no_nat)} have no 0.0.0.0/0 route to a NAT gateway; push it to "
                    "ECR, or give the network a NAT gateway and the service internet egress",
                    service=svc,
                    source=svc,
                    target=no_nat[0] if no_nat else None,
                    fix=self.fix(svc, self.image_concern(svc, container), "containerDefinitions"),
                )
            else:
                pull_ok = self.internet_egress_finding(svc, task_sgs, internet, f"pull {image!r}") and pull_ok
        self.add_path(svc, "image-pull", pull_hops, pull_ok)

        if uses_awslogs:
            text, ok = self.prove_interface(svc, _LOGS_ENDPOINT, subnets, tables, task_sgs, all_nat, internet)
            self.add_path(svc, "logs", [base, text], ok)

    def image_concern(self, svc: Node, container: dict[str, Any]) -> str:
        component = self.g.component_of(svc)
        if component is not None and component.type == UDP_COMPONENT and container.get("name") == "healthcheck":
            return "health_check_image"
        return "image"

    def nat_route(self, rt: Node) -> Node | None:
        for route in self.referrers(rt, (ROUTE,), "routeTableId"):
            if route.get("destinationCidrBlock") != ANYWHERE:
                continue
            nat = self.refs(route, "natGatewayId", NAT_GATEWAY)
            if nat or route.get("natGatewayId"):
                return route
        return None

    def internet_egress_finding(self, svc: Node, task_sgs: list[Node], internet: _Hop, purpose: str) -> bool:
        """Report task egress to the internet that isn't proven ok; False when it is missing."""
        self.rule_finding(
            internet,
            "task-sg-egress-internet",
            missing=f"the route tables have a NAT route, but {_names(task_sgs)} allows no tcp/443 egress to "
            f"0.0.0.0/0, so the tasks can't {purpose} through it",
            unknown=f"whether {_names(task_sgs)} allows tcp/443 to the internet is known only at deploy",
            svc=svc,
            source=task_sgs[0] if task_sgs else svc,
            target=None,
            fix=self.fix(svc, "internet_egress", "securityGroups"),
        )
        return internet.status != "missing"

    def endpoints(self, suffix: str, subnets: list[Node], tables: list[Node]) -> list[Node]:
        """VPC endpoints for service `suffix` in the VPC of `subnets` (or attached to them/their tables)."""
        vpcs = {v.urn for s in subnets for v in self.g.refs(s, "vpcId")}
        subnet_urns = {s.urn for s in subnets}
        table_urns = {t.urn for t in tables}
        found = []
        for ep in self.g.of_type(VPC_ENDPOINT):
            name = ep.get("serviceName")
            if not isinstance(name, str) or not name.endswith(f".{suffix}"):
                continue
            linked = (
                {v.urn for v in self.g.refs(ep, "vpcId")} & vpcs
                or {s.urn for s in self.g.refs(ep, "subnetIds")} & subnet_urns
                or {t.urn for t in self.g.refs(ep, "routeTableIds")} & table_urns
            )
            if linked:
                found.append(ep)
        return found

    def prove_interface(
        self,
        svc: Node,
        endpoint: str,
        subnets: list[Node],
        tables: list[Node],
        task_sgs: list[Node],
        all_nat: bool,
        internet: _Hop,
    ) -> tuple[str, bool]:
        """Reach one AWS API from the tasks: through its interface endpoint (private DNS sends every
        call there once it exists) or, without one, through NAT."""
        hop = f"{endpoint.replace('.', '-')}-endpoint"
        eps = [
            e for e in self.endpoints(endpoint, subnets, tables) if e.get("vpcEndpointType", "Gateway") == "Interface"
        ]
        dns = [e for e in eps if e.get("privateDnsEnabled") is True]
        if eps and not dns and all(e.get("privateDnsEnabled") is None for e in eps):
            self.add(Severity.UNKNOWN, hop, f"{_names(eps)}'s privateDnsEnabled is unknown", service=svc, source=eps[0])
            return f"{endpoint} via {_names(eps)} ?", True
        if not dns:
            if all_nat and internet.status == "ok":
                return f"{endpoint} via NAT ✓", True
            if all_nat:
                reached = self.internet_egress_finding(svc, task_sgs, internet, f"reach {endpoint}")
                return f"{endpoint} via NAT ✗", reached
            why = (
                f" ({_names(eps)} has privateDnsEnabled false, so {endpoint} still resolves to public IPs)"
                if eps
                else ""
            )
            self.add(
                self.no_route_severity,
                hop,
                f"no {endpoint} interface endpoint with private DNS and no NAT route for {_names(subnets)}{why}: "
                + (
                    "the awslogs driver can't deliver logs, so the task fails to start"
                    if endpoint == _LOGS_ENDPOINT
                    else "tasks can't pull their image from ECR (CannotPullContainerError)"
                ),
                service=svc,
                source=subnets[0],
                target=eps[0] if eps else None,
                fix=self.fix(subnets[0], "nat_strategy", "serviceName"),
            )
            return f"{endpoint} endpoint ✗", self.no_route_severity is Severity.UNKNOWN
        ep = dns[0]
        covered = {s.urn for s in self.g.refs(ep, "subnetIds")}
        if covered and not {s.urn for s in subnets} <= covered:
            missing = [s for s in subnets if s.urn not in covered]
            self.add(
                Severity.WARNING,
                f"{hop}-subnets",
                f"{ep.name} has no network interface in {_names(missing)}'s zone: calls cross zones, and fail "
                "if the endpoint's zones go down",
                service=svc,
                source=missing[0],
                target=ep,
                fix=self.fix(ep, "endpoint_subnets", "subnetIds"),
            )
        ep_sgs = self.refs(ep, "securityGroupIds", SECURITY_GROUP)
        if not ep_sgs:
            self.add(
                Severity.UNKNOWN,
                "endpoint-security-group",
                f"{ep.name}'s security groups aren't linked in this stack",
                service=svc,
                source=ep,
            )
            return f"{endpoint} via {ep.name} ?", True
        ep_subnets = self.refs(ep, "subnetIds", SUBNET)
        ingress = self.find_rule(self.rules_on(self.ingress, ep_sgs), "tcp", HTTPS, sgs=task_sgs, subnets=subnets)
        egress = self.find_rule(self.rules_on(self.egress, task_sgs), "tcp", HTTPS, sgs=ep_sgs, subnets=ep_subnets)
        task_sg = task_sgs[0] if task_sgs else svc
        tasks, eps_text, fix = _names(task_sgs), _names(ep_sgs), self.fix(svc, "endpoint_sg", "securityGroupId")
        ingress_mark = self.rule_finding(
            ingress,
            "endpoint-sg-ingress",
            missing=f"no ingress rule on endpoint SG {eps_text} admits tcp/443 from {tasks}: tasks can't reach "
            f"{endpoint} ({ep.name})",
            unknown=f"whether {eps_text} admits tcp/443 from {tasks} is known only at deploy",
            svc=svc,
            source=task_sg,
            target=ep_sgs[0],
            fix=fix,
        )
        egress_mark = self.rule_finding(
            egress,
            "task-sg-egress-endpoint",
            missing=f"no egress rule on {tasks} allows tcp/443 to endpoint SG {eps_text}: tasks can't reach "
            f"{endpoint} ({ep.name})",
            unknown=f"whether {tasks} may send tcp/443 to {eps_text} is known only at deploy",
            svc=svc,
            source=task_sg,
            target=ep_sgs[0],
            fix=fix,
        )
        text = (
            f"{endpoint} via {ep.name} (private DNS): {eps_text} ingress tcp/443 from {tasks} {ingress_mark} "
            f"({tasks} egress tcp/443 to {eps_text} {egress_mark})"
        )
        ok = "missing" not in (ingress.status, egress.status)
        return text, ok

    def prove_s3(self, svc: Node, tables: list[Node], task_sgs: list[Node], internet: _Hop) -> tuple[str, bool]:
        """ECR's image layers come from S3: a gateway endpoint on each route table (or NAT), and task
        egress to the endpoint's prefix list."""
        gateways = [
            ep
            for ep in self.g.of_type(VPC_ENDPOINT)
            if isinstance(ep.get("serviceName"), str)
            and ep.get("serviceName").endswith(".s3")
            and ep.get("vpcEndpointType") == "Gateway"
        ]
        ok, texts = True, []
        for rt in tables:
            on_table = [ep for ep in gateways if rt.urn in ep.property_dependencies.get("routeTableIds", ())]
            if on_table:
                ep = on_table[0]
                egress = self.find_rule(
                    self.rules_on(self.egress, task_sgs), "tcp", HTTPS, prefix_lists=[ep], internet=False
                )
                mark = self.rule_finding(
                    egress,
                    "task-sg-egress-s3",
                    missing=f"no egress rule on {_names(task_sgs)} allows tcp/443 to {ep.name}'s prefix list: tasks "
                    "fetch the image manifest but can't download its layers from S3",
                    unknown=f"whether {_names(task_sgs)} may reach {ep.name}'s prefix list is known only at deploy",
                    svc=svc,
                    source=task_sgs[0] if task_sgs else svc,
                    target=ep,
                    fix=self.fix(svc, "s3_prefix_list", "prefixListId"),
                )
                ok = ok and egress.status != "missing"
                if egress.status == "ok":
                    mark = f"({_names(task_sgs)} egress tcp/443 to prefix list ✓)"
                texts.append(f"s3 via {ep.name} on {rt.name} {mark}")
            elif self.nat_route(rt) and internet.status == "ok":
                texts.append(f"s3 via NAT on {rt.name} ✓")
            elif self.nat_route(rt):
                ok = self.internet_egress_finding(svc, task_sgs, internet, "download image layers from S3") and ok
                texts.append(f"s3 via NAT on {rt.name} ✗")
            else:
                ok = False
                texts.append(f"s3 on {rt.name} ✗")
                self.add(
                    Severity.ERROR,
                    "s3-gateway-endpoint",
                    f"route table {rt.name} has no S3 gateway endpoint and no NAT route: tasks can't download ECR "
                    "image layers (they live in S3)",
                    service=svc,
                    source=rt,
                    target=gateways[0] if gateways else None,
                    fix=self.fix(rt, "nat_strategy", "routeTableIds"),
                )
        return "; ".join(texts) or "s3 ?", ok

    # -- stack-wide deploy checks ---------------------------------------------------------------------

    def check_names(self) -> None:
        for node in self.of_types((*LOAD_BALANCERS, *TARGET_GROUPS)):
            hop = "lb-name" if node.type in LOAD_BALANCERS else "tg-name"
            kind = "load balancer" if hop == "lb-name" else "target group"
            name, prefix = node.get("name"), node.get("namePrefix")
            fix = self.fix(node, "name", "name")
            if isinstance(name, str):
                problem = None
                if len(name) > MAX_LB_NAME:
                    problem = f"is {len(name)} characters; the limit is {MAX_LB_NAME}"
                elif not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?", name):
                    problem = "may hold only letters, digits and hyphens, not at either end"
                elif hop == "lb-name" and name.startswith("internal-"):
                    problem = "can't begin with 'internal-'"
                if problem:
                    self.add(Severity.ERROR, hop, f"{kind} name {name!r} {problem}", source=node, fix=fix)
            elif isinstance(prefix, str):
                if len(prefix) > MAX_NAME_PREFIX:
                    self.add(
                        Severity.ERROR,
                        hop,
                        f"{kind} namePrefix {prefix!r} is {len(prefix)} characters; the limit is {MAX_NAME_PREFIX}",
                        source=node,
                        fix=self.fix(node, "name", "namePrefix"),
                    )
            elif node.property_dependencies.get("name") or node.property_dependencies.get("namePrefix"):
                self.add(Severity.UNKNOWN, hop, f"{kind} {node.name}'s name is known only at deploy", source=node)
            elif len(node.name) + AUTONAME_SUFFIX > MAX_LB_NAME:
                self.add(
                    Severity.ERROR,
                    hop,
                    f"{kind} {node.name!r} has no name, so Pulumi auto-names it '{node.name}-xxxxxxx': "
                    f"{len(node.name) + AUTONAME_SUFFIX} characters, over the {MAX_LB_NAME}-character limit "
                    f"(logical names must be at most {MAX_LB_NAME - AUTONAME_SUFFIX})",
                    source=node,
                    fix=fix,
                )

    def check_fargate_sizes(self) -> None:
        fargate_tds = {
            td.urn: td
            for svc in self.g.of_type(SERVICE)
            if svc.get("launchType") == "FARGATE"
            for td in self.refs(svc, "taskDefinition", TASK_DEFINITION)
        }
        for td in self.g.of_type(TASK_DEFINITION):
            if "FARGATE" in (td.get("requiresCompatibilities") or ()):
                fargate_tds[td.urn] = td
        for td in fargate_tds.values():
            cpu, memory = _size(td.get("cpu"), "vcpu"), _size(td.get("memory"), "gb")
            if cpu is None or memory is None:
                if td.get("cpu") is None or td.get("memory") is None:
                    self.add(
                        Severity.UNKNOWN if td.property_dependencies.get("cpu") else Severity.ERROR,
                        "fargate-size",
                        f"task definition {td.name} sets no cpu/memory, which Fargate requires",
                        source=td,
                        fix=self.fix(td, "cpu", "cpu"),
                    )
                continue
            allowed = fargate_memory_options(cpu)
            if not allowed:
                self.add(
                    Severity.ERROR,
                    "fargate-size",
                    f"task definition {td.name} has cpu {cpu}; Fargate accepts {', '.join(map(str, FARGATE_MEMORY))}",
                    source=td,
                    fix=self.fix(td, "cpu", "cpu"),
                )
            elif memory not in allowed:
                step = allowed[1] - allowed[0]
                listed = (
                    ", ".join(map(str, allowed)) if len(allowed) <= 4 else f"{allowed[0]}–{allowed[-1]} step {step}"
                )
                self.add(
                    Severity.ERROR,
                    "fargate-size",
                    f"task definition {td.name} has cpu {cpu} with memory {memory} MiB; Fargate allows {listed}",
                    source=td,
                    fix=self.fix(td, "memory", "memory"),
                )

    def check_scaling(self) -> None:
        for target in self.g.of_type(SCALING_TARGET):
            low, high = _int(target.get("minCapacity")), _int(target.get("maxCapacity"))
            if low is None or high is None:
                self.add(Severity.UNKNOWN, "scaling-bounds", f"{target.name}'s capacity is unknown", source=target)
            elif low < 0 or high < 0:
                self.add(
                    Severity.ERROR,
                    "scaling-bounds",
                    f"{target.name} has minCapacity {low}, maxCapacity {high}: both must be 0 or more",
                    source=target,
                    fix=self.fix(target, "scaling_min", "minCapacity"),
                )
            elif low > high:
                self.add(
                    Severity.ERROR,
                    "scaling-bounds",
                    f"{target.name} has minCapacity {low} greater than maxCapacity {high}",
                    source=target,
                    target=next(iter(self.refs(target, "resourceId", SERVICE)), None),
                    fix=self.fix(target, "scaling_min", "minCapacity"),
                )
        for policy in self.g.of_type(SCALING_POLICY):
            if policy.get("policyType") != "TargetTrackingScaling":
                continue
            config = policy.get("targetTrackingScalingPolicyConfiguration", {}) or {}
            metric = (config.get("predefinedMetricSpecification") or {}).get("predefinedMetricType")
            if metric not in _SCALING_METRICS:
                continue
            value = _number(config.get("targetValue"))
            concern = "cpu_target" if "CPU" in metric else "memory_target"
            if value is None:
                self.add(
                    Severity.UNKNOWN,
                    "scaling-target-value",
                    f"{policy.name}'s targetValue is unknown",
                    source=policy,
                )
            elif not 0 < value <= 100:
                self.add(
                    Severity.ERROR,
                    "scaling-target-value",
                    f"{policy.name} tracks {metric} at {value:g}%; a utilisation target must be above 0 and "
                    "at most 100",
                    source=policy,
                    fix=self.fix(policy, concern, "targetTrackingScalingPolicyConfiguration"),
                )


# Component arguments behind each concern, per component type: a finding names the argument to
# change (and its config key) rather than the resource input the component derived from it.
_SERVICE_ARGUMENTS = {
    "client_cidrs": "allowed_cidrs",
    "health_check_port": "health_check.port",
    "health_check_protocol": "health_check.protocol",
    "image": "image",
    "cpu": "cpu",
    "memory": "memory",
    "scaling_min": "scaling.min_count",
    "cpu_target": "scaling.cpu_target",
    "memory_target": "scaling.memory_target",
    "name": "name",
    "endpoint_sg": "endpoint_security_group_id",
    "s3_prefix_list": "s3_prefix_list_id",
    "internet_egress": "internet_egress",
}
# Arguments a program wires from other components' outputs (or the component's own name), which no
# stack config key sets.
_NOT_CONFIG = {"name", "endpoint_security_group_id", "s3_prefix_list_id", "internet_egress"}
_ARGUMENTS: dict[str, dict[str, str]] = {
    WEB_COMPONENT: {**_SERVICE_ARGUMENTS, "traffic_port": "container_port", "listener_port": "listener_port"},
    UDP_COMPONENT: {
        **_SERVICE_ARGUMENTS,
        "traffic_port": "udp_port",
        "listener_port": "udp_port",
        "health_check_image": "health_check_image",
    },
    NETWORK_COMPONENT: {"nat_strategy": "nat_strategy"},
}
