"""The NAT-vs-endpoints trade-off for the stack at hand.

Tasks in private subnets reach AWS's APIs (ECR, Logs, Secrets) either through interface endpoints
(an hourly charge per endpoint per zone, $0.01/GB) or through a NAT gateway (an hourly charge and
its public address, several cents per GB). For a small stack the endpoints cost more; past some
traffic they cost less. With `T` GB a month, `E` endpoints in `Z` zones and hourly prices `h`:

    endpoints = E·Z·h_endpoint·hours + T·gb_endpoint
    one NAT   = (h_nat + h_ipv4)·hours + T·gb_nat        (per zone: Z times the fixed part)
    break-even T = (endpoints fixed − NAT fixed) / (gb_nat − gb_endpoint)

The package always creates the endpoints; `natStrategy` adds NAT gateways for internet egress, so
`strategy_deltas` also says what switching `natStrategy` would change in this estimate, exactly.
"""

from __future__ import annotations

from decimal import Decimal

from ..verify.tokens import NAT_GATEWAY, VPC_ENDPOINT
from .context import Context
from .model import Tradeoff, TradeoffOption, amount, plain
from .rules_network import zones_of

STRATEGIES = ("none", "single", "per_az")


def _usd(value: Decimal) -> str:
    return f"${value:,.2f}"


def _per_gb(value: Decimal) -> str:
    return f"${plain(value)}/GB"


def _gb(value: Decimal) -> str:
    return f"{value:,.0f} GB/month"


def nat_tradeoff(ctx: Context) -> Tradeoff | None:
    endpoints = [e for e in ctx.graph.of_type(VPC_ENDPOINT) if e.get("vpcEndpointType") == "Interface"]
    nats = [n for n in ctx.graph.of_type(NAT_GATEWAY) if n.get("connectivityType") != "private"]
    if not endpoints and not nats:
        return None
    zone_counts = [zones_of(ctx, e, "subnetIds") for e in endpoints]
    zones = max(zone_counts, default=0) or len(nats)
    strategy = "none" if not nats else "single" if len(nats) == 1 else "per_az"
    traffic, hours = ctx.assumptions.aws_service_gb_per_month, ctx.hours
    keys = ("interfaceEndpointHour", "interfaceEndpointGb", "natGatewayHour", "natGatewayGb", "publicIpv4Hour")
    found = {k: ctx.table.price(ctx.region, k) for k in keys}
    missing = [k for k, p in found.items() if p is None]
    if missing:
        sentence = f"NAT vs endpoints: no price known for {', '.join(missing)} in {ctx.region}."
        return Tradeoff(strategy, zones, len(endpoints), traffic, (), None, None, None, {}, sentence)
    eh, egb, nh, ngb, ip = (found[k].usd for k in keys)  # type: ignore[union-attr]

    # Rounded item by item exactly as the estimate's own items are, so the deltas match it to the cent.
    endpoint_fixed = sum((amount(z * hours * eh) for z in zone_counts), Decimal(0))
    nat_each = amount(hours * nh) + amount(hours * ip)
    options = (
        TradeoffOption(
            "endpoints",
            f"{len(endpoints)} interface endpoints in {zones} zones",
            endpoint_fixed,
            egb,
            endpoint_fixed + amount(traffic * egb),
        ),
        TradeoffOption(
            "single", "one NAT gateway with its Elastic IP", nat_each, ngb, nat_each + amount(traffic * ngb)
        ),
        TradeoffOption(
            "per_az",
            f"{zones} NAT gateways with their Elastic IPs",
            zones * nat_each,
            ngb,
            zones * nat_each + amount(traffic * ngb),
        ),
    )
    d_fixed, d_gb = endpoint_fixed - nat_each, ngb - egb
    break_even: Decimal | None = None
    always: bool | None = None
    if d_gb <= 0 or d_fixed <= 0:
        always = d_fixed <= 0
    else:
        break_even = amount(d_fixed / d_gb)
    payoff = amount(endpoint_fixed / d_gb) if d_gb > 0 else None

    egress = amount(ctx.assumptions.internet_gb_per_month * ngb)
    cost = {"none": Decimal(0), "single": nat_each + egress, "per_az": zones * nat_each + egress}
    current = len(nats) * nat_each + (egress if nats else Decimal(0))
    deltas = {s: cost[s] - current for s in STRATEGIES}

    ends, one, per_zone = options
    if strategy == "none":
        verdict = (
            f"cheaper above {_gb(break_even)}"
            if break_even is not None
            else "cheaper at any traffic"
            if always
            else "dearer at any traffic"
        )
        diff = ends.monthly_usd - one.monthly_usd
        sentence = (
            f"NAT vs endpoints: the {len(endpoints)} interface endpoints in {zones} zones cost "
            f"{_usd(ends.fixed_usd)}/month + {_per_gb(egb)}; one NAT gateway with its address instead "
            f"{_usd(one.fixed_usd)} + {_per_gb(ngb)} ({zones} NATs: {_usd(per_zone.fixed_usd)}). At "
            f"{_gb(traffic)} to AWS services the endpoints cost {_usd(abs(diff))} "
            f"{'more' if diff >= 0 else 'less'} than one NAT; they are {verdict}."
        )
    else:
        other = "per_az" if strategy == "single" else "single"
        pays = f"pay for themselves above {_gb(payoff)}" if payoff is not None else "never pay for themselves"
        gateways = f"{len(nats)} NAT gateway{'s' if len(nats) > 1 else ''}"
        sentence = (
            f"NAT vs endpoints: natStrategy {strategy} ({gateways}, {_usd(current)}/month) reaches the internet; "
            f"the {len(endpoints)} endpoints in {zones} zones ({_usd(endpoint_fixed)}/month) keep AWS "
            f"traffic off it at {_per_gb(egb)} instead of {_per_gb(ngb)} and {pays}. natStrategy none would "
            f"save {_usd(-deltas['none'])} (no internet egress); {other} would change it by "
            f"{_usd(deltas[other])}."
        )
    return Tradeoff(strategy, zones, len(endpoints), traffic, options, break_even, always, payoff, deltas, sentence)
