"""Subnet CIDR math: pure, property-tested."""

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fargatelb.cidr import MAX_ZONES, plan_subnets

vpc_blocks = st.builds(
    lambda a, b, prefix: str(ipaddress.IPv4Network((f"10.{a}.{b}.0", prefix), strict=False)),
    st.integers(0, 255),
    st.integers(0, 255),
    st.integers(16, 22),
)
zone_counts = st.integers(1, MAX_ZONES)


@settings(max_examples=200, deadline=None)
@given(vpc=vpc_blocks, zones=zone_counts)
def test_every_subnet_lies_inside_the_vpc_and_none_overlap(vpc: str, zones: int) -> None:
    block = ipaddress.IPv4Network(vpc)
    subnets = [ipaddress.IPv4Network(c) for z in plan_subnets(vpc, zones) for c in (z.public_cidr, z.private_cidr)]
    assert len(subnets) == 2 * zones
    for s in subnets:
        assert s.subnet_of(block), f"{s} is outside {vpc}"
        assert s.prefixlen <= 28, f"{s} is smaller than AWS's /28 minimum"
    for i, a in enumerate(subnets):
        for b in subnets[i + 1 :]:
            assert not a.overlaps(b), f"{a} overlaps {b} in {vpc}"


@settings(max_examples=100, deadline=None)
@given(vpc=vpc_blocks, zones=st.integers(1, MAX_ZONES - 1))
def test_adding_a_zone_keeps_every_existing_subnet(vpc: str, zones: int) -> None:
    before = plan_subnets(vpc, zones)
    after = plan_subnets(vpc, zones + 1)
    assert after[:zones] == before, "raising az_count must not move (and so replace) existing subnets"


def test_private_subnets_are_larger_than_public_ones() -> None:
    zone = plan_subnets("10.0.0.0/16", 1)[0]
    assert zone.private_cidr == "10.0.0.0/19"
    assert zone.public_cidr == "10.0.192.0/22"


@pytest.mark.parametrize(
    ("vpc", "zones", "message"),
    [
        ("10.0.0.0/8", 2, "prefix length from /16 to /22"),
        ("10.0.0.0/24", 2, "prefix length from /16 to /22"),
        ("10.0.0.1/16", 2, "not an IPv4 network"),
        ("nonsense", 2, "not an IPv4 network"),
        ("10.0.0.0/16", 0, "az_count must be from 1 to 6"),
        ("10.0.0.0/16", 7, "az_count must be from 1 to 6"),
    ],
)
def test_bad_blocks_and_zone_counts_are_refused(vpc: str, zones: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan_subnets(vpc, zones)
