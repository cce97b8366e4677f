"""What the emulation is built from: the recorded resources, read into plain data.

`read(recording)` turns a `fargatelb.mocks.Recording` (the same one the offline preview draws) into
a `Stack`: subnets with their route tables, security groups with their rules, load balancers with
listeners and target groups, VPC endpoints, and every ECS service with its task definition's
containers. Resources are linked through property dependencies (URNs) and found by type token,
never by resource name, so any number of services, listeners and rules is read the same way.

Only two links use recorded *values*, because a property dependency can't tell them apart: which
`awsx:ecr:Image` a container runs (its `image` string is that Image's `imageUri` output), and which
target group an action or a `loadBalancers` entry means when one resource depends on several (its
`targetGroupArn` is that group's `arn` output). Both are known in a recording, which is all the
emulation runs on.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fargatelb.graph import Graph, Node
from fargatelb.mocks import Recording

VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ROUTE = "aws:ec2/route:Route"
INTERNET_GATEWAY = "aws:ec2/internetGateway:InternetGateway"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
TARGET_GROUPS = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECR_IMAGE = "awsx:ecr:Image"
DOCKER_BUILD_IMAGE = "docker-build:index:Image"


def _int(value: Any, default: int | None = None) -> int | None:
    if isinstance(value, bool) or value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return int(number) if number.is_integer() else default


@dataclass(frozen=True)
class RouteTable:
    urn: str
    name: str
    internet_gateway: bool
    """A 0.0.0.0/0 route to an internet gateway."""
    nat_gateway: bool
    """A 0.0.0.0/0 route to a NAT gateway (not emulated: paths that need it are reported unknown)."""


@dataclass(frozen=True)
class Subnet:
    urn: str
    name: str
    cidr: ipaddress.IPv4Network
    zone: str
    route_table: RouteTable | None


@dataclass(frozen=True)
class Rule:
    """One security-group rule, ingress or egress, with its other side resolved to resources."""

    urn: str
    name: str
    group: str
    """URN of the security group the rule belongs to."""
    egress: bool
    protocol: str
    """"tcp", "udp", "icmp" or "-1" (all)."""
    from_port: int
    to_port: int
    cidrs: tuple[ipaddress.IPv4Network, ...] = ()
    peer_groups: tuple[str, ...] = ()
    """URNs of referenced security groups: their members' addresses."""
    prefix_lists: tuple[str, ...] = ()
    """URNs of the gateway endpoints whose prefix list the rule names."""

    def describe(self) -> str:
        ports = "all ports" if self.protocol == "-1" else f"{self.protocol}/{self.from_port}"
        if self.protocol != "-1" and self.to_port != self.from_port:
            ports += f"-{self.to_port}"
        return ports


@dataclass(frozen=True)
class SecurityGroup:
    urn: str
    name: str


@dataclass(frozen=True)
class HealthCheck:
    enabled: bool
    protocol: str
    port: int | None
    """None: the traffic port."""
    path: str
    matcher: str
    interval: float
    timeout: float
    healthy: int
    unhealthy: int


@dataclass(frozen=True)
class TargetGroup:
    urn: str
    name: str
    protocol: str
    port: int
    health: HealthCheck
    deregistration_delay: float
    arn: str | None


@dataclass(frozen=True)
class Action:
    type: str
    """forward, redirect or fixed-response."""
    target_group: str | None = None
    redirect: dict[str, Any] = field(default_factory=dict)
    fixed_response: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ListenerRule:
    urn: str
    name: str
    priority: int
    conditions: tuple[dict[str, Any], ...]
    action: Action


@dataclass(frozen=True)
class Listener:
    urn: str
    name: str
    protocol: str
    port: int
    default_action: Action
    certificate_arn: str | None
    ssl_policy: str | None
    rules: tuple[ListenerRule, ...]


@dataclass(frozen=True)
class LoadBalancer:
    urn: str
    name: str
    type: str
    """application or network."""
    internal: bool
    subnets: tuple[Subnet, ...]
    groups: tuple[str, ...]
    cross_zone: bool
    listeners: tuple[Listener, ...]


