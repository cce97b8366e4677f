"""The recording mocks: realistic answers, loud failures, and what the engine would record."""

from collections.abc import Callable

import pulumi
import pytest

from fargatelb.mocks import DuplicateUrnError, UnknownInvokeError, synthesize


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


# ---------------------------------------------------------------------------------------------
# What the engine refuses, and what it applies


class Pair(pulumi.ComponentResource):
    """A component with one child whose name does not include the component's: a classic duplicate."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Pair", name, None, opts)
        from pulumi_aws import ec2

        ec2.Vpc("vpc", cidr_block="10.0.0.0/16", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


def test_two_components_with_the_same_name_are_refused_like_the_engine_does() -> None:
    def program() -> None:
        pulumi.ComponentResource("test:index:Solo", "a")
        pulumi.ComponentResource("test:index:Solo", "a")

    with pytest.raises(
        DuplicateUrnError, match=r"Duplicate resource URN 'urn:pulumi:test::project::test:index:Solo::a'"
    ):
        synthesize(program)


def test_a_child_named_without_its_parent_collides_across_parents_naming_both() -> None:
    """A URN holds the parent's type, not its name: two Pairs' children are the same resource."""
    with pytest.raises(DuplicateUrnError) as caught:
        synthesize(lambda: (Pair("a"), Pair("b")))
    error = caught.value
    assert error.urn == "urn:pulumi:test::project::test:index:Pair$aws:ec2/vpc:Vpc::vpc"
    pair = "urn:pulumi:test::project::test:index:Pair::"
    assert {error.first_parent, error.second_parent} == {f"{pair}a", f"{pair}b"}, "registrations run concurrently"
    assert f"registered first under {error.first_parent}, then again under {error.second_parent}" in str(error)


def test_the_same_name_under_differently_typed_ancestors_is_no_duplicate() -> None:
    """The engine qualifies a URN by every ancestor's type: grandchildren of two different outer
    components don't collide, although their parents share a type."""

    def program() -> None:
        for outer_type in ("test:index:Blue", "test:index:Green"):
            outer = pulumi.ComponentResource(outer_type, outer_type[-5:].lower())
            Pair(f"{outer_type[-5:].lower()}-pair", opts=pulumi.ResourceOptions(parent=outer))

    assert len(synthesize(program).of_type("aws:ec2/vpc:Vpc")) == 2


def test_transforms_run_in_the_engines_order_on_components_and_custom_resources() -> None:
    """The resource's own transforms, then each ancestor's (nearest first), then the stack's."""
    seen: list[tuple[str, str, bool]] = []

    def named(label: str) -> Callable[[pulumi.ResourceTransformArgs], None]:
        def transform(args: pulumi.ResourceTransformArgs) -> None:
            seen.append((label, args.name, args.custom))

        return transform

    def program() -> None:
        from pulumi_aws import ec2

        pulumi.runtime.register_resource_transform(named("stack"))
        outer = pulumi.ComponentResource(
            "test:index:Outer", "outer", None, pulumi.ResourceOptions(transforms=[named("outer")])
        )
        inner = pulumi.ComponentResource(
            "test:index:Inner", "inner", None, pulumi.ResourceOptions(parent=outer, transforms=[named("inner")])
        )
        ec2.Vpc("leaf", cidr_block="10.0.0.0/16", opts=pulumi.ResourceOptions(parent=inner, transforms=[named("own")]))

    synthesize(program)
    assert [s for s in seen if s[1] == "leaf"] == [
        ("own", "leaf", True), ("inner", "leaf", True), ("outer", "leaf", True), ("stack", "leaf", True),
    ]  # fmt: skip
    assert [s for s in seen if s[1] == "inner"] == [
        ("inner", "inner", False),
        ("outer", "inner", False),
        ("stack", "inner", False),
    ]


def test_a_transform_changes_props_and_options_and_the_recording_keeps_the_result() -> None:
    def harden(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if args.type_ != "aws:lb/targetGroup:TargetGroup":
            return None  # unchanged
        opts = pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(protect=True, ignore_changes=["tags"]))
        return pulumi.ResourceTransformResult(props={**args.props, "port": 8443}, opts=opts)

    def program() -> None:
        from pulumi_aws import ec2, lb

        vpc = ec2.Vpc("v", cidr_block="10.0.0.0/16")
        lb.TargetGroup(
            "t",
            port=80,
            protocol="HTTP",
            target_type="ip",
            vpc_id=vpc.id,
            opts=pulumi.ResourceOptions(transforms=[harden]),
        )

    rec = synthesize(program)
    tg, vpc = rec.one("aws:lb/targetGroup:TargetGroup"), rec.one("aws:ec2/vpc:Vpc")
    assert int(tg.inputs["port"]) == 8443 and int(tg.outputs["port"]) == 8443
    assert tg.protect and tg.ignore_changes == ["tags"] and not vpc.protect
    assert tg.property_dependencies["vpcId"] == [vpc.urn], "a property the transform kept keeps its dependency"


def test_a_resource_transform_that_moves_the_target_group_port_fails_the_verdict() -> None:
    """Planted through `register_resource_transform` in the repo's own program: the wiring check sees
    the transformed target group, as the engine would deploy it."""
    from fargatelb.verify import check
    from offline import synthesize_stack

    def move(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
        if args.type_ != "aws:lb/targetGroup:TargetGroup" or not args.name.startswith("web"):
            return None
        return pulumi.ResourceTransformResult(props={**args.props, "port": 8081}, opts=args.opts)

    report = check(synthesize_stack("dev", transforms=[move]).graph())
    assert not report.ok
    (finding,) = [f for f in report.errors if f.hop == "target-group-port"]
    assert "on port 8081" in finding.message, report.format()
