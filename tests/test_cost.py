"""The monthly cost estimate: items add up, config changes move it by what the price table implies,
nothing is dropped, the NAT-vs-endpoints crossing, the assumptions section. The table and its
parser: test_cost_prices.py."""

import json
from decimal import Decimal
from typing import Any

import pytest

from fargatelb.cost import NO_PRICE, CostAssumptions, CostEstimate, estimate, load_prices
from fargatelb.cost.estimate import FREE_TYPES
from fargatelb.cost.model import amount
from fargatelb.graph import Graph, Node
from offline import stack_config, synthesize_stack
from synth_helpers import committed_recording

PRICES = load_prices()
EU = "eu-west-1"
H = Decimal(730)


def price(key: str, region: str = EU) -> Decimal:
    found = PRICES.price(region, key)
    assert found is not None, f"{key} has no price in {region}"
    return found.usd


# --- the real program, under mocks, with changed settings -------------------------------------------

VARIANTS: dict[str, dict[str, dict[str, Any]]] = {
    "dev": {},
    "dev-3az": {"network": {"azCount": 3}},
    "dev-single-nat-web-2-5": {
        "network": {"natStrategy": "single"},
        "web": {"scaling": {"minCount": 2, "maxCount": 5}},
    },
    "dev-per-az": {"network": {"natStrategy": "per_az"}},
    "prod": {},
    "platform": {},
}
_graphs: dict[str, Graph] = {}


def graph(variant: str) -> Graph:
    if variant in ("dev", "prod"):
        return committed_recording(variant).graph()
    if variant not in _graphs:
        stack = variant.split("-")[0]
        config = stack_config(stack)
        for section, changes in VARIANTS[variant].items():
            values = json.loads(config[f"fargate-lb:{section}"])
            for key, value in changes.items():
                values[key] = {**values[key], **value} if isinstance(value, dict) else value
            config[f"fargate-lb:{section}"] = json.dumps(values)
        _graphs[variant] = synthesize_stack(stack, config=config).graph()
    return _graphs[variant]


def cost(variant: str, **assumptions: Any) -> CostEstimate:
    return estimate(graph(variant), region=EU, assumptions=CostAssumptions.from_mapping(assumptions))


def by_key(result: CostEstimate, key: str) -> list[Decimal]:
    return [i.monthly_usd for i in result.items if i.price_key == key]


@pytest.mark.parametrize("variant", ["dev", "prod"])
def test_items_add_up_to_the_totals_exactly_also_in_json(variant: str) -> None:
    result = cost(variant)
    assert result.monthly_usd == sum(i.monthly_usd for i in result.items)
    assert result.monthly_usd_at_max == sum(i.monthly_usd_at_max for i in result.items)
    assert result.monthly_usd_at_max > result.monthly_usd > 0
    document = json.loads(json.dumps(result.to_json()), parse_float=Decimal)
    assert set(document) == {
        "monthlyUsd",
        "monthlyUsdAtMax",
        "currency",
        "region",
        "pricesAsOf",
        "assumptions",
        "items",
        "tradeoff",
    }
    assert (document["currency"], document["region"], document["pricesAsOf"]) == ("USD", EU, PRICES.prices_as_of)
    assert document["monthlyUsd"] == sum(i["monthlyUsd"] for i in document["items"])
    assert document["monthlyUsdAtMax"] == sum(i["monthlyUsdAtMax"] for i in document["items"])
    for item in document["items"]:
        assert item["resources"] and item["unit"] and item["what"]
    assert all(a["statement"] for a in document["assumptions"])
    assert "fargate-lb:cost.requestsPerSecond" in {a["key"] for a in document["assumptions"]}


@pytest.mark.parametrize("variant", ["dev", "prod", "platform"])
def test_every_resource_is_priced_listed_or_known_free(variant: str) -> None:
    g = graph(variant)
    listed = {r.urn for i in cost(variant).items for r in i.resources}
    for node in g.nodes:
        if node.custom and not node.type.startswith("pulumi:"):
            assert node.urn in listed or node.type in FREE_TYPES, f"{node.type} {node.name} is dropped"
    assert not cost(variant).unpriced, "every resource of the stacks has a price"


