"""What the provider doesn't tell you, read from the recorded inputs of the committed stacks.

EC2 rejects a security-group description AWS's pattern refuses only at create time, after the
resources before it exist; an ECS service registered before the rules and role attachments its
first tasks need fails its first deployment. Both pass every mock, so each is asserted here.
"""

import re

import pytest

from fargatelb.mocks import Recording
from offline import stacks, synthesize_stack

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"

# CreateSecurityGroup's Description, and a rule's Description, as the EC2 API reference states them:
# "Up to 255 characters in length. Valid characters: a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*"
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html
EC2_DESCRIPTION = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{0,255}")


@pytest.fixture(scope="module")
def recordings() -> dict[str, Recording]:
    return {stack: synthesize_stack(stack) for stack in stacks()}


def descriptions(rec: Recording) -> list[tuple[str, str]]:
    return [
        (r.name, r.inputs["description"])
        for token in (SG, INGRESS, EGRESS, DEFAULT_SG)
        for r in rec.of_type(token)
        if "description" in r.inputs
    ]


def test_ec2_description_pattern_refuses_what_ec2_refuses() -> None:
    assert EC2_DESCRIPTION.fullmatch("web tasks: only the load balancer ports, from its security group")
    assert not EC2_DESCRIPTION.fullmatch("the load balancer's ports")
    assert not EC2_DESCRIPTION.fullmatch("tasks → endpoints")
    assert not EC2_DESCRIPTION.fullmatch("x" * 256)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_security_group_and_rule_description_is_one_ec2_accepts(
    recordings: dict[str, Recording], stack: str
) -> None:
    found = descriptions(recordings[stack])
    assert len(found) > 10, f"{stack}: expected every group and rule to carry a description"
    bad = [(name, text) for name, text in found if not EC2_DESCRIPTION.fullmatch(text)]
    assert not bad, f"{stack}: EC2 would reject these descriptions: {bad}"


def test_every_committed_stack_is_checked(recordings: dict[str, Recording]) -> None:
    for stack, rec in recordings.items():
        bad = [(n, t) for n, t in descriptions(rec) if not EC2_DESCRIPTION.fullmatch(t)]
        assert not bad, f"{stack}: {bad}"
