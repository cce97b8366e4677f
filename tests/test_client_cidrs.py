"""Client CIDRs: a block listed twice (however it is written) is refused by its config key before
EC2 answers `InvalidPermission.Duplicate`; an IPv6 client block is reachable only through a
dualstack load balancer in a VPC with an IPv6 block."""

import dataclasses
import json
from typing import Any

import pytest

from fargatelb.graph import Graph, Node
from fargatelb.verify import ProvenPath, Report, Severity, check
from offline import stack_config, stacks, synthesize_stack
from stack_config import ConfigError, parse
from synth_helpers import committed_recording

WEB = {"containerPort": 8080}
SERVICES = {"api": {"build": "web", "containerPort": 8080, "routing": {"default": True}}}


def config(**sections: Any) -> dict[str, str]:
    raw = {"aws:region": "eu-west-1"}
    for key, value in sections.items():
        raw[f"fargate-lb:{key}"] = json.dumps(value)
    return raw


@pytest.mark.parametrize(
    ("sections", "key"),
    [
        ({"web": {**WEB, "allowedCidrs": ["0.0.0.0/0", "0.0.0.0/0"]}}, r"fargate-lb:web\.allowedCidrs\[1\]"),
        (
            {"udp": {"allowedCidrs": ["10.1.0.0/16", "10.2.0.0/16", "10.1.0.0/16"]}},
            r"fargate-lb:udp\.allowedCidrs\[2\]",
        ),
        (
            {"alb": {"allowedCidrs": ["203.0.113.0/24", "203.0.113.0/24"]}, "services": SERVICES},
            r"fargate-lb:alb\.allowedCidrs\[1\]",
        ),
    ],
)
def test_a_cidr_listed_twice_is_refused_by_its_key(sections: dict[str, Any], key: str) -> None:
    duplicate = r": lists .* again \(allowedCidrs\[\d\]\).*InvalidPermission\.Duplicate"
    with pytest.raises(ConfigError, match=key + duplicate):
        parse(config(**sections))