@dataclass(frozen=True)
class Endpoint:
    urn: str
    name: str
    service: str
    """Short service name: ecr.api, ecr.dkr, logs, s3, ..."""
    kind: str
    """Interface or Gateway."""
    subnets: tuple[Subnet, ...] = ()
    groups: tuple[str, ...] = ()
    route_tables: tuple[str, ...] = ()
    private_dns: bool = False


@dataclass(frozen=True)
class Mount:
    volume: str
    path: str
    read_only: bool


@dataclass(frozen=True)
class Container:
    name: str
    image: str
    context: Path | None
    """The app directory the image is built from (`awsx:ecr:Image`'s context), or None."""
    essential: bool
    user: str | None
    read_only_root: bool
    environment: dict[str, str]
    secrets: tuple[str, ...]
    ports: tuple[tuple[int, str], ...]
    """(containerPort, protocol) of each port mapping."""
    mounts: tuple[Mount, ...]
    depends_on: tuple[str, ...]
    command: tuple[str, ...] | None
    entry_point: tuple[str, ...] | None
    stop_timeout: float


@dataclass(frozen=True)
class Attachment:
    """One `loadBalancers` entry of a service: a target group and the container port it sends to."""

    target_group: str
    container: str
    port: int


@dataclass(frozen=True)
class Service:
    urn: str
    name: str
    subnets: tuple[Subnet, ...]
    groups: tuple[str, ...]
    containers: tuple[Container, ...]
    volumes: tuple[str, ...]
    attachments: tuple[Attachment, ...]
    family: str


@dataclass
class Stack:
    vpc_cidr: ipaddress.IPv4Network
    subnets: list[Subnet]
    groups: dict[str, SecurityGroup]
    rules: list[Rule]
    load_balancers: list[LoadBalancer]
    target_groups: dict[str, TargetGroup]
    endpoints: list[Endpoint]
    services: list[Service]
    notes: list[str] = field(default_factory=list)
    """What the recording holds that the emulation doesn't model, each said once."""

    def group_name(self, urn: str) -> str:
        return self.groups[urn].name if urn in self.groups else urn.rsplit("::", 1)[-1]

    def rules_of(self, group: str, egress: bool) -> list[Rule]:
        return [r for r in self.rules if r.group == group and r.egress == egress]