def test_dev_is_priced_from_the_table() -> None:
    result = cost("dev")
    assert by_key(result, "interfaceEndpointHour") == [2 * H * price("interfaceEndpointHour")] * 3  # 3 × 2 zones
    assert sum(by_key(result, "interfaceEndpointHour")) == Decimal("48.18")  # issue 13's example
    assert by_key(result, "albHour") == [H * price("albHour")]
    assert by_key(result, "publicIpv4Hour") == [2 * H * price("publicIpv4Hour")]  # the ALB's two zones
    web_cpu = next(i for i in result.items if i.price_key == "fargateX86VcpuHour" and "web" in i.what)
    assert (web_cpu.monthly_usd, web_cpu.monthly_usd_at_max) == (
        amount(1 * Decimal("0.25") * H * price("fargateX86VcpuHour")),
        amount(3 * Decimal("0.25") * H * price("fargateX86VcpuHour")),
    )
    (s3,) = [i for i in result.items if i.what.startswith("Gateway endpoint")]
    assert s3.monthly_usd == 0 and s3.priced


def test_another_zone_adds_a_zone_of_endpoints_and_an_alb_address() -> None:
    implied = 3 * H * price("interfaceEndpointHour") + H * price("publicIpv4Hour")
    assert cost("dev-3az").monthly_usd - cost("dev").monthly_usd == implied
    assert cost("dev-3az").monthly_usd_at_max - cost("dev").monthly_usd_at_max == implied


def test_a_nat_gateway_and_more_web_tasks_add_what_the_table_implies() -> None:
    base, changed = cost("dev"), cost("dev-single-nat-web-2-5")
    nat = amount(H * price("natGatewayHour")) + amount(H * price("publicIpv4Hour")) + 10 * price("natGatewayGb")
    assert base.tradeoff is not None and base.tradeoff.strategy_deltas["single"] == nat
    vcpu, gb, logs, kept = Decimal("0.25"), Decimal("0.5"), Decimal("0.5"), Decimal(7 * 24) / H  # 7 days of logs

    def item(quantity: Decimal, key: str) -> Decimal:  # as the estimate rounds: the quantity, then the amount
        return amount(amount(quantity) * price(key))

    def web(tasks: int) -> Decimal:  # the web service's items at this many tasks
        return (
            item(tasks * vcpu * H, "fargateX86VcpuHour")
            + item(tasks * gb * H, "fargateX86GbHour")
            + item(tasks * logs, "logsIngestGb")
            + item(tasks * logs * kept, "logsStorageGbMonth")
        )

    assert changed.monthly_usd - base.monthly_usd == nat + web(2) - web(1)
    assert changed.monthly_usd_at_max - base.monthly_usd_at_max == nat + web(5) - web(3)


def test_nat_per_zone_adds_two_gateways_and_two_addresses() -> None:
    base, changed = cost("dev"), cost("dev-per-az")
    assert base.tradeoff is not None
    implied = 2 * (amount(H * price("natGatewayHour")) + amount(H * price("publicIpv4Hour"))) + 10 * price(
        "natGatewayGb"
    )
    assert changed.monthly_usd - base.monthly_usd == implied == base.tradeoff.strategy_deltas["per_az"]
    assert changed.tradeoff is not None and changed.tradeoff.nat_strategy == "per_az"
    assert "natStrategy none would save $77.86" in changed.tradeoff.sentence


def test_the_stack_config_assumptions_change_the_capacity_units() -> None:
    busy = cost("dev", requestsPerSecond=100)
    assert by_key(busy, "albLcuHour") == [Decimal(4) * H * price("albLcuHour")]  # 100 new connections/s ÷ 25
    assert by_key(busy, "nlcuHour") == [Decimal("0.25") * H * price("nlcuHour")]  # 100 UDP flows/s ÷ 400


# --- hand-built graphs: no program needed ---------------------------------------------------------------


