"""The AWS regions this package deploys to, and how many availability zones each offers.

Only the commercial `aws` partition is supported: the components build `arn:aws:` ARNs and
`amazonaws.com` service names. China (`aws-cn`), GovCloud (`aws-us-gov`), the isolated partitions
(`aws-iso*`) and the European Sovereign Cloud (`aws-eusc`) are refused by name.

`ZONES` counts the availability zones a new account sees in each region: the zones
`aws ec2 describe-availability-zones --filters Name=opt-in-status,Values=opt-in-not-required`
lists, which is what `PrivateNetwork` asks for (Local and Wavelength zones are opt-in and can't
host a load balancer node). Sources: AWS Global Infrastructure, "Regions and Availability Zones"
(https://aws.amazon.com/about-aws/global-infrastructure/regions_az/) and the EC2 User Guide,
"Regions and Zones" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html),
as of 2026-11-30. Three regions show fewer zones to accounts created today than to older ones:
us-west-1 (2 of 3), ap-northeast-1 (3 of 4: apne1-az3 is closed to new accounts) and
ca-central-1 (3 of 4: cac1-az3 likewise); the table holds the new-account figure, so an `azCount`
it allows works in any account.

Checked against cfn-lint 1.58.0 (2026-11-30), which names the regions in
`cfnlint/data/schemas/providers/*.json` and lists every zone name in `cfnlint.helpers.AVAILABILITY_ZONES`:
the same commercial regions, and the same counts except the three above, where cfn-lint lists
every name any account may see. `tests/test_regions.py` repeats the check when cfn-lint is installed.
"""

# region → (zones a new account sees, opt-in region: must be enabled in the account first)
ZONES: dict[str, tuple[int, bool]] = {
    "us-east-1": (6, False),
    "us-east-2": (3, False),
    "us-west-1": (2, False),
    "us-west-2": (4, False),
    "af-south-1": (3, True),
    "ap-east-1": (3, True),
    "ap-east-2": (3, True),
    "ap-northeast-1": (3, False),
    "ap-northeast-2": (4, False),
    "ap-northeast-3": (3, False),
    "ap-south-1": (3, False),
    "ap-south-2": (3, True),
    "ap-southeast-1": (3, False),
    "ap-southeast-2": (3, False),
    "ap-southeast-3": (3, True),
    "ap-southeast-4": (3, True),
    "ap-southeast-5": (3, True),
    "ap-southeast-6": (3, True),
    "ap-southeast-7": (3, True),
    "ca-central-1": (3, False),
    "ca-west-1": (3, True),
    "eu-central-1": (3, False),
    "eu-central-2": (3, True),
    "eu-north-1": (3, False),
    "eu-south-1": (3, True),
    "eu-south-2": (3, True),
    "eu-west-1": (3, False),
    "eu-west-2": (3, False),
    "eu-west-3": (3, False),
    "il-central-1": (3, True),
    "me-central-1": (3, True),
    "me-south-1": (3, True),
    "mx-central-1": (3, True),
    "sa-east-1": (3, False),
}

# Region name prefixes of the partitions this package doesn't support, most specific first.
OTHER_PARTITIONS: tuple[tuple[str, str], ...] = (
    ("cn-", "aws-cn (China)"),
    ("us-gov-", "aws-us-gov (GovCloud)"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("eusc-", "aws-eusc (European Sovereign Cloud)"),
)

PARTITION = "aws"


def region_problem(region: object) -> str | None:
    """Why `region` can't be deployed to, or None when it is a supported region."""
    if not isinstance(region, str) or not region:
        return f"must be an AWS region name like eu-west-1, got {region!r}"
    if region in ZONES:
        return None
    for prefix, partition in OTHER_PARTITIONS:
        if region.startswith(prefix):
            return (
                f"{region} is in the {partition} partition; only the commercial 'aws' partition is "
                "supported (the components build arn:aws: ARNs and amazonaws.com service names)"
            )
    import difflib

    close = difflib.get_close_matches(region, ZONES, n=1, cutoff=0.8)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"{region!r} is not an AWS region this package knows; {hint}regions: {', '.join(sorted(ZONES))}"


def zone_count_of(region: str) -> int:
    """How many availability zones a new account sees in `region`. Raises ValueError for others."""
    problem = region_problem(region)
    if problem:
        raise ValueError(problem)
    return ZONES[region][0]


def zone_id_prefix(region: str) -> str:
    """The prefix of the region's zone ids: `eu-west-1` → `euw1`, `ap-northeast-1` → `apne1`."""
    area, *words, number = region.split("-")
    letters = "".join("".join(p[0] for p in _directions(w)) for w in words)
    return f"{area}{letters}{number}"


def _directions(word: str) -> list[str]:
    for compound in ("northeast", "northwest", "southeast", "southwest"):
        if word == compound:
            return [compound[:5], compound[5:]]
    return [word]
