"""Prices of the network: VPC endpoints, NAT gateways and their addresses, load balancers.

Zones are counted from what each resource is placed in (its subnets' property dependencies, or
the recorded subnet ids when a test hands plain values), never from ids matched as strings.
"""

from __future__ import annotations

from decimal import Decimal

from ..graph import Node
from ..verify.tokens import LISTENERS, LOAD_BALANCERS, NAT_GATEWAY, SUBNET, VPC_ENDPOINT
from .context import Context
from .model import plain

EIP = "aws:ec2/eip:Eip"
# Capacity-unit dimensions (AWS's ELB pricing page): one LCU/NLCU-hour covers, per hour, the most
# used of these. Active connections and rule evaluations are left out (see the assumptions).
ALB_NEW_CONNECTIONS_PER_LCU = Decimal(25)
NLB_NEW_FLOWS_PER_NLCU = {"UDP": Decimal(400), "TCP": Decimal(800), "TLS": Decimal(50)}
GB_PER_HOUR_PER_LCU = Decimal(1)


def zones_of(ctx: Context, node: Node, prop: str) -> int:
    """How many zones `node` is placed in, from its subnets."""
    subnets = ctx.graph.refs(node, prop, SUBNET)
    if subnets:
        return len(subnets)
    recorded = node.get(prop) or []
    return len(recorded) if isinstance(recorded, list) else 0


def price_endpoints(ctx: Context) -> None:
    interface = []
    for endpoint in ctx.graph.of_type(VPC_ENDPOINT):
        kind = str(endpoint.get("vpcEndpointType", "Gateway"))
        if kind == "Gateway":
            ctx.free(
                endpoint,
                f"Gateway endpoint {endpoint.get('serviceName', '?')}",
                category="network",
                note="gateway endpoints (S3, DynamoDB) carry no hourly or data charge",
            )
        elif kind == "Interface":
            service = str(endpoint.get("serviceName", "?")).split(".", 3)[-1]
            zones = zones_of(ctx, endpoint, "subnetIds")
            ctx.add(
                [endpoint],
                f"Interface endpoint {service}: {zones} zone(s) × {plain(ctx.hours)} h",
                "interfaceEndpointHour",
                zones * ctx.hours,
                category="network",
                note="one network interface, billed per hour, in each zone",
            )
            interface.append(endpoint)
        else:
            ctx.unknown([endpoint], f"VPC endpoint of type {kind}", note=f"endpoint type {kind!r} is not in the table")
    if interface:
        gb = ctx.assumptions.aws_service_gb_per_month
        ctx.add(
            interface,
            f"Data processed by the interface endpoints: {plain(gb)} GB",
            "interfaceEndpointGb",
            gb,
            category="network",
            note="traffic assumed: awsServiceGbPerMonth",
        )


def price_nat(ctx: Context) -> None:
    nats = ctx.graph.of_type(NAT_GATEWAY)
    for nat in nats:
        private = nat.get("connectivityType") == "private"
        ctx.add(
            [nat],
            f"{'Private NAT' if private else 'NAT'} gateway: {plain(ctx.hours)} h",
            "natGatewayHour",
            ctx.hours,
            category="network",
            note=None if private else "its public address is the Elastic IP listed on its own",
        )
    if nats:
        gb = ctx.assumptions.internet_gb_per_month
        ctx.add(
            nats,
            f"Data processed by the NAT gateways: {plain(gb)} GB",
            "natGatewayGb",
            gb,
            category="network",
            note="traffic assumed: internetGbPerMonth; AWS services are reached through the endpoints",
        )
    for eip in ctx.graph.of_type(EIP):
        ctx.add(
            [eip],
            f"Elastic IP (public IPv4): {plain(ctx.hours)} h",
            "publicIpv4Hour",
            ctx.hours,
            category="network",
            note="every public IPv4 address is charged per hour since 2024-02-01, attached or idle",
        )


def _listener_protocols(ctx: Context, lb: Node) -> set[str]:
    listeners = [n for token in LISTENERS for n in ctx.graph.referrers(lb, token, "loadBalancerArn")]
    return {str(n.get("protocol", "")).upper() for n in listeners}


def _capacity_units(ctx: Context, lb: Node, kind: str) -> tuple[Decimal, str]:
    """Capacity units per hour at the assumed traffic, and how they were counted."""
    a = ctx.assumptions
    by_bytes = a.load_balancer_gb_per_month / ctx.hours / GB_PER_HOUR_PER_LCU
    if kind == "application":
        by_connections = a.requests_per_second / ALB_NEW_CONNECTIONS_PER_LCU
        dimension = f"{plain(a.requests_per_second)} new connections/s ÷ {ALB_NEW_CONNECTIONS_PER_LCU}"
    else:
        protocols = _listener_protocols(ctx, lb)
        protocol = "UDP" if {"UDP", "TCP_UDP"} & protocols else "TLS" if "TLS" in protocols else "TCP"
        per_unit = NLB_NEW_FLOWS_PER_NLCU[protocol]
        by_connections = a.requests_per_second / per_unit
        dimension = f"{plain(a.requests_per_second)} new {protocol} flows/s ÷ {per_unit}"
    units = max(by_connections, by_bytes)
    counted = (
        dimension
        if by_connections >= by_bytes
        else f"{plain(a.load_balancer_gb_per_month)} GB/month ÷ {plain(ctx.hours)} h"
    )
    return units, counted


def price_load_balancers(ctx: Context) -> None:
    for lb in (n for token in LOAD_BALANCERS for n in ctx.graph.of_type(token)):
        kind = str(lb.get("loadBalancerType", "application"))
        if kind not in ("application", "network"):
            ctx.unknown([lb], f"Load balancer of type {kind}", note=f"load balancer type {kind!r} is not in the table")
            continue
        name = "ALB" if kind == "application" else "NLB"
        hour_key, unit_key = ("albHour", "albLcuHour") if kind == "application" else ("nlbHour", "nlcuHour")
        ctx.add([lb], f"{name}: {plain(ctx.hours)} h", hour_key, ctx.hours, category="load-balancing")
        units, counted = _capacity_units(ctx, lb, kind)
        ctx.add(
            [lb],
            f"{name} capacity units: {units:.4f}/h × {plain(ctx.hours)} h",
            unit_key,
            units * ctx.hours,
            category="load-balancing",
            note=f"the largest dimension at the assumed traffic: {counted} (requestsPerSecond, loadBalancerGbPerMonth)",
        )
        if not lb.get("internal", False):
            zones = zones_of(ctx, lb, "subnets") or zones_of(ctx, lb, "subnetMappings")
            ctx.add(
                [lb],
                f"{name} public IPv4 addresses: {zones} zone(s) × {plain(ctx.hours)} h",
                "publicIpv4Hour",
                zones * ctx.hours,
                category="load-balancing",
                note="an internet-facing load balancer holds a public IPv4 address in each zone, charged "
                "like any other since 2024-02-01; an ALB may add nodes (and addresses) under load",
            )
