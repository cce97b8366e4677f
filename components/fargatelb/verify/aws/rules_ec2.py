"""EC2 rules cfn-lint's schemas don't carry for the resources Pulumi creates: security-group rule
descriptions and group names, VPC endpoint service names."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ... import endpoint_services
from ...graph import Node
from ..model import Severity
from ..tokens import EGRESS_RULE, INGRESS_RULE, LEGACY_RULE, SECURITY_GROUP, VPC_ENDPOINT
from .bridge import AUTONAME_SUFFIX
from .registry import Problem, rule, shown

# EC2's character set for group names, group descriptions and rule descriptions.
_EC2_TEXT = re.compile(r"^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*$")


def _bad(text: str) -> str:
    bad = sorted({c for c in text if not _EC2_TEXT.match(c)})
    return ", ".join(repr(c) for c in bad)


@rule(
    "sg-rule-description",
    "A security-group rule description is up to 255 characters of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*",
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html",
    INGRESS_RULE,
    EGRESS_RULE,
    LEGACY_RULE,
)
def rule_description(node: Node) -> Iterator[Problem]:
    text = node.get("description")
    if not isinstance(text, str):
        return
    if len(text) > 255:
        yield Problem(f"description is {len(text)} characters; the limit is 255", "description", shown(text))
    if not _EC2_TEXT.match(text):
        yield Problem(f"description {shown(text)} holds characters EC2 refuses: {_bad(text)}", "description", text)


@rule(
    "sg-name",
    "A security group name is up to 255 characters of EC2's set, and doesn't start with 'sg-'",
    "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
    SECURITY_GROUP,
)
def group_name(node: Node) -> Iterator[Problem]:
    name = node.get("name")
    auto = name is None and not node.get("namePrefix") and not node.property_dependencies.get("name")
    name = node.name + AUTONAME_SUFFIX if auto else name
    if not isinstance(name, str):
        return
    where = f" (auto-named from the logical name {node.name!r})" if auto else ""
    if name.lower().startswith("sg-"):
        yield Problem(f"security group name {name!r}{where} can't start with 'sg-'", "name", name, "name")
    if len(name) > 255 or not _EC2_TEXT.match(name):
        yield Problem(
            f"security group name {shown(name)}{where} must be up to 255 characters of EC2's set; refused: "
            f"{_bad(name) or 'length'}",
            "name",
            name,
            "name",
        )


@rule(
    "vpc-endpoint-service",
    "A gateway endpoint is for s3 or dynamodb; an interface endpoint names a service AWS offers in the region",
    f"{endpoint_services.SOURCE_URL} (a short list as of {endpoint_services.AS_OF}: fargatelb/endpoint_services.py)",
    VPC_ENDPOINT,
)
def endpoint_service(node: Node) -> Iterator[Problem]:
    full = node.get("serviceName")
    parts = endpoint_services.split(full) if isinstance(full, str) else None
    if parts is None:
        return  # unknown yet, or a form this check doesn't read (another account's endpoint service)
    _, name = parts
    kind = node.props.get("vpcEndpointType", "Gateway")  # EC2's default type
    if kind == "Gateway" and name not in endpoint_services.GATEWAY_SERVICES:
        yield Problem(
            f"a Gateway endpoint for {name!r}: gateway endpoints exist for s3 and dynamodb only; {name} is reached "
            "through an Interface endpoint",
            "vpcEndpointType",
            kind,
        )
    elif kind != "Interface":
        return
    elif not endpoint_services.well_formed(name):
        yield Problem(
            f"serviceName {full!r}: {name!r} isn't a service name (lowercase letters, digits, dots and hyphens); "
            "AWS answers InvalidServiceName",
            "serviceName",
            full,
            "interface_endpoints",
        )
    elif name not in endpoint_services.INTERFACE_SERVICES:
        yield Problem(
            f"interface endpoint service {name!r} is not on this check's short list of AWS services, so it isn't "
            f"checked offline: if AWS doesn't offer com.amazonaws.<region>.{name}, the endpoint fails with "
            "InvalidServiceName (list them: aws ec2 describe-vpc-endpoint-services); a real `pulumi preview` of "
            "PrivateNetwork asks AWS",
            "serviceName",
            full,
            "interface_endpoints",
            Severity.UNKNOWN,
        )
