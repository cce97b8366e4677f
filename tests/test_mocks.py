"""The recording mocks: realistic answers, loud failures, and what the engine would record."""

import pytest

from fargatelb.mocks import UnknownInvokeError, synthesize


def test_an_invoke_the_mocks_do_not_know_fails_loudly() -> None:
    def program() -> None:
        from pulumi_aws import ec2

        ec2.get_vpc(default=True)

    with pytest.raises(UnknownInvokeError, match="no answer for invoke 'aws:ec2/getVpc:getVpc'"):
        synthesize(program)


def test_resources_get_aws_shaped_ids_and_arns() -> None:
    def program() -> None:
        from pulumi_aws import ec2, lb

        network = ec2.Vpc("v", cidr_block="10.0.0.0/16")
        ec2.SecurityGroup("g", vpc_id=network.id)
        lb.TargetGroup("t", port=80, protocol="HTTP", target_type="ip", vpc_id=network.id)

    rec = synthesize(program)
    assert rec.one("aws:ec2/vpc:Vpc").id.startswith("vpc-")
    assert rec.one("aws:ec2/securityGroup:SecurityGroup").id.startswith("sg-")
    tg = rec.one("aws:lb/targetGroup:TargetGroup")
    assert tg.outputs["arn"].startswith("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t-")
    assert rec.one("aws:ec2/securityGroup:SecurityGroup").inputs["vpcId"] == rec.one("aws:ec2/vpc:Vpc").id


def test_registrations_keep_parents_and_property_dependencies() -> None:
    def program() -> None:
        from pulumi_aws import ec2

        network = ec2.Vpc("v", cidr_block="10.0.0.0/16")
        ec2.Subnet("s", vpc_id=network.id, cidr_block="10.0.0.0/24")

    rec = synthesize(program)
    vpc, subnet = rec.one("aws:ec2/vpc:Vpc"), rec.one("aws:ec2/subnet:Subnet")
    assert subnet.property_dependencies["vpcId"] == [vpc.urn]
    assert subnet.property_dependencies["cidrBlock"] == []
    graph = rec.graph()
    assert graph.refs(graph.by_urn[subnet.urn], "vpcId") == [graph.by_urn[vpc.urn]]


def test_the_graph_is_the_same_whatever_order_resources_registered_in() -> None:
    from fargatelb.graph import Graph, Node

    nodes = [
        Node(urn=f"urn:{name}", type="t", name=name, props={}, property_dependencies={"p": ["urn:b", "urn:a"]})
        for name in ("c", "a", "b")
    ]
    forward, backward = Graph(nodes), Graph(reversed(nodes))
    assert [n.name for n in forward.nodes] == [n.name for n in backward.nodes] == ["a", "b", "c"]
    assert [n.name for n in forward.refs(forward.by_urn["urn:c"], "p")] == ["a", "b"]
