"""Security-group rules judged together: two identical rules (EC2's InvalidPermission.Duplicate),
and a group holding more rules than its default quota (60 per direction and address family). Each
is broken once, by a hand-built program and on the committed stacks' shapes, and the committed
stacks break neither."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pulumi
import pytest
from pulumi_aws import ec2, vpc

from fargatelb.graph import Graph, Node
from fargatelb.mocks import synthesize
from fargatelb.verify import Finding, Layer, Severity, check
from fargatelb.verify.aws.registry import GRAPH_RULES
from offline import stack_config, stacks, synthesize_stack
from synth_helpers import committed_recording

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def findings(graph: Graph, rule: str) -> list[Finding]:
    return [f for f in check(graph).findings if f.hop == rule]


def test_every_graph_rule_is_broken_in_this_file() -> None:
    assert {r.id for r in GRAPH_RULES} == {"sg-rule-duplicate", "sg-rule-quota"}


@pytest.mark.parametrize("stack", stacks())
def test_the_committed_stacks_hold_no_duplicate_and_stay_under_the_quota(stack: str) -> None:
    assert findings(committed_recording(stack).graph(), "sg-rule-duplicate") == []
    assert findings(committed_recording(stack).graph(), "sg-rule-quota") == []


# ---------------------------------------------------------------------------------------------
# Duplicates


def _hand_built(rules: Any) -> Graph:
    def program() -> None:
        group = ec2.SecurityGroup("group", vpc_id="vpc-0123456789abcdef0", description="hand built")
        rules(group)

    return synthesize(program).graph()


def test_two_identical_ingress_rules_of_a_hand_built_program_are_refused() -> None:
    def rules(group: ec2.SecurityGroup) -> None:
        for name, cidr in (("a", "0.0.0.0/0"), ("b", "0.0.0.0/0")):
            vpc.SecurityGroupIngressRule(
                name, security_group_id=group.id, ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4=cidr
            )

    (finding,) = findings(_hand_built(rules), "sg-rule-duplicate")
    assert finding.severity is Severity.ERROR and finding.layer is Layer.AWS_RULES
    assert finding.source is not None and finding.source.name == "b"
    assert finding.target is not None and finding.target.name == "a"
    assert "b repeats a: ingress tcp/443 from 0.0.0.0/0 on group" in finding.message
    assert "InvalidPermission.Duplicate" in finding.message
    assert finding.property == "cidrIpv4" and finding.value == "0.0.0.0/0" and finding.source_url


def test_a_cidr_written_two_ways_and_a_literal_group_id_are_compared_as_ec2_stores_them() -> None:
    def program() -> None:
        for name, cidr in (("a", "2001:db8::/32"), ("b", "2001:DB8:0::/32")):
            vpc.SecurityGroupIngressRule(
                name, security_group_id="sg-0123456789abcdef0", ip_protocol="udp", from_port=53, to_port=53,
                cidr_ipv6=cidr,
            )  # fmt: skip

    (finding,) = findings(synthesize(program).graph(), "sg-rule-duplicate")
    assert "on sg-0123456789abcdef0" in finding.message and finding.property == "cidrIpv6"


def test_egress_to_the_same_group_twice_and_a_legacy_rule_listing_a_block_twice_are_refused() -> None:
    def rules(group: ec2.SecurityGroup) -> None:
        peer = ec2.SecurityGroup("peer", vpc_id="vpc-0123456789abcdef0", description="peer")
        for name in ("out-1", "out-2"):
            vpc.SecurityGroupEgressRule(
                name, security_group_id=group.id, referenced_security_group_id=peer.id, ip_protocol="-1"
            )
        ec2.SecurityGroupRule(
            "legacy", type="ingress", security_group_id=group.id, protocol="tcp", from_port=22, to_port=22,
            cidr_blocks=["10.0.0.0/8", "10.0.0.0/8"],
        )  # fmt: skip

    found = {f.source.name: f.message for f in findings(_hand_built(rules), "sg-rule-duplicate") if f.source}
    assert "out-2 repeats out-1: egress all traffic to peer" in found["out-2"]
    assert "legacy lists it twice: ingress tcp/22 from 10.0.0.0/8" in found["legacy"]


def test_rules_that_differ_in_port_peer_or_direction_are_not_duplicates() -> None:
    def rules(group: ec2.SecurityGroup) -> None:
        for name, port, cidr in (("a", 80, "0.0.0.0/0"), ("b", 443, "0.0.0.0/0"), ("c", 80, "10.0.0.0/8")):
            vpc.SecurityGroupIngressRule(
                name, security_group_id=group.id, ip_protocol="tcp", from_port=port, to_port=port, cidr_ipv4=cidr
            )
        vpc.SecurityGroupEgressRule(
            "d", security_group_id=group.id, ip_protocol="tcp", from_port=80, to_port=80, cidr_ipv4="0.0.0.0/0"
        )

    assert findings(_hand_built(rules), "sg-rule-duplicate") == []


def _copied(graph: Graph, node: Node, suffix: str, **props: Any) -> Graph:
    copy = dataclasses.replace(node, urn=node.urn + suffix, name=node.name + suffix, props={**node.props, **props})
    return Graph([*graph.nodes, copy])


def test_a_duplicate_client_rule_of_a_component_names_allowed_cidrs() -> None:
    """What the config check refuses, planted past it: the verdict names the same key."""
    graph = committed_recording("dev").graph()
    (client,) = [n for n in graph.nodes if n.type == INGRESS and n.name.startswith("web-lb-in-tcp-80-")]
    (finding,) = findings(_copied(graph, client, "-again"), "sg-rule-duplicate")
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:web.allowedCidrs"
    assert "the allowed CIDRs list one block twice" in finding.message


# ---------------------------------------------------------------------------------------------
# The quota: 60 rules per direction and address family


def _web_with(cidrs: list[str], https: bool = True) -> Graph:
    raw = stack_config("dev")
    web = json.loads(raw["fargate-lb:web"])
    web |= {"allowedCidrs": cidrs} | ({"https": True, "selfSignedCertificate": True} if https else {})
    return synthesize_stack("dev", config={**raw, "fargate-lb:web": json.dumps(web)}).graph()


def _blocks(count: int, version: int = 4) -> list[str]:
    return [f"10.{i}.0.0/16" if version == 4 else f"2001:db8:{i:x}::/48" for i in range(count)]


def test_31_client_blocks_on_an_https_alb_are_62_inbound_rules_over_the_quota() -> None:
    (finding,) = findings(_web_with(_blocks(31)), "sg-rule-quota")
    assert finding.severity is Severity.ERROR and finding.layer is Layer.LIMITS
    assert finding.source is not None and finding.source.name == "web-alb-sg"
    assert "web-alb-sg would hold 62 inbound IPv4 rules" in finding.message
    assert "L-0EA8095F" in finding.message and "RulesPerSecurityGroupLimitExceeded" in finding.message
    assert "web: 62 (31 CIDR blocks × 2 ports)" in finding.message
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:web.allowedCidrs"
    assert finding.value == 62 and finding.source_url and "amazon-vpc-limits" in finding.source_url


def test_30_blocks_fill_the_quota_exactly_and_pass() -> None:
    assert findings(_web_with(_blocks(30)), "sg-rule-quota") == []


def test_ipv4_and_ipv6_rules_count_against_separate_quotas() -> None:
    """40 IPv4 and 40 IPv6 blocks on one port: 80 rules, 40 per address family."""
    graph = _web_with(_blocks(40) + _blocks(40, version=6), https=False)
    assert findings(graph, "sg-rule-quota") == []


def _widened(graph: Graph, template: Node, total: int, *, own_components: bool = False) -> Graph:
    """`graph` with copies of `template` (each on its own port) until its group holds `total` of its
    kind; with `own_components`, each copy under a component of its own, as each service's are."""
    nodes = list(graph.nodes)
    same = [n for n in nodes if n.type == template.type and n.dependencies_of("securityGroupId")
            == template.dependencies_of("securityGroupId")]  # fmt: skip
    parent = graph.by_urn[template.parent] if template.parent else None
    for i in range(total - len(same)):
        port = 20000 + i
        owner = parent.urn if parent else None
        if parent is not None and own_components:
            owner = f"{parent.urn}-{i}"
            nodes.append(dataclasses.replace(parent, urn=owner, name=f"svc{i:02d}"))
        nodes.append(
            dataclasses.replace(
                template, urn=f"{template.urn}-{i}", name=f"{template.name}-{i}", parent=owner,
                props={**template.props, "fromPort": port, "toPort": port},
            )
        )  # fmt: skip
    return Graph(nodes)


