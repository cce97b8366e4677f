"""The ARNs a stack hands the components: ACM certificates and task secrets, parsed and checked.

A malformed ARN, or one in another partition or an unknown region, fails only when AWS first sees
it: mid-deploy for a certificate (after the load balancer exists), at task start for a secret.
Checked here, each names its field and the shape it must have.
"""

import re
from dataclasses import dataclass

from ._args import InvalidArgument
from .regions import region_problem

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ACCOUNT = r"(?P<account>\d{12})"
_REGION = r"(?P<region>[a-z0-9-]+)"
ACM_CERTIFICATE = re.compile(rf"^arn:(?P<partition>[a-z-]+):acm:{_REGION}:{_ACCOUNT}:certificate/{_UUID}$")
# ECS accepts a Secrets Manager ARN with `:json-key:version-stage:version-id` appended (each may be empty).
SECRETS_MANAGER = re.compile(
    rf"^arn:(?P<partition>[a-z-]+):secretsmanager:{_REGION}:{_ACCOUNT}:secret:(?P<name>[A-Za-z0-9/_+=.@-]+)"
    r"(?P<suffix>:[^:]*:[^:]*:[^:]*)?$"
)
# Secrets Manager treats a name ending in `-` and six characters as a complete ARN (its API reference,
# SecretId); anything else is a partial ARN.
COMPLETE_SECRET_NAME = re.compile(r"-[A-Za-z0-9]{6}$")
SSM_PARAMETER = re.compile(
    rf"^arn:(?P<partition>[a-z-]+):ssm:{_REGION}:{_ACCOUNT}:parameter/(?P<name>[A-Za-z0-9_.-][A-Za-z0-9_./-]*)$"
)

CERTIFICATE_SHAPE = "arn:aws:acm:<region>:<12-digit account>:certificate/<uuid>"
SECRET_SHAPES = (
    "arn:aws:secretsmanager:<region>:<account>:secret:<name>[:json-key:version-stage:version-id] or "
    "arn:aws:ssm:<region>:<account>:parameter/<name>"
)


@dataclass(frozen=True)
class Arn:
    service: str
    region: str
    account: str
    resource_arn: str
    """The ARN IAM policies grant: a secret's own ARN, without the ECS json-key/version suffix."""


def _place(owner: str, field: str, value: str, partition: str, region: str) -> None:
    if partition != "aws":
        raise InvalidArgument(
            owner,
            field,
            f"is in the {partition!r} partition; only the commercial 'aws' partition is supported, got {value!r}",
        )
    problem = region_problem(region)
    if problem:
        raise InvalidArgument(owner, field, f"names region {region!r}: {problem}")


def parse_certificate_arn(owner: str, field: str, value: str) -> Arn:
    match = ACM_CERTIFICATE.match(value)
    if not match:
        raise InvalidArgument(owner, field, f"must be an ACM certificate ARN like {CERTIFICATE_SHAPE}, got {value!r}")
    _place(owner, field, value, match["partition"], match["region"])
    return Arn("acm", match["region"], match["account"], value)


def parse_secret_arn(owner: str, field: str, value: str) -> Arn:
    """A task secret's `valueFrom`: a Secrets Manager secret or an SSM parameter, by full ARN.

    ECS also takes a bare parameter name in the task's region, but the execution role is granted
    exactly the ARNs listed, so a name would be denied at task start.
    """
    for service, pattern in (("secretsmanager", SECRETS_MANAGER), ("ssm", SSM_PARAMETER)):
        match = pattern.match(value)
        if match:
            _place(owner, field, value, match["partition"], match["region"])
            suffix = match.groupdict().get("suffix") or ""
            resource = value[: len(value) - len(suffix)]
            if service == "secretsmanager" and not COMPLETE_SECRET_NAME.search(match["name"]):
                # A partial ARN (no `-` and the six random characters Secrets Manager appends): ECS
                # resolves it, but IAM matches the complete ARN, which a grant of the partial one
                # never equals. AWS's own policy examples grant `<name>-??????`.
                resource += "-??????"
            return Arn(service, match["region"], match["account"], resource)
    raise InvalidArgument(owner, field, f"must be the ARN of a secret: {SECRET_SHAPES}; got {value!r}")