def node(type_: str, name: str, deps: dict[str, list[str]] | None = None, **props: Any) -> Node:
    return Node(f"urn:pulumi:t::p::{type_}::{name}", type_, name, props, deps or {})


def endpoints(count: int, zones: int) -> list[Node]:
    subnets = [f"subnet-{i}" for i in range(zones)]
    return [
        node(
            "aws:ec2/vpcEndpoint:VpcEndpoint",
            f"e{i}",
            vpcEndpointType="Interface",
            subnetIds=subnets,
            serviceName=f"com.amazonaws.eu-west-1.svc{i}",
        )
        for i in range(count)
    ]


def test_the_break_even_of_issue_13s_example() -> None:
    result = estimate(Graph(endpoints(3, 2)), region=EU)
    trade = result.tradeoff
    assert trade is not None and trade.nat_strategy == "none" and (trade.zones, trade.interface_endpoints) == (2, 3)
    ends, single, per_az = trade.options
    assert (ends.fixed_usd, single.fixed_usd, per_az.fixed_usd) == (
        Decimal("48.18"),
        Decimal("38.69"),
        Decimal("77.38"),
    )
    expected = (Decimal("48.18") - Decimal("38.69")) / (price("natGatewayGb") - price("interfaceEndpointGb"))
    assert trade.break_even_gb == amount(expected) == Decimal("249.7368")
    assert trade.payoff_gb == amount(Decimal("48.18") / Decimal("0.038"))
    at_break_even = [o.fixed_usd + trade.break_even_gb * o.per_gb_usd for o in (ends, single)]
    assert abs(at_break_even[0] - at_break_even[1]) < Decimal("0.001")
    assert "$48.18/month" in trade.sentence and "$38.69" in trade.sentence and "above 250 GB/month" in trade.sentence


def test_one_endpoint_in_one_zone_is_always_cheaper_than_a_nat() -> None:
    trade = estimate(Graph(endpoints(1, 1)), region=EU).tradeoff
    assert trade is not None and trade.break_even_gb is None and trade.endpoints_always_cheaper is True
    assert "cheaper at any traffic" in trade.sentence


def fargate_service(arch: str, scaling: tuple[int, int] | None, desired: int = 1) -> list[Node]:
    task = node(
        "aws:ecs/taskDefinition:TaskDefinition",
        "task",
        cpu="1024",
        memory="2048",
        runtimePlatform={"cpuArchitecture": arch, "operatingSystemFamily": "LINUX"},
    )
    service = node(
        "aws:ecs/service:Service",
        "svc",
        {"taskDefinition": [task.urn]},
        launchType="FARGATE",
        desiredCount=float(desired),
    )
    nodes = [task, service]
    if scaling:
        nodes.append(
            node(
                "aws:appautoscaling/target:Target",
                "scaling",
                {"resourceId": [service.urn]},
                minCapacity=float(scaling[0]),
                maxCapacity=float(scaling[1]),
            )
        )
    return nodes


def test_graviton_tasks_use_arm_prices_and_scaling_bounds() -> None:
    result = estimate(Graph(fargate_service("ARM64", (2, 4))), region=EU)
    (cpu,) = [i for i in result.items if i.price_key == "fargateArmVcpuHour"]
    (mem,) = [i for i in result.items if i.price_key == "fargateArmGbHour"]
    assert (cpu.monthly_usd, cpu.monthly_usd_at_max) == (
        2 * H * price("fargateArmVcpuHour"),
        4 * H * price("fargateArmVcpuHour"),
    )
    assert mem.monthly_usd == 2 * 2 * H * price("fargateArmGbHour")


def test_a_service_without_scaling_runs_its_desired_count() -> None:
    result = estimate(Graph(fargate_service("X86_64", None, desired=3)), region=EU)
    (cpu,) = [i for i in result.items if i.price_key == "fargateX86VcpuHour"]
    assert cpu.monthly_usd == cpu.monthly_usd_at_max == 3 * H * price("fargateX86VcpuHour")


