"""PrivateNetwork under mocks: zones, subnets, routes, NAT strategies, endpoints, security groups."""

import json
from typing import Any

import pytest

from fargatelb import InvalidArgument, NatStrategy, PrivateNetwork, PrivateNetworkArgs
from fargatelb.mocks import Recording

SUBNET = "aws:ec2/subnet:Subnet"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE = "aws:ec2/route:Route"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
NAT = "aws:ec2/natGateway:NatGateway"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def build(synth: Any, **kwargs: Any) -> Recording:
    return synth(lambda: PrivateNetwork("net", PrivateNetworkArgs(**kwargs)))


@pytest.fixture(scope="module")
def default() -> Recording:
    from fargatelb.mocks import synthesize

    return synthesize(lambda: PrivateNetwork("net", PrivateNetworkArgs()))


def subnets(rec: Recording, kind: str) -> list[Any]:
    return sorted((r for r in rec.of_type(SUBNET) if r.name.startswith(f"net-{kind}-")), key=lambda r: r.name)


def test_zones_are_looked_up_not_hard_coded(default: Recording) -> None:
    tokens = [token for token, _ in default.calls]
    assert "aws:index/getAvailabilityZones:getAvailabilityZones" in tokens
    zones = [r.inputs["availabilityZone"] for r in subnets(default, "private")]
    assert zones == ["eu-west-1a", "eu-west-1b"], "two zones by default, taken from the lookup"


def test_zones_follow_the_region_lookup(synth: Any) -> None:
    rec = synth(lambda: PrivateNetwork("net", PrivateNetworkArgs(az_count=3)), region="us-east-2")
    zones = sorted(r.inputs["availabilityZone"] for r in subnets(rec, "private"))
    assert zones == ["us-east-2a", "us-east-2b", "us-east-2c"]


def test_vpc_has_dns_support_and_hostnames_for_private_dns_endpoints(default: Recording) -> None:
    vpc = default.one("aws:ec2/vpc:Vpc").inputs
    assert vpc["enableDnsSupport"] is True and vpc["enableDnsHostnames"] is True
    assert vpc["cidrBlock"] == "10.0.0.0/16"


def test_default_security_group_is_adopted_with_no_rules(default: Recording) -> None:
    sg = default.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs
    assert not sg.get("ingress") and not sg.get("egress"), "EC2.2: the default security group has no rules"


def test_public_subnets_route_to_the_internet_gateway_and_assign_no_public_ips(default: Recording) -> None:
    igw = default.one("aws:ec2/internetGateway:InternetGateway")
    public_rt = default.one(ROUTE_TABLE, "net-public-rt")
    route = default.one(ROUTE, "net-public-default").inputs
    assert route["gatewayId"] == igw.id and route["routeTableId"] == public_rt.id
    assert route["destinationCidrBlock"] == "0.0.0.0/0"
    for subnet in subnets(default, "public"):
        assert subnet.inputs["mapPublicIpOnLaunch"] is False, f"{subnet.name} assigns public IPs"
        assoc = default.one(ASSOCIATION, subnet.name).inputs
        assert assoc == {"subnetId": subnet.id, "routeTableId": public_rt.id}


def test_each_private_subnet_has_its_own_route_table_with_no_default_route(default: Recording) -> None:
    private_rts = [r for r in default.of_type(ROUTE_TABLE) if r.name.startswith("net-private-rt-")]
    assert len(private_rts) == 2
    for subnet in subnets(default, "private"):
        assoc = default.one(ASSOCIATION, subnet.name).inputs
        assert assoc["subnetId"] == subnet.id
        assert assoc["routeTableId"] in {rt.id for rt in private_rts}
    assert len({default.one(ASSOCIATION, s.name).inputs["routeTableId"] for s in subnets(default, "private")}) == 2
    assert not default.of_type(NAT), "NAT strategy none creates no NAT gateway"
    assert [r.name for r in default.of_type(ROUTE)] == ["net-public-default"]


