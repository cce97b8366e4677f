"""Client CIDRs: a block listed twice (however it is written) is refused by its config key before
EC2 answers `InvalidPermission.Duplicate`; an IPv6 client block is reachable only through a
dualstack load balancer in a VPC with an IPv6 block."""

import json
from typing import Any

import pytest

from stack_config import ConfigError, parse

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