def test_resources_with_no_price_are_listed_at_zero_with_a_note() -> None:
    rds = node("aws:rds/instance:Instance", "db", instanceClass="db.t4g.micro")
    gwlb = node("aws:ec2/vpcEndpoint:VpcEndpoint", "gwlbe", vpcEndpointType="GatewayLoadBalancer")
    result = estimate(Graph([rds, gwlb, *endpoints(1, 2)]), region=EU)
    unpriced = {r.name: i for i in result.unpriced for r in i.resources}
    assert set(unpriced) == {"db", "gwlbe"}
    assert all(i.monthly_usd == 0 and i.note and i.note.startswith(NO_PRICE) for i in unpriced.values())
    assert result.monthly_usd == sum(i.monthly_usd for i in result.items) > 0

    elsewhere = estimate(graph("dev"), region="sa-east-1")  # not in the table
    assert elsewhere.monthly_usd == 0 and elsewhere.items
    assert all(i.note and NO_PRICE in i.note for i in elsewhere.items if i.price_key)
    assert any("not in the price table" in a.statement for a in elsewhere.assumptions)


# --- the assumptions section ------------------------------------------------------------------------


def test_assumptions_have_defaults_and_name_the_key_at_fault() -> None:
    assert CostAssumptions.from_mapping({}).hours_per_month == 730
    assert (
        CostAssumptions.from_mapping({"requestsPerSecond": 20, "logGbPerTaskPerMonth": "2.5"}).requests_per_second == 20
    )
    for bad, key in [
        ({"requestPerSecond": 1}, "fargate-lb:cost.requestPerSecond: is not a cost setting"),
        ({"requestsPerSecond": -1}, "fargate-lb:cost.requestsPerSecond: must be a number at least 0"),
        ({"hoursPerMonth": 800}, "fargate-lb:cost.hoursPerMonth: must be a number from 1 to 744"),
        ({"internetGbPerMonth": True}, "fargate-lb:cost.internetGbPerMonth"),
        ({"awsServiceGbPerMonth": "lots"}, "fargate-lb:cost.awsServiceGbPerMonth"),
    ]:
        with pytest.raises(ValueError, match=key.replace(".", r"\.")):
            CostAssumptions.from_mapping(bad)


def test_hosted_zones_are_priced_and_awsx_repositories_not_twice() -> None:
    zone = node("aws:route53/zone:Zone", "zone", comment="a zone")
    repo = node("awsx:ecr:Repository", "repo")
    child = Node("urn:pulumi:t::p::aws:ecr/repository:Repository::repo", "aws:ecr/repository:Repository", "repo", {},
                 parent=repo.urn)  # fmt: skip
    result = estimate(Graph([zone, repo, child]), region=EU)
    assert by_key(result, "route53HostedZoneMonth") == [price("route53HostedZoneMonth")]
    assert by_key(result, "ecrStorageGbMonth") == [amount(Decimal("0.5") * price("ecrStorageGbMonth"))]
    assert not result.unpriced


def test_service_discovery_is_priced_per_namespace_and_per_registered_task() -> None:
    g = graph("platform")
    result = cost("platform")
    (namespace,) = g.of_type("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace")
    zones = [i for i in result.items if namespace.urn in {r.urn for r in i.resources}]
    zone_month = price("route53HostedZoneMonth")
    assert [(i.price_key, i.monthly_usd) for i in zones] == [("route53HostedZoneMonth", zone_month)]
    for registry in g.of_type("aws:servicediscovery/service:Service"):
        (item,) = [i for i in result.items if registry.urn in {r.urn for r in i.resources}]
        (service,) = g.referrers(registry, "aws:ecs/service:Service", "serviceRegistries")
        (target,) = g.referrers(service, "aws:appautoscaling/target:Target", "resourceId")
        each = price("cloudMapResourceMonth")
        assert item.monthly_usd == Decimal(str(target.get("minCapacity"))) * each
        assert item.monthly_usd_at_max == Decimal(str(target.get("maxCapacity"))) * each
    scheduled = g.of_type("aws:appautoscaling/scheduledAction:ScheduledAction")
    assert scheduled and all(s.type in FREE_TYPES for s in scheduled)
