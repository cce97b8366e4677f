"""Subnet CIDR math for PrivateNetwork, as a pure function (no Pulumi).

Layout of a VPC block of prefix length P (P from 16 to 22):

- private subnet of zone i: the i-th block of length P+3 (i = 0..5), the large ones, because tasks
  in `awsvpc` mode take one address each;
- public subnet of zone i: the i-th block of length P+6 inside the 7th block of length P+3, small,
  because only load balancer nodes and NAT gateways live there;
- the 8th block of length P+3 is left free for later (database or transit subnets).

Each subnet's block depends only on the VPC block and its zone index, never on how many zones there
are, so raising `az_count` adds subnets without replacing the existing ones.
"""

import ipaddress
from dataclasses import dataclass

MAX_ZONES = 6
MIN_VPC_PREFIX = 16  # the largest VPC AWS allows
MAX_VPC_PREFIX = 22  # keeps the public subnets at /28, the smallest AWS allows


@dataclass(frozen=True)
class ZoneSubnets:
    zone_index: int
    public_cidr: str
    private_cidr: str


def plan_subnets(vpc_cidr: str, az_count: int) -> list[ZoneSubnets]:
    """Return the public and private subnet blocks for zones 0..az_count-1 of `vpc_cidr`."""
    try:
        vpc = ipaddress.IPv4Network(vpc_cidr)
    except ValueError as exc:
        raise ValueError(f"{vpc_cidr!r} is not an IPv4 network in CIDR form: {exc}") from None
    if not MIN_VPC_PREFIX <= vpc.prefixlen <= MAX_VPC_PREFIX:
        raise ValueError(f"{vpc_cidr!r} must have a prefix length from /{MIN_VPC_PREFIX} to /{MAX_VPC_PREFIX}")
    if not 1 <= az_count <= MAX_ZONES:
        raise ValueError(f"az_count must be from 1 to {MAX_ZONES}, got {az_count}")
    eighths = list(vpc.subnets(prefixlen_diff=3))
    public_pool = list(eighths[MAX_ZONES].subnets(prefixlen_diff=3))
    return [
        ZoneSubnets(zone_index=i, public_cidr=str(public_pool[i]), private_cidr=str(eighths[i]))
        for i in range(az_count)
    ]
