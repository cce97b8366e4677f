"""The region table, and the mocks answering each region's real zones (never a made-up three)."""

from typing import Any

import pytest

from fargatelb import PrivateNetwork, PrivateNetworkArgs
from fargatelb.mocks import MockRegionError, synthesize
from fargatelb.regions import ZONES, region_problem, zone_count_of, zone_id_prefix


def test_every_region_offers_two_to_six_zones_and_the_well_known_ones_are_right() -> None:
    assert all(2 <= count <= 6 for count, _ in ZONES.values())
    assert zone_count_of("us-east-1") == 6 and zone_count_of("us-west-2") == 4
    assert zone_count_of("us-west-1") == 2, "new accounts see two zones in us-west-1"
    assert zone_count_of("eu-west-1") == 3


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("eusc-de-east-1", "aws-eusc"),
    ],
)
def test_regions_of_other_partitions_are_refused_naming_the_partition(region: str, partition: str) -> None:
    problem = region_problem(region)
    assert problem and f"in the {partition}" in problem and "only the commercial 'aws' partition" in problem


def test_an_unknown_region_is_refused_with_a_suggestion() -> None:
    assert "did you mean eu-west-1?" in (region_problem("eu-wset-1") or "")
    assert "not an AWS region" in (region_problem("mars-north-1") or "")
    assert region_problem("") and region_problem(None)
    with pytest.raises(ValueError, match="not an AWS region"):
        zone_count_of("eu-west-9")


@pytest.mark.parametrize(
    ("region", "prefix"),
    [("eu-west-1", "euw1"), ("us-east-1", "use1"), ("ap-northeast-1", "apne1"), ("ca-central-1", "cac1")],
)
def test_zone_ids_read_like_aws(region: str, prefix: str) -> None:
    assert zone_id_prefix(region) == prefix


def test_the_table_agrees_with_cfn_lint_when_it_is_installed() -> None:
    helpers: Any = pytest.importorskip("cfnlint.helpers")
    other = {r for r in helpers.REGIONS if "partition" in (region_problem(r) or "")}
    assert set(helpers.REGIONS) - other == set(ZONES), "a region cfn-lint knows is missing here, or the reverse"
    # cfn-lint lists every zone name any account may see; new accounts see fewer in these three.
    fewer = {"us-west-1", "ap-northeast-1", "ca-central-1"}
    for region, (count, _) in ZONES.items():
        listed = len(helpers.AVAILABILITY_ZONES[region])
        assert count == listed or (region in fewer and count < listed), region


# --- the mocks ------------------------------------------------------------------------------------


def zones_of(region: str | None, **kwargs: Any) -> list[str]:
    rec = synthesize(lambda: PrivateNetwork("net", PrivateNetworkArgs(az_count=2)), region=region, **kwargs)
    (answer,) = [inputs for token, inputs in rec.calls if token.endswith("getAvailabilityZones")]
    assert answer["filters"][0]["values"] == ["opt-in-not-required"]
    return sorted({r.inputs["availabilityZone"] for r in rec.of_type("aws:ec2/subnet:Subnet")})


@pytest.mark.parametrize("region", ["us-east-1", "us-west-1", "ap-northeast-2"])
def test_the_mocks_answer_the_regions_real_zone_count(region: str) -> None:
    count = zone_count_of(region)
    rec = synthesize(lambda: PrivateNetwork("net", PrivateNetworkArgs(az_count=count)), region=region)
    zones = sorted({r.inputs["availabilityZone"] for r in rec.of_type("aws:ec2/subnet:Subnet")})
    assert zones == [f"{region}{letter}" for letter in "abcdef"[:count]]


def test_four_zones_in_us_east_1_build_four_private_subnets() -> None:
    rec = synthesize(lambda: PrivateNetwork("net", PrivateNetworkArgs(az_count=4)), region="us-east-1")
    assert len([r for r in rec.of_type("aws:ec2/subnet:Subnet") if "-private-" in r.name]) == 4


def test_more_zones_than_us_west_1_offers_fails_naming_its_count() -> None:
    from fargatelb import InvalidArgument

    with pytest.raises(InvalidArgument, match=r"az_count: us-west-1 has 2 availability zones"):
        synthesize(lambda: PrivateNetwork("net", PrivateNetworkArgs(az_count=3)), region="us-west-1")


def test_the_mocks_refuse_a_config_without_a_region() -> None:
    with pytest.raises(MockRegionError, match="no region to answer for: set aws:region"):
        synthesize(lambda: PrivateNetwork("net", PrivateNetworkArgs()), config={"project:x": "1"})


def test_the_mocks_refuse_an_unknown_region() -> None:
    with pytest.raises(MockRegionError, match="'eu-west-9' is not an AWS region"):
        synthesize(lambda: PrivateNetwork("net", PrivateNetworkArgs()), region="eu-west-9")