@pytest.mark.parametrize(("strategy", "gateways"), [(NatStrategy.SINGLE, 1), ("per_az", 3)])
def test_nat_strategies_route_every_private_subnet_through_a_nat_gateway(
    synth: Any, strategy: Any, gateways: int
) -> None:
    rec = build(synth, nat_strategy=strategy, az_count=3)
    nats = rec.of_type(NAT)
    assert len(nats) == gateways
    public_ids = {s.id for s in subnets(rec, "public")}
    assert all(n.inputs["subnetId"] in public_ids for n in nats), "NAT gateways live in public subnets"
    routes = [r for r in rec.of_type(ROUTE) if r.name.startswith("net-private-default-")]
    assert len(routes) == 3
    used = {r.inputs["natGatewayId"] for r in routes}
    assert used == {n.id for n in nats}
    if gateways == 3:
        for i, route in enumerate(sorted(routes, key=lambda r: r.name)):
            nat = rec.one(NAT, f"net-nat-{i}")
            rt = rec.one(ROUTE_TABLE, f"net-private-rt-{i}")
            assert route.inputs == {**route.inputs, "routeTableId": rt.id, "natGatewayId": nat.id}, "zone-local NAT"


def test_interface_endpoints_have_private_dns_in_every_private_subnet(default: Recording) -> None:
    private_ids = sorted(s.id for s in subnets(default, "private"))
    endpoint_sg = default.one(SG, "net-endpoints-sg")
    interface = {
        r.inputs["serviceName"]: r.inputs
        for r in default.of_type(ENDPOINT)
        if r.inputs["vpcEndpointType"] == "Interface"
    }
    assert set(interface) == {f"com.amazonaws.eu-west-1.{s}" for s in ("ecr.api", "ecr.dkr", "logs")}
    for name, ep in interface.items():
        assert ep["privateDnsEnabled"] is True, name
        assert sorted(ep["subnetIds"]) == private_ids, f"{name} must be in every private subnet"
        assert ep["securityGroupIds"] == [endpoint_sg.id]


def test_extra_interface_endpoints_are_added(synth: Any) -> None:
    rec = build(synth, extra_interface_endpoints=["ssmmessages", "secretsmanager", "logs"])
    names = sorted(r.inputs["serviceName"].rsplit(".", 1)[-1] for r in rec.of_type(ENDPOINT))
    assert names == ["api", "dkr", "logs", "s3", "secretsmanager", "ssmmessages"], "no duplicates, extras added"


def test_s3_gateway_endpoint_is_on_every_private_route_table_and_reads_only_ecr_layers(default: Recording) -> None:
    s3 = default.one(ENDPOINT, "net-vpce-s3").inputs
    assert s3["vpcEndpointType"] == "Gateway" and s3["serviceName"] == "com.amazonaws.eu-west-1.s3"
    private_rts = sorted(r.id for r in default.of_type(ROUTE_TABLE) if r.name.startswith("net-private-rt-"))
    assert sorted(s3["routeTableIds"]) == private_rts
    statements = json.loads(s3["policy"])["Statement"]
    assert [s["Resource"] for s in statements] == [["arn:aws:s3:::prod-eu-west-1-starport-layer-bucket/*"]]
    assert all(s["Effect"] == "Allow" and s["Action"] == ["s3:GetObject"] for s in statements)


def test_endpoint_security_group_admits_nothing_until_a_workload_is_granted(synth: Any) -> None:
    def program() -> None:
        net = PrivateNetwork("net", PrivateNetworkArgs())
        net.grant_endpoint_access("worker", "sg-0123456789abcdef0")

    rec = synth(program)
    endpoint_sg = rec.one(SG, "net-endpoints-sg")
    rules = [r.inputs for r in rec.of_type(INGRESS) if r.inputs["securityGroupId"] == endpoint_sg.id]
    assert len(rules) == 1
    rule = rules[0]
    assert (rule["ipProtocol"], int(rule["fromPort"]), int(rule["toPort"])) == ("tcp", 443, 443)
    assert rule["referencedSecurityGroupId"] == "sg-0123456789abcdef0"
    assert "cidrIpv4" not in rule and rule["description"]
    assert not endpoint_sg.inputs.get("ingress"), "no inline rules, so no rule can be 0.0.0.0/0"


