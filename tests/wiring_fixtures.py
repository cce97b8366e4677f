"""Good graphs for the wiring check, and the helpers that break them one link at a time.

Two good graphs, each a private network with an HTTPS web service behind an ALB and a UDP service
behind an NLB (its health check on a sidecar's TCP port):

- `hand_built()`: Nodes written out by hand from the resource contract, independent of the
  components, so the check is tested against the contract rather than against itself;
- `synthesized()`: the real components run under the recording mocks.

Mutations never edit a shared graph: each helper returns a new `Graph` whose changed nodes are
copies made with `dataclasses.replace`. Nodes are located by role (`roles(graph, "web").task_sg`), by
walking the graph as the check does, so the same test breaks either graph.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from fargatelb.graph import Graph, Node

PROJECT, STACK = "fargate-lb", "test"
STACK_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
REGION, ACCOUNT = "eu-west-1", "123456789012"
ECR = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
WEB_PORT, UDP_PORT, HEALTH_PORT = 8080, 1234, 8080

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
NAT = "aws:ec2/natGateway:NatGateway"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SERVICE = "aws:ecs/service:Service"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
TG = "aws:lb/targetGroup:TargetGroup"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCALING_POLICY = "aws:appautoscaling/policy:Policy"


# ---------------------------------------------------------------------------------------------
# Building


class Builder:
    """Writes Nodes as the engine records them: URNs with the parent's type chain, inputs with ids
    of the resources they reference, and a property dependency for every reference."""

    def __init__(self) -> None:
        self.nodes: list[Node] = [Node(STACK_URN, "pulumi:pulumi:Stack", f"{PROJECT}-{STACK}", {}, custom=False)]
        self.ids: dict[str, str] = {}
        """URN → the id (or ARN) a real provider would return: unknown in a preview."""

    def component(self, token: str, name: str) -> Node:
        node = Node(f"urn:pulumi:{STACK}::{PROJECT}::{token}::{name}", token, name, {}, parent=STACK_URN, custom=False)
        self.nodes.append(node)
        return node

    def id(self, node: Node) -> str:
        # Nodes of another graph (when adding to one) get a stand-in id of the same shape.
        return self.ids.get(node.urn) or f"{node.type.split(':')[-1].lower()}-{node.name}"

    def add(self, parent: Node, token: str, name: str, props: dict[str, Any], **deps: Node | list[Node]) -> Node:
        urn = f"urn:pulumi:{STACK}::{PROJECT}::{parent.type}${token}::{name}"
        links = {k: [n.urn for n in (v if isinstance(v, list) else [v])] for k, v in deps.items()}
        node = Node(
            urn,
            token,
            name,
            props,
            property_dependencies=links,
            dependencies=sorted({u for us in links.values() for u in us}),
            parent=parent.urn,
        )
        digest = hashlib.sha256(urn.encode()).hexdigest()
        kind = token.split(":")[-1]
        prefix = {"SecurityGroup": "sg-", "Subnet": "subnet-", "RouteTable": "rtb-", "VpcEndpoint": "vpce-"}
        prefix |= {"Vpc": "vpc-", "NatGateway": "nat-", "InternetGateway": "igw-"}
        if kind in prefix:
            self.ids[urn] = prefix[kind] + digest[:17]
        else:
            self.ids[urn] = f"arn:aws:mock:{REGION}:{ACCOUNT}:{kind.lower()}/{name}-{digest[:7]}"
        self.nodes.append(node)
        return node

    def rule(
        self, parent: Node, name: str, group: Node, protocol: str, port: int, *, egress: bool = False, **peer: Any
    ) -> Node:
        """A separate SG rule; `peer` is one of sg=Node, cidr=str, cidr_from=Node (a computed CIDR)
        or prefix_list=Node (an S3 gateway endpoint)."""
        props: dict[str, Any] = {
            "securityGroupId": self.id(group),
            "ipProtocol": protocol,
            "fromPort": float(port),
            "toPort": float(port),
            "description": name,
        }
        deps: dict[str, Node] = {"securityGroupId": group}
        if "sg" in peer:
            props["referencedSecurityGroupId"] = self.id(peer["sg"])
            deps["referencedSecurityGroupId"] = peer["sg"]
        elif "prefix_list" in peer:
            props["prefixListId"] = "pl-" + self.id(peer["prefix_list"])[5:13]
            deps["prefixListId"] = peer["prefix_list"]
        elif "cidr_from" in peer:
            props["cidrIpv4"] = peer["cidr_from"].props["cidrBlock"]
            deps["cidrIpv4"] = peer["cidr_from"]
        else:
            props["cidrIpv4"] = peer["cidr"]
        return self.add(parent, EGRESS if egress else INGRESS, name, props, **deps)

    def graph(self) -> Graph:
        return Graph(self.nodes)


@dataclasses.dataclass(frozen=True)
class Network:
    component: Node
    vpc: Node
    public_subnets: list[Node]
    private_subnets: list[Node]
    private_route_tables: list[Node]
    endpoint_sg: Node
    s3: Node


def _network(b: Builder) -> Network:
    net = b.component("fargatelb:index:PrivateNetwork", "net")
    vpc = b.add(net, "aws:ec2/vpc:Vpc", "net-vpc", {"cidrBlock": "10.0.0.0/16", "enableDnsSupport": True})
    igw = b.add(net, "aws:ec2/internetGateway:InternetGateway", "net-igw", {"vpcId": b.id(vpc)}, vpcId=vpc)
    public_rt = b.add(net, ROUTE_TABLE, "net-public-rt", {"vpcId": b.id(vpc)}, vpcId=vpc)
    b.add(
        net, ROUTE, "net-public-default",
        {"routeTableId": b.id(public_rt), "destinationCidrBlock": "0.0.0.0/0", "gatewayId": b.id(igw)},
        routeTableId=public_rt, gatewayId=igw,
    )  # fmt: skip
    public: list[Node] = []
    private: list[Node] = []
    tables: list[Node] = []
    for i, zone in enumerate(("a", "b")):
        for kind, block, out in (
            ("public", f"10.0.{i}.0/24", public),
            ("private", f"10.0.{128 + i * 16}.0/20", private),
        ):
            subnet = b.add(
                net, SUBNET, f"net-{kind}-{i}",
                {"vpcId": b.id(vpc), "cidrBlock": block, "availabilityZone": f"{REGION}{zone}",
                 "mapPublicIpOnLaunch": False},
                vpcId=vpc,
            )  # fmt: skip
            out.append(subnet)
        rt = b.add(net, ROUTE_TABLE, f"net-private-rt-{i}", {"vpcId": b.id(vpc)}, vpcId=vpc)
        tables.append(rt)
        for kind, subnet, table in (("public", public[i], public_rt), ("private", private[i], rt)):
            b.add(
                net, "aws:ec2/routeTableAssociation:RouteTableAssociation", f"net-{kind}-{i}",
                {"subnetId": b.id(subnet), "routeTableId": b.id(table)}, subnetId=subnet, routeTableId=table,
            )  # fmt: skip
    endpoint_sg = b.add(net, SG, "net-endpoints-sg", {"vpcId": b.id(vpc), "description": "endpoints"}, vpcId=vpc)
    for service in ("ecr.api", "ecr.dkr", "logs"):
        b.add(
            net, ENDPOINT, f"net-vpce-{service.replace('.', '-')}",
            {"vpcId": b.id(vpc), "serviceName": f"com.amazonaws.{REGION}.{service}", "vpcEndpointType": "Interface",
             "privateDnsEnabled": True, "subnetIds": [b.id(s) for s in private],
             "securityGroupIds": [b.id(endpoint_sg)]},
            vpcId=vpc, subnetIds=private, securityGroupIds=endpoint_sg,
        )  # fmt: skip
    s3 = b.add(
        net, ENDPOINT, "net-vpce-s3",
        {"vpcId": b.id(vpc), "serviceName": f"com.amazonaws.{REGION}.s3", "vpcEndpointType": "Gateway",
         "routeTableIds": [b.id(t) for t in tables]},
        vpcId=vpc, routeTableIds=tables,
    )  # fmt: skip
    return Network(net, vpc, public, private, tables, endpoint_sg, s3)


def _container(name: str, image: str, mappings: list[tuple[int, str]], log_group: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "essential": True,
        "user": "1000",
        "privileged": False,
        "readonlyRootFilesystem": True,
        "portMappings": [{"containerPort": p, "hostPort": p, "protocol": proto} for p, proto in mappings],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": log_group, "awslogs-region": REGION, "awslogs-stream-prefix": name},
        },
        **extra,
    }


def _fargate_half(
    b: Builder,
    comp: Node,
    net: Network,
    lb_sg: Node,
    tg: Node,
    containers: list[dict[str, Any]],
    lb_container: tuple[str, int],
    hops: list[tuple[str, int]],
) -> None:
    """Task definition, task SG and its rules, service and scaling: what `_service.py` builds."""
    name = comp.name
    logs = b.add(comp, "aws:cloudwatch/logGroup:LogGroup", f"{name}-logs", {"retentionInDays": 30.0})
    # The awslogs group is the log group's generated name: a preview can't know the JSON either.
    containers = [_container(log_group=b.id(logs), **c) for c in containers]
    cluster = b.add(comp, "aws:ecs/cluster:Cluster", f"{name}-cluster", {})
    task = b.add(
        comp, TASK, f"{name}-task",
        {"family": f"{PROJECT}-{STACK}-{name}", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
         "cpu": "256", "memory": "512", "containerDefinitions": json.dumps(containers)},
        containerDefinitions=logs,
    )  # fmt: skip
    task_sg = b.add(comp, SG, f"{name}-task-sg", {"vpcId": b.id(net.vpc), "description": "tasks"}, vpcId=net.vpc)
    for protocol, port in hops:
        b.rule(comp, f"{name}-task-in-{protocol}-{port}", task_sg, protocol, port, sg=lb_sg)
        b.rule(comp, f"{name}-lb-out-{protocol}-{port}", lb_sg, protocol, port, egress=True, sg=task_sg)
    b.rule(comp, f"{name}-endpoints-in", net.endpoint_sg, "tcp", 443, sg=task_sg)
    b.rule(comp, f"{name}-task-out-endpoints", task_sg, "tcp", 443, egress=True, sg=net.endpoint_sg)
    b.rule(comp, f"{name}-task-out-s3", task_sg, "tcp", 443, egress=True, prefix_list=net.s3)
    container, port = lb_container
    service = b.add(
        comp, SERVICE, f"{name}-service",
        {"cluster": b.id(cluster), "taskDefinition": b.id(task), "launchType": "FARGATE",
         "platformVersion": "LATEST", "desiredCount": 1.0,
         "networkConfiguration": {"subnets": [b.id(s) for s in net.private_subnets],
                                  "securityGroups": [b.id(task_sg)], "assignPublicIp": False},
         "loadBalancers": [{"targetGroupArn": b.id(tg), "containerName": container, "containerPort": float(port)}],
         "deploymentCircuitBreaker": {"enable": True, "rollback": True}, "healthCheckGracePeriodSeconds": 60.0},
        cluster=cluster, taskDefinition=task, networkConfiguration=[*net.private_subnets, task_sg], loadBalancers=tg,
    )  # fmt: skip
    b.nodes[-1] = dataclasses.replace(service, ignore_changes=["desiredCount"])
    target = b.add(
        comp, SCALING_TARGET, f"{name}-scaling",
        {"serviceNamespace": "ecs", "scalableDimension": "ecs:service:DesiredCount",
         "resourceId": f"service/{name}-cluster/{name}-service", "minCapacity": 1.0, "maxCapacity": 3.0},
        resourceId=[cluster, service],
    )  # fmt: skip
    b.add(
        comp, SCALING_POLICY, f"{name}-scaling-cpu",
        {"policyType": "TargetTrackingScaling", "serviceNamespace": "ecs", "resourceId": target.props["resourceId"],
         "scalableDimension": "ecs:service:DesiredCount",
         "targetTrackingScalingPolicyConfiguration": {
             "targetValue": 50.0, "scaleInCooldown": 300.0, "scaleOutCooldown": 60.0,
             "predefinedMetricSpecification": {"predefinedMetricType": "ECSServiceAverageCPUUtilization"}}},
        resourceId=target,
    )  # fmt: skip


def _web(b: Builder, net: Network) -> None:
    web = b.component("fargatelb:index:LoadBalancedFargateService", "web")
    alb_sg = b.add(web, SG, "web-alb-sg", {"vpcId": b.id(net.vpc), "description": "alb"}, vpcId=net.vpc)
    for port in (80, 443):
        b.rule(web, f"web-lb-in-tcp-{port}-0", alb_sg, "tcp", port, cidr="0.0.0.0/0")
    alb = b.add(
        web, LB, "web-alb",
        {"loadBalancerType": "application", "internal": False, "subnets": [b.id(s) for s in net.public_subnets],
         "securityGroups": [b.id(alb_sg)], "dropInvalidHeaderFields": True, "desyncMitigationMode": "defensive",
         "enableDeletionProtection": False},
        subnets=net.public_subnets, securityGroups=alb_sg,
    )  # fmt: skip
    tg = b.add(
        web, TG, "web-tg",
        {"port": float(WEB_PORT), "protocol": "HTTP", "targetType": "ip", "vpcId": b.id(net.vpc),
         "deregistrationDelay": 30.0,
         "healthCheck": {"enabled": True, "protocol": "HTTP", "port": "traffic-port", "path": "/",
                         "matcher": "200-399", "interval": 10.0, "timeout": 5.0, "healthyThreshold": 2.0,
                         "unhealthyThreshold": 3.0}},
        vpcId=net.vpc,
    )  # fmt: skip
    b.add(
        web, LISTENER, "web-https",
        {"loadBalancerArn": b.id(alb), "port": 443.0, "protocol": "HTTPS",
         "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
         "certificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
         "defaultActions": [{"type": "forward", "targetGroupArn": b.id(tg)}]},
        loadBalancerArn=alb, defaultActions=tg,
    )  # fmt: skip
    b.add(
        web, LISTENER, "web-http",
        {"loadBalancerArn": b.id(alb), "port": 80.0, "protocol": "HTTP",
         "defaultActions": [{"type": "redirect",
                             "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}]},
        loadBalancerArn=alb,
    )  # fmt: skip
    app = {"name": "app", "image": f"{ECR}/web:1.0", "mappings": [(WEB_PORT, "tcp")]}
    _fargate_half(b, web, net, alb_sg, tg, [app], ("app", WEB_PORT), [("tcp", WEB_PORT)])


def _udp(b: Builder, net: Network) -> None:
    udp = b.component("fargatelb:index:UdpNlbService", "udp")
    nlb_sg = b.add(udp, SG, "udp-nlb-sg", {"vpcId": b.id(net.vpc), "description": "nlb"}, vpcId=net.vpc)
    b.rule(udp, f"udp-lb-in-udp-{UDP_PORT}-0", nlb_sg, "udp", UDP_PORT, cidr_from=net.vpc)
    nlb = b.add(
        udp, LB, "udp-nlb",
        {"loadBalancerType": "network", "internal": True, "subnets": [b.id(s) for s in net.private_subnets],
         "securityGroups": [b.id(nlb_sg)], "enableCrossZoneLoadBalancing": True},
        subnets=net.private_subnets, securityGroups=nlb_sg,
    )  # fmt: skip
    tg = b.add(
        udp, TG, "udp-tg",
        {"port": float(UDP_PORT), "protocol": "UDP", "targetType": "ip", "vpcId": b.id(net.vpc),
         "deregistrationDelay": 30.0,
         "healthCheck": {"enabled": True, "protocol": "HTTP", "port": str(HEALTH_PORT), "path": "/healthz",
                         "matcher": "200-399", "interval": 10.0, "timeout": 5.0, "healthyThreshold": 2.0,
                         "unhealthyThreshold": 3.0}},
        vpcId=net.vpc,
    )  # fmt: skip
    b.add(
        udp, LISTENER, "udp-udp",
        {"loadBalancerArn": b.id(nlb), "port": float(UDP_PORT), "protocol": "UDP",
         "defaultActions": [{"type": "forward", "targetGroupArn": b.id(tg)}]},
        loadBalancerArn=nlb, defaultActions=tg,
    )  # fmt: skip
    containers: list[dict[str, Any]] = [
        {"name": "udp", "image": f"{ECR}/udp:1.0", "mappings": [(UDP_PORT, "udp")]},
        {"name": "healthcheck", "image": f"{ECR}/healthcheck:1.0", "mappings": [(HEALTH_PORT, "tcp")],
         "dependsOn": [{"containerName": "udp", "condition": "START"}],
         # The sidecar's contract (fargatelb/sidecar/README.md), as UdpNlbService sets it.
         "environment": [{"name": "HEALTH_PORT", "value": str(HEALTH_PORT)}, {"name": "HEALTH_MODE", "value": "http"},
                         {"name": "UDP_TARGET_HOST", "value": "127.0.0.1"},
                         {"name": "UDP_TARGET_PORT", "value": str(UDP_PORT)}]},
    ]  # fmt: skip
    _fargate_half(b, udp, net, nlb_sg, tg, containers, ("udp", UDP_PORT), [("udp", UDP_PORT), ("tcp", HEALTH_PORT)])


@dataclasses.dataclass(frozen=True)
class Fixture:
    graph: Graph
    computed: frozenset[str]
    """Ids and ARNs a provider returns on create: what a real preview shows as unknown."""


@functools.cache
def hand_built() -> Fixture:
    b = Builder()
    net = _network(b)
    _web(b, net)
    _udp(b, net)
    return Fixture(b.graph(), frozenset(b.ids.values()))


@functools.cache
def synthesized_recording() -> Any:
    """The real components under the recording mocks, as the root program composes them."""
    from fargatelb.mocks import synthesize
    from fargatelb.network import PrivateNetwork, PrivateNetworkArgs
    from fargatelb.udp import UdpNlbService, UdpNlbServiceArgs
    from fargatelb.web import LoadBalancedFargateService, LoadBalancedFargateServiceArgs

    def program() -> None:
        net = PrivateNetwork("net", PrivateNetworkArgs())
        ids = {"network": net.ref}
        LoadBalancedFargateService(
            "web",
            LoadBalancedFargateServiceArgs(
                image=f"{ECR}/web:1.0",
                container_port=WEB_PORT,
                certificate_arn=f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
                **ids,
            ),
        )
        UdpNlbService(
            "udp",
            UdpNlbServiceArgs(image=f"{ECR}/udp:1.0", health_check_image=f"{ECR}/healthcheck:1.0", **ids),
        )

    return synthesize(program, project=PROJECT, stack=STACK, region=REGION)


def computed_values(registrations: Iterable[Any]) -> frozenset[str]:
    """Values the mocks made up on create (ids, ARNs, generated names): unknown in a real preview.
    Outputs that merely echo an input (a task definition's id is its family) are left out."""
    out: set[str] = set()
    for r in registrations:
        echoed = {v for v in r.inputs.values() if isinstance(v, str)}
        candidates = [r.id, *(v for k, v in r.outputs.items() if r.inputs.get(k) != v)]
        out |= {v for v in candidates if isinstance(v, str) and len(v) >= 8 and v not in echoed}
    return frozenset(out)


@functools.cache
def synthesized() -> Fixture:
    recording = synthesized_recording()
    return Fixture(recording.graph(), computed_values(recording.registrations))


GOOD = {"hand-built": hand_built, "components": synthesized}


# ---------------------------------------------------------------------------------------------
# Finding resources by role


def owned_by(graph: Graph, token: str, component: str) -> list[Node]:
    out = []
    for node in graph.of_type(token):
        owner = graph.component_of(node)
        if owner is not None and owner.name == component:
            out.append(node)
    return out


def one(nodes: list[Node], what: str) -> Node:
    assert len(nodes) == 1, f"expected one {what}, found {[n.name for n in nodes]}"
    return nodes[0]


@dataclasses.dataclass(frozen=True)
class Roles:
    """The resources of one load-balanced service, found by walking the graph."""

    graph: Graph
    service: Node
    task_definition: Node
    target_group: Node
    load_balancer: Node
    lb_sg: Node
    task_sg: Node
    scaling_target: Node

    def rule(self, token: str, on: Node, protocol: str, port: int, *, peer: Node | None = None) -> Node:
        """The SG rule of type `token` on `on` for protocol/port (and referencing `peer`)."""
        found = [
            r
            for r in self.graph.of_type(token)
            if on.urn in r.property_dependencies.get("securityGroupId", ())
            and r.props.get("ipProtocol") == protocol
            and int(r.props.get("fromPort", -1)) == port
            and (peer is None or peer.urn in r.property_dependencies.get("referencedSecurityGroupId", ()))
        ]
        return one(found, f"{token.split(':')[-1]} on {on.name} {protocol}/{port}")

    def task_ingress(self, protocol: str, port: int) -> Node:
        return self.rule(INGRESS, self.task_sg, protocol, port, peer=self.lb_sg)

    def lb_egress(self, protocol: str, port: int) -> Node:
        return self.rule(EGRESS, self.lb_sg, protocol, port, peer=self.task_sg)

    def endpoint_ingress(self) -> Node:
        endpoint_sg = one([n for n in self.graph.of_type(SG) if n.name.endswith("endpoints-sg")], "endpoint SG")
        return self.rule(INGRESS, endpoint_sg, "tcp", 443, peer=self.task_sg)

    @property
    def route_tables(self) -> list[Node]:
        subnets = self.graph.refs(self.service, "networkConfiguration", SUBNET)
        return [
            rt
            for s in subnets
            for a in self.graph.referrers(s, "aws:ec2/routeTableAssociation:RouteTableAssociation", "subnetId")
            for rt in self.graph.refs(a, "routeTableId", ROUTE_TABLE)
        ]


def roles(graph: Graph, component: str) -> Roles:
    service = one(owned_by(graph, SERVICE, component), f"{component} service")
    tg = one(graph.refs(service, "loadBalancers", TG), "target group")
    listener = one(graph.referrers(tg, LISTENER, "defaultActions"), "forwarding listener")
    lb = one(graph.refs(listener, "loadBalancerArn", LB), "load balancer")
    return Roles(
        graph=graph,
        service=service,
        task_definition=one(graph.refs(service, "taskDefinition", TASK), "task definition"),
        target_group=tg,
        load_balancer=lb,
        lb_sg=one(graph.refs(lb, "securityGroups", SG), "load balancer SG"),
        task_sg=one(graph.refs(service, "networkConfiguration", SG), "task SG"),
        scaling_target=one(owned_by(graph, SCALING_TARGET, component), "scaling target"),
    )


def endpoint(graph: Graph, service: str) -> Node:
    return one([n for n in graph.of_type(ENDPOINT) if n.props["serviceName"].endswith(f".{service}")], service)


# ---------------------------------------------------------------------------------------------
# Mutations: each returns a new Graph; the input graph and its nodes are never changed.


def _swap(graph: Graph, old: Node, new: Node) -> Graph:
    return Graph(new if n.urn == old.urn else n for n in graph.nodes)


def without(graph: Graph, *nodes: Node) -> Graph:
    """The graph with `nodes` removed."""
    gone = {n.urn for n in nodes}
    assert all(u in graph.by_urn for u in gone), "removing a node that isn't in the graph"
    return Graph(n for n in graph.nodes if n.urn not in gone)


def plus(graph: Graph, *nodes: Node) -> Graph:
    return Graph([*graph.nodes, *nodes])


def changed(graph: Graph, node: Node, path: str, value: Any) -> Graph:
    """The graph with input `path` (dotted, e.g. `healthCheck.port`) of `node` set to `value`."""
    props = copy.deepcopy(dict(node.props))
    *parents, leaf = path.split(".")
    target: Any = props
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(leaf)] = value
    else:
        target[leaf] = value
    return _swap(graph, node, dataclasses.replace(node, props=props))