def test_61_services_on_one_alb_are_61_egress_rules_on_its_group() -> None:
    """Each service on a shared ALB adds one egress rule to the ALB's group (and one ingress rule
    to the endpoints' group): the platform stack's shape, widened to 61 services' worth."""
    graph = committed_recording("platform").graph()
    template = next(n for n in graph.nodes if n.type == EGRESS and n.name.startswith("api-lb-out-"))
    (finding,) = findings(_widened(graph, template, 61), "sg-rule-quota")
    assert finding.source is not None and finding.source.name == "edge-alb-sg"
    assert "edge-alb-sg would hold 61 outbound IPv4 rules and 61 outbound IPv6 rules" in finding.message
    assert "counts against both" in finding.message, "a rule that references a group counts once per address family"


def test_61_services_granted_the_endpoints_are_61_inbound_rules_on_the_endpoint_group() -> None:
    graph = committed_recording("platform").graph()
    template = next(n for n in graph.nodes if n.type == INGRESS and n.name == "api-endpoints-in")
    (finding,) = findings(_widened(graph, template, 61), "sg-rule-quota")
    assert finding.source is not None and finding.source.name == "network-endpoints-sg"
    assert "would hold 61 inbound IPv4 rules and 61 inbound IPv6 rules" in finding.message


def test_a_many_component_count_says_what_adds_the_rules() -> None:
    graph = committed_recording("platform").graph()
    egress = [n for n in graph.nodes if n.type == EGRESS and "-lb-out-" in n.name]
    parents = {n.parent for n in egress}
    assert len(parents) == 3, "one rule per service, each under its own component"
    api = next(n for n in egress if n.name.startswith("api-"))
    (finding,) = findings(_widened(graph, api, 61), "sg-rule-quota")
    assert "from api: 59 (to 1 security group); admin: 1 (to 1 security group); docs: 1" in finding.message
    (finding,) = findings(_widened(graph, api, 61, own_components=True), "sg-rule-quota")
    assert "from admin: 1 (to 1 security group); api: 1" in finding.message
    assert "and 56 more components with 56 — one per component" in finding.message