def test_flow_logs_capture_all_traffic_to_a_retained_log_group(synth: Any) -> None:
    rec = build(synth, flow_logs=True, flow_log_retention_days=365)
    group = rec.one("aws:cloudwatch/logGroup:LogGroup")
    flow = rec.one("aws:ec2/flowLog:FlowLog").inputs
    assert flow["trafficType"] == "ALL" and flow["logDestination"] == group.outputs["arn"]
    assert flow["vpcId"] == rec.one("aws:ec2/vpc:Vpc").id
    assert int(group.inputs["retentionInDays"]) == 365
    trust = json.loads(rec.one("aws:iam/role:Role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}


def test_flow_logs_are_off_by_default(default: Recording) -> None:
    assert not default.of_type("aws:ec2/flowLog:FlowLog")


def test_outputs_carry_ids(synth: Any) -> None:
    import pulumi

    def program() -> None:
        net = PrivateNetwork("net", PrivateNetworkArgs(az_count=3))
        for key in ("vpc_id", "vpc_cidr", "availability_zones", "public_subnet_ids", "private_subnet_ids",
                    "private_route_table_ids", "endpoint_security_group_id", "s3_prefix_list_id"):  # fmt: skip
            pulumi.export(key, getattr(net, key))

    rec = synth(program)
    out = rec.outputs
    assert out["vpc_id"] == rec.one("aws:ec2/vpc:Vpc").id and out["vpc_cidr"] == "10.0.0.0/16"
    assert len(out["private_subnet_ids"]) == len(out["public_subnet_ids"]) == len(out["private_route_table_ids"]) == 3
    assert out["endpoint_security_group_id"] == rec.one(SG, "net-endpoints-sg").id
    assert out["s3_prefix_list_id"].startswith("pl-")


def test_the_endpoint_group_output_waits_for_the_endpoints(synth: Any) -> None:
    """A service granting itself endpoint access depends, through this output, on every endpoint."""

    def program() -> None:
        net = PrivateNetwork("net", PrivateNetworkArgs())
        net.grant_endpoint_access("worker", "sg-0123456789abcdef0")
        from fargatelb.network import allow_endpoint_access

        allow_endpoint_access("svc", net.endpoint_security_group_id, "sg-0fedcba9876543210", net)

    rec = synth(program)
    rule = rec.one(INGRESS, "svc-endpoints-in")
    deps = set(rule.property_dependencies["securityGroupId"])
    endpoint_urns = {r.urn for r in rec.of_type(ENDPOINT)}
    assert endpoint_urns <= deps, "the grant must wait for ecr.api, ecr.dkr, logs and s3"


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"az_count": 0}, "az_count", "from 1 to 6"),
        ({"az_count": 7}, "az_count", "from 1 to 6"),
        ({"cidr_block": "10.0.0.0/8"}, "cidr_block", "/16 to /22"),
        ({"cidr_block": "banana"}, "cidr_block", "not an IPv4 network"),
        ({"nat_strategy": "double"}, "nat_strategy", "'none', 'single', 'per_az'"),
        ({"extra_interface_endpoints": ["s3"]}, r"extra_interface_endpoints\[0\]", "gateway endpoint"),
        ({"extra_interface_endpoints": ["Bad Name"]}, r"extra_interface_endpoints\[0\]", "service name"),
        ({"flow_log_retention_days": 10}, "flow_log_retention_days", "must be one of 1, 3, 5"),
    ],
)
def test_bad_arguments_fail_naming_the_argument(synth: Any, kwargs: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidArgument, match=rf"PrivateNetworkArgs\.{field}: .*{message}"):
        build(synth, **kwargs)


def test_more_zones_than_the_region_has_fails_naming_az_count(synth: Any) -> None:
    with pytest.raises(InvalidArgument, match=r"az_count: eu-west-1 has 3 availability zones"):
        synth(lambda: PrivateNetwork("net", PrivateNetworkArgs(az_count=4)), zone_count=3)


def test_provider_dict_arguments_build_the_same_network(synth: Any) -> None:
    """Programs in other languages reach the component through the provider, which passes a dict."""
    rec = synth(lambda: PrivateNetwork("net", {"az_count": 3, "nat_strategy": "single"}))  # type: ignore[arg-type]
    assert len(subnets(rec, "private")) == 3 and len(rec.of_type(NAT)) == 1