class _Reader:
    def __init__(self, recording: Recording) -> None:
        self.g: Graph = recording.graph()
        self.outputs = {r.urn: r.outputs for r in recording.registrations}
        self.notes: list[str] = []

    def of(self, tokens: str | Iterable[str]) -> list[Node]:
        wanted = {tokens} if isinstance(tokens, str) else set(tokens)
        return [n for n in self.g.nodes if n.type in wanted]

    def refs(self, node: Node, prop: str, tokens: str | Iterable[str]) -> list[Node]:
        wanted = {tokens} if isinstance(tokens, str) else set(tokens)
        return [n for n in self.g.refs(node, prop) if n.type in wanted]

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # -- network ------------------------------------------------------------------------------

    def route_tables(self) -> dict[str, RouteTable]:
        tables = {}
        for rt in self.of(ROUTE_TABLE):
            igw = nat = False
            routes = [r for r in self.of(ROUTE) if rt.urn in r.property_dependencies.get("routeTableId", ())]
            for route in routes:
                if route.get("destinationCidrBlock") != "0.0.0.0/0":
                    self.note(f"route {route.name} to {route.get('destinationCidrBlock')} is not emulated")
                    continue
                igw = igw or bool(self.refs(route, "gatewayId", INTERNET_GATEWAY))
                nat = nat or bool(self.refs(route, "natGatewayId", NAT_GATEWAY))
            for inline in rt.get("routes") or []:
                if isinstance(inline, dict) and inline.get("cidrBlock") == "0.0.0.0/0":
                    igw = igw or bool(self.refs(rt, "routes", INTERNET_GATEWAY))
                    nat = nat or bool(self.refs(rt, "routes", NAT_GATEWAY))
            if nat:
                self.note(f"route table {rt.name} routes to a NAT gateway, which is not emulated")
            tables[rt.urn] = RouteTable(rt.urn, rt.name, internet_gateway=igw, nat_gateway=nat)
        return tables

    def subnets(self) -> dict[str, Subnet]:
        tables = self.route_tables()
        by_subnet: dict[str, RouteTable] = {}
        for assoc in self.of(ROUTE_TABLE_ASSOCIATION):
            for subnet in self.refs(assoc, "subnetId", SUBNET):
                for rt in self.refs(assoc, "routeTableId", ROUTE_TABLE):
                    by_subnet[subnet.urn] = tables[rt.urn]
        subnets = {}
        for node in self.of(SUBNET):
            cidr = node.get("cidrBlock")
            if not isinstance(cidr, str):
                self.note(f"subnet {node.name} has no recorded cidrBlock: left out")
                continue
            subnets[node.urn] = Subnet(
                node.urn,
                node.name,
                ipaddress.IPv4Network(cidr),
                str(node.get("availabilityZone", "?")),
                by_subnet.get(node.urn),
            )
        return subnets

    def rules(self) -> list[Rule]:
        rules = []
        for node in self.of((INGRESS_RULE, EGRESS_RULE)):
            protocol = str(node.get("ipProtocol", "-1")).lower()
            protocol = {"all": "-1", "6": "tcp", "17": "udp", "1": "icmp"}.get(protocol, protocol)
            cidr = node.get("cidrIpv4")
            if node.get("cidrIpv6"):
                self.note(f"{node.name}: IPv6 rules are not emulated (the emulated VPC is IPv4 only)")
            for group in self.refs(node, "securityGroupId", SECURITY_GROUP):
                rules.append(
                    Rule(
                        node.urn,
                        node.name,
                        group.urn,
                        egress=node.type == EGRESS_RULE,
                        protocol=protocol,
                        from_port=_int(node.get("fromPort"), 0) or 0,
                        to_port=_int(node.get("toPort"), 65535) or 0,
                        cidrs=(ipaddress.IPv4Network(cidr),) if isinstance(cidr, str) else (),
                        peer_groups=tuple(n.urn for n in self.refs(node, "referencedSecurityGroupId", SECURITY_GROUP)),
                        prefix_lists=tuple(n.urn for n in self.refs(node, "prefixListId", VPC_ENDPOINT)),
                    )
                )
        for node in self.of(LEGACY_RULE):
            self.note(f"{node.name}: aws:ec2/securityGroupRule is not emulated, so it admits nothing here")
        for node in self.of(SECURITY_GROUP):
            if node.get("ingress") or node.get("egress"):
                self.note(f"{node.name}: inline SG rules are not emulated, so they admit nothing here")
        return rules

    def endpoints(self, subnets: dict[str, Subnet]) -> list[Endpoint]:
        out = []
        for node in self.of(VPC_ENDPOINT):
            service = str(node.get("serviceName", ""))
            short = service.split(".", 3)[-1] if service.count(".") >= 3 else service
            out.append(
                Endpoint(
                    node.urn,
                    node.name,
                    short,
                    str(node.get("vpcEndpointType", "Gateway")),
                    subnets=tuple(subnets[s.urn] for s in self.refs(node, "subnetIds", SUBNET) if s.urn in subnets),
                    groups=tuple(n.urn for n in self.refs(node, "securityGroupIds", SECURITY_GROUP)),
                    route_tables=tuple(n.urn for n in self.refs(node, "routeTableIds", ROUTE_TABLE)),
                    private_dns=bool(node.get("privateDnsEnabled", False)),
                )
            )
        return out

    # -- load balancers -----------------------------------------------------------------------

    def target_groups(self) -> dict[str, TargetGroup]:
        out = {}
        for node in self.of(TARGET_GROUPS):
            protocol = str(node.get("protocol", "HTTP")).upper()
            hc = node.get("healthCheck") or {}
            default_hc = "HTTP" if protocol in ("HTTP", "HTTPS") else "TCP"
            port = hc.get("port", "traffic-port")
            out[node.urn] = TargetGroup(
                node.urn,
                node.name,
                protocol,
                _int(node.get("port"), 80) or 80,
                HealthCheck(
                    enabled=bool(hc.get("enabled", True)),
                    protocol=str(hc.get("protocol", default_hc)).upper(),
                    port=None if port in (None, "traffic-port") else _int(port),
                    path=str(hc.get("path", "/")),
                    matcher=str(hc.get("matcher", "200" if protocol.startswith("HTTP") else "200-399")),
                    interval=float(hc.get("interval", 30)),
                    timeout=float(hc.get("timeout", 5 if protocol.startswith("HTTP") else 10)),
                    healthy=_int(hc.get("healthyThreshold"), 5) or 5,
                    unhealthy=_int(hc.get("unhealthyThreshold"), 2) or 2,
                ),
                float(node.get("deregistrationDelay", 300)),
                self.outputs.get(node.urn, {}).get("arn"),
            )
        return out

    def action(self, raw: dict[str, Any], candidates: list[Node], tgs: dict[str, TargetGroup]) -> Action:
        kind = str(raw.get("type", "forward"))
        if kind != "forward":
            return Action(kind, redirect=raw.get("redirect") or {}, fixed_response=raw.get("fixedResponse") or {})
        arn = raw.get("targetGroupArn")
        if arn is None:
            groups = (raw.get("forward") or {}).get("targetGroups") or []
            arn = groups[0].get("arn") if groups else None
            if len(groups) > 1:
                self.note("weighted forward actions are emulated as a forward to their first target group")
        if len(candidates) == 1:
            return Action(kind, target_group=candidates[0].urn)
        for tg in candidates:
            if tgs[tg.urn].arn == arn:
                return Action(kind, target_group=tg.urn)
        return Action(kind)

    def listeners(self, lb: Node, tgs: dict[str, TargetGroup]) -> tuple[Listener, ...]:
        out = []
        for node in self.of(LISTENERS):
            if lb.urn not in node.property_dependencies.get("loadBalancerArn", ()):
                continue
            candidates = self.refs(node, "defaultActions", TARGET_GROUPS)
            actions = node.get("defaultActions") or [{}]
            rules = []
            for rule in self.of(LISTENER_RULES):
                if node.urn not in rule.property_dependencies.get("listenerArn", ()):
                    continue
                raw_actions = rule.get("actions") or [{}]
                rules.append(
                    ListenerRule(
                        rule.urn,
                        rule.name,
                        _int(rule.get("priority"), 50000) or 50000,
                        tuple(rule.get("conditions") or ()),
                        self.action(raw_actions[-1], self.refs(rule, "actions", TARGET_GROUPS), tgs),
                    )
                )
            out.append(
                Listener(
                    node.urn,
                    node.name,
                    str(node.get("protocol", "HTTP")).upper(),
                    _int(node.get("port"), 80) or 80,
                    self.action(actions[-1], candidates, tgs),
                    node.get("certificateArn"),
                    node.get("sslPolicy"),
                    tuple(sorted(rules, key=lambda r: r.priority)),
                )
            )
        return tuple(sorted(out, key=lambda listener: listener.port))

    def load_balancers(self, subnets: dict[str, Subnet], tgs: dict[str, TargetGroup]) -> list[LoadBalancer]:
        out = []
        for node in self.of(LOAD_BALANCERS):
            kind = str(node.get("loadBalancerType", "application"))
            out.append(
                LoadBalancer(
                    node.urn,
                    node.name,
                    kind,
                    bool(node.get("internal", False)),
                    tuple(subnets[s.urn] for s in self.refs(node, "subnets", SUBNET) if s.urn in subnets),
                    tuple(n.urn for n in self.refs(node, "securityGroups", SECURITY_GROUP)),
                    bool(node.get("enableCrossZoneLoadBalancing", kind == "application")),
                    self.listeners(node, tgs),
                )
            )
        return out

    # -- services -----------------------------------------------------------------------------

    def contexts(self, td: Node) -> dict[str, Path]:
        """Image URI → app directory, for the images this task definition's containers run: the
        build's context (docker-build's `context.location`, or awsx's `context`)."""
        out = {}
        for image in self.refs(td, "containerDefinitions", ECR_IMAGE):
            uri = self.outputs.get(image.urn, {}).get("imageUri")
            context = image.get("context")
            if isinstance(uri, str) and isinstance(context, str):
                out[uri] = Path(context)
        raw = td.get("containerDefinitions") or "[]"
        uris = [str(c.get("image", "")) for c in (json.loads(raw) if isinstance(raw, str) else raw)]
        for image in self.refs(td, "containerDefinitions", DOCKER_BUILD_IMAGE):
            digest = self.outputs.get(image.urn, {}).get("digest")
            location = (image.get("context") or {}).get("location")
            for uri in uris:
                if isinstance(digest, str) and isinstance(location, str) and uri.endswith("@" + digest):
                    out[uri] = Path(location)
        return out

    def containers(self, td: Node) -> tuple[Container, ...]:
        raw = td.get("containerDefinitions") or "[]"
        definitions = json.loads(raw) if isinstance(raw, str) else raw
        contexts = self.contexts(td)
        out = []
        for c in definitions:
            env = {e["name"]: str(e.get("value", "")) for e in c.get("environment") or [] if "name" in e}
            out.append(
                Container(
                    name=c["name"],
                    image=str(c.get("image", "")),
                    context=contexts.get(str(c.get("image", ""))),
                    essential=bool(c.get("essential", True)),
                    user=c.get("user"),
                    read_only_root=bool(c.get("readonlyRootFilesystem", False)),
                    environment=env,
                    secrets=tuple(s["name"] for s in c.get("secrets") or [] if "name" in s),
                    ports=tuple(
                        (_int(m.get("containerPort"), 0) or 0, str(m.get("protocol", "tcp")).lower())
                        for m in c.get("portMappings") or []
                    ),
                    mounts=tuple(
                        Mount(m["sourceVolume"], m["containerPath"], bool(m.get("readOnly", False)))
                        for m in c.get("mountPoints") or []
                    ),
                    depends_on=tuple(d["containerName"] for d in c.get("dependsOn") or []),
                    command=tuple(c["command"]) if c.get("command") else None,
                    entry_point=tuple(c["entryPoint"]) if c.get("entryPoint") else None,
                    stop_timeout=float(c.get("stopTimeout", 30)),
                )
            )
        return tuple(out)

    def services(self, subnets: dict[str, Subnet], tgs: dict[str, TargetGroup]) -> list[Service]:
        out = []
        for node in self.of(SERVICE):
            tds = self.refs(node, "taskDefinition", TASK_DEFINITION)
            if not tds:
                self.note(f"service {node.name} has no recorded task definition: left out")
                continue
            td = tds[0]
            candidates = self.refs(node, "loadBalancers", TARGET_GROUPS)
            attachments = []
            for entry in node.get("loadBalancers") or []:
                action = self.action({"targetGroupArn": entry.get("targetGroupArn")}, candidates, tgs)
                if action.target_group:
                    attachments.append(
                        Attachment(
                            action.target_group, str(entry.get("containerName")), _int(entry["containerPort"]) or 0
                        )
                    )
            out.append(
                Service(
                    node.urn,
                    node.name,
                    tuple(subnets[s.urn] for s in self.refs(node, "networkConfiguration", SUBNET) if s.urn in subnets),
                    tuple(n.urn for n in self.refs(node, "networkConfiguration", SECURITY_GROUP)),
                    self.containers(td),
                    tuple(v["name"] for v in td.get("volumes") or [] if "name" in v),
                    tuple(attachments),
                    str(td.get("family", td.name)),
                )
            )
        return out


def read(recording: Recording) -> Stack:
    """The stack's data plane as recorded: everything the emulation builds is derived from this."""
    reader = _Reader(recording)
    vpcs = reader.of(VPC)
    if len(vpcs) != 1 or not isinstance(vpcs[0].get("cidrBlock"), str):
        raise ValueError(f"the emulation needs exactly one VPC with a recorded cidrBlock, found {len(vpcs)}")
    subnets = reader.subnets()
    tgs = reader.target_groups()
    return Stack(
        vpc_cidr=ipaddress.IPv4Network(vpcs[0].get("cidrBlock")),
        subnets=sorted(subnets.values(), key=lambda s: s.cidr),
        groups={n.urn: SecurityGroup(n.urn, n.name) for n in reader.of(SECURITY_GROUP)},
        rules=reader.rules(),
        load_balancers=reader.load_balancers(subnets, tgs),
        target_groups=tgs,
        endpoints=reader.endpoints(subnets),
        services=reader.services(subnets, tgs),
        notes=reader.notes,
    )