@pytest.mark.parametrize(
    ("first", "second", "network"),
    [
        ("10.0.0.0/16", "10.0.0.0/016", "10.0.0.0/16"),
        ("2001:db8::/32", "2001:DB8::/32", "2001:db8::/32"),
        ("2001:db8::/32", "2001:0db8:0000::/32", "2001:db8::/32"),
    ],
)
def test_one_block_written_two_ways_is_a_duplicate(first: str, second: str, network: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse(config(web={**WEB, "allowedCidrs": [first, second]}))
    message = str(raised.value)
    where = f"(allowedCidrs[0], written {first!r} there)"
    assert f"fargate-lb:web.allowedCidrs[1]: lists {network} again {where}" in message


def test_a_bare_address_is_not_a_cidr_block() -> None:
    with pytest.raises(ConfigError, match=r"fargate-lb:web\.allowedCidrs\[0\]: must be a CIDR block like 10\.0\.0\.0/"):
        parse(config(web={**WEB, "allowedCidrs": ["203.0.113.7"]}))


def test_overlapping_but_different_blocks_are_fine() -> None:
    """AWS refuses only an identical rule; 10.0.0.0/8 and 10.1.0.0/16 are two rules."""
    parsed = parse(config(web={**WEB, "allowedCidrs": ["10.0.0.0/8", "10.1.0.0/16", "0.0.0.0/0"]}))
    assert parsed.web is not None and parsed.web["allowed_cidrs"] == ["10.0.0.0/8", "10.1.0.0/16", "0.0.0.0/0"]


# ---------------------------------------------------------------------------------------------
# IPv6 clients: only a dualstack load balancer, in a VPC and subnets with IPv6 blocks, takes them


def _stack(**sections: Any) -> Graph:
    raw = stack_config("dev")
    for name, changes in sections.items():
        raw[f"fargate-lb:{name}"] = json.dumps({**json.loads(raw[f"fargate-lb:{name}"]), **changes})
    return synthesize_stack("dev", config=raw).graph()


def _traffic(report: Report, service: str) -> list[ProvenPath]:
    return [p for p in report.paths if p.service == service and p.kind == "traffic"]


def test_ipv6_clients_alone_never_reach_an_ipv4_only_alb() -> None:
    report = check(_stack(web={"allowedCidrs": ["::/0"]}))
    (path,) = _traffic(report, "web-service")
    assert (
        not path.ok
        and path.hops[0] == "::/0 → web-alb-sg ingress tcp/80 ✗ (IPv6; web-alb is IPv4-only, ipAddressType ipv4)"
    )
    (finding,) = [f for f in report.errors if f.hop == "lb-client-ipv6"]
    assert "no client can reach listener web-http (HTTP:80)" in finding.message
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:web.allowedCidrs"


def test_an_ipv6_block_beside_ipv4_ones_is_a_warning_and_left_out_of_the_path() -> None:
    report = check(_stack(web={"allowedCidrs": ["0.0.0.0/0", "::/0"]}))
    (path,) = _traffic(report, "web-service")
    assert path.ok and path.hops[0].startswith("0.0.0.0/0 → web-alb-sg ingress tcp/80; ::/0 ✗ (IPv6;")
    assert report.ok and report.hops(Severity.WARNING) == {"lb-client-ipv6"}, report.format()


def test_the_udp_nlb_is_ipv4_only_too() -> None:
    report = check(_stack(udp={"internal": False, "allowedCidrs": ["2001:db8::/32"]}))
    (path,) = _traffic(report, "udp-service")
    assert not path.ok and "2001:db8::/32 → udp-nlb-sg ingress udp/1234 ✗" in path.hops[0]
    (finding,) = [f for f in report.errors if f.hop == "lb-client-ipv6"]
    assert finding.fix is not None and finding.fix.config_key == "fargate-lb:udp.allowedCidrs"


def _dualstack(graph: Graph, *, vpc_block: bool = True) -> Graph:
    def changed(node: Node) -> Node:
        props = dict(node.props)
        if node.name == "web-alb":
            props["ipAddressType"] = "dualstack"
        elif node.type == "aws:ec2/vpc:Vpc" and vpc_block:
            props["assignGeneratedIpv6CidrBlock"] = True
        elif node.type == "aws:ec2/subnet:Subnet" and vpc_block:
            props["ipv6CidrBlock"] = "2001:db8:0:1::/64"
        return dataclasses.replace(node, props=props)

    return Graph(changed(n) for n in graph.nodes)


def test_a_dualstack_alb_in_an_ipv6_vpc_takes_ipv6_clients() -> None:
    report = check(_dualstack(_stack(web={"allowedCidrs": ["::/0"]})))
    (path,) = _traffic(report, "web-service")
    assert path.ok and path.hops[0] == "::/0 → web-alb-sg ingress tcp/80", report.format()
    assert "lb-client-ipv6" not in report.hops(Severity.ERROR) | report.hops(Severity.WARNING)


def test_dualstack_without_an_ipv6_block_in_the_vpc_still_takes_none() -> None:
    report = check(_dualstack(_stack(web={"allowedCidrs": ["::/0"]}), vpc_block=False))
    (finding,) = [f for f in report.errors if f.hop == "lb-client-ipv6"]
    assert "web-alb is dualstack but its VPC has no IPv6 block" in finding.message


def test_an_unknown_address_type_leaves_ipv6_clients_unknown() -> None:
    graph = _stack(web={"allowedCidrs": ["::/0"]})
    graph = Graph(dataclasses.replace(n, props={**n.props, "ipAddressType": None}) if n.name == "web-alb" else n
                  for n in graph.nodes)  # fmt: skip
    report = check(graph)
    assert "lb-client-ipv6" in report.hops(Severity.UNKNOWN) and "lb-client-ipv6" not in report.hops()


def test_the_committed_stacks_admit_no_ipv6_block() -> None:
    for stack in stacks():
        assert not [f for f in check(committed_recording(stack).graph()).findings if f.hop == "lb-client-ipv6"]