def test_a_program_outside_the_components_is_counted_too() -> None:
    def program() -> None:
        group = ec2.SecurityGroup("group", vpc_id="vpc-0123456789abcdef0", description="hand built")
        for i in range(61):
            vpc.SecurityGroupEgressRule(
                f"out-{i}", security_group_id=group.id, ip_protocol="tcp", from_port=i + 1, to_port=i + 1,
                cidr_ipv4="10.0.0.0/8",
            )  # fmt: skip
        pulumi.export("group", group.id)

    (finding,) = findings(synthesize(program).graph(), "sg-rule-quota")
    assert "group would hold 61 outbound IPv4 rules" in finding.message
    assert finding.fix is not None and finding.fix.resource == "group"


def test_a_block_known_only_at_deploy_still_counts_against_the_quota() -> None:
    """A real preview doesn't know the VPC's block an internal load balancer admits: still a rule."""
    graph = committed_recording("dev").graph()
    template = next(n for n in graph.nodes if n.type == INGRESS and n.name.startswith("udp-lb-in-udp-"))
    assert template.dependencies_of("cidrIpv4"), "the VPC's block, from the network"
    unknown = dataclasses.replace(template, props={**template.props, "cidrIpv4": None})
    graph = Graph([unknown if n is template else n for n in graph.nodes])
    (finding,) = findings(_widened(graph, unknown, 61), "sg-rule-quota")
    assert "udp-nlb-sg would hold 61 inbound IPv4 rules" in finding.message
    assert findings(graph, "sg-rule-duplicate") == [], "unknown blocks are never called equal"