def renamed(graph: Graph, node: Node, name: str) -> Graph:
    """The graph with `node`'s logical name changed (its URN stays: links are unaffected)."""
    return _swap(graph, node, dataclasses.replace(node, name=name))


def containers_changed(graph: Graph, task: Node, edit: Callable[[list[dict[str, Any]]], None]) -> Graph:
    """The graph with `task`'s containerDefinitions JSON rewritten by `edit` (on a copy)."""
    containers = json.loads(task.props["containerDefinitions"])
    edit(containers)
    return changed(graph, task, "containerDefinitions", json.dumps(containers))


def with_nat(graph: Graph, *, internet_egress: bool = True) -> Graph:
    """Add a NAT gateway with a 0.0.0.0/0 route in every private route table, and (by default) the
    tasks' tcp/443 egress to the internet that using it takes."""
    subnet = next(n for n in graph.of_type(SUBNET) if "public" in n.name)
    parent = next(n for n in graph.nodes if n.type == "fargatelb:index:PrivateNetwork")
    b = Builder()
    nat = b.add(parent, NAT, "net-nat-0", {"subnetId": "subnet-x"}, subnetId=subnet)
    tables = {rt.urn: rt for rt in graph.of_type(ROUTE_TABLE) if "private" in rt.name}
    for i, rt in enumerate(tables.values()):
        b.add(
            parent, ROUTE, f"net-private-default-{i}",
            {"routeTableId": "rtb-x", "destinationCidrBlock": "0.0.0.0/0", "natGatewayId": b.id(nat)},
            routeTableId=rt, natGatewayId=nat,
        )  # fmt: skip
    if internet_egress:
        for task_sg in (n for n in graph.of_type(SG) if n.name.endswith("-task-sg")):
            owner = graph.component_of(task_sg)
            assert owner is not None
            b.rule(owner, f"{owner.name}-task-out-internet", task_sg, "tcp", 443, egress=True, cidr="0.0.0.0/0")
    return plus(graph, *b.nodes[1:])


def relinked(graph: Graph, node: Node, prop: str, targets: Iterable[Node]) -> Graph:
    """The graph with `node`'s input `prop` depending on `targets` instead (e.g. an endpoint on
    fewer route tables)."""
    links = {**node.property_dependencies, prop: [t.urn for t in targets]}
    return _swap(graph, node, dataclasses.replace(node, property_dependencies=links))


def preview(fixture: Fixture) -> Graph:
    """The graph as a real `pulumi preview` shows it: every id or ARN the provider returns on create
    is unknown (None), and so is any string computed from one (container definitions, policy
    documents, scaling resource ids). Links survive only as property dependencies."""

    def blank(value: Any) -> Any:
        if isinstance(value, str):
            return None if any(c in value for c in fixture.computed) else value
        if isinstance(value, list):
            return [blank(v) for v in value]
        if isinstance(value, dict):
            return {k: blank(v) for k, v in value.items()}
        return value

    return Graph(dataclasses.replace(n, props=blank(dict(n.props))) for n in fixture.graph.nodes)
