"""The billing service in another team's VPC: what this stack owns is proven, what it can't see is
reported unknown (never passed as proven), and the network's ids end up exactly where they belong.

    cd examples/existing-network && python -m pytest tests
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fargatelb import InvalidArgument
from fargatelb.preview.project import Project
from fargatelb.preview.runner import Judged, judge, read_stack, run_program
from fargatelb.verify import Severity

HERE = Path(__file__).resolve().parent.parent
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"


def config(**network: object) -> dict[str, str]:
    """The committed stack's config, with the network section changed."""
    _, file, _ = read_stack(Project.load(HERE), "dev")
    values = dict(file.config)
    values["existing-network:network"] = json.dumps({**json.loads(values["existing-network:network"]), **network})
    return values


def judged(values: dict[str, str] | None = None) -> Judged:
    return judge(run_program(Project.load(HERE), "dev", config=values), cost=False)


@pytest.fixture(scope="module")
def dev() -> Judged:
    return judged()


def test_what_the_stack_owns_is_proven_and_what_it_cannot_see_is_unknown(dev: Judged) -> None:
    report = dev.report
    assert not report.errors and not report.warnings, report.format()
    assert {p.kind for p in report.paths if p.ok} >= {"traffic", "health-check"}
    assert [f.hop for f in report.findings if f.severity is Severity.UNKNOWN] == ["subnets"]
    assert not [p for p in report.paths if p.kind in ("image-pull", "logs")], "nothing to prove them with offline"


def test_the_network_team_ids_land_where_they_belong(dev: Judged) -> None:
    rec = dev.run.recording
    clients = {r.inputs.get("cidrIpv4") for r in rec.of_type(INGRESS) if r.name.startswith("billing-lb-in")}
    assert clients == {"10.20.0.0/16"}, "an internal ALB admits the VPC's block, nothing wider"
    to_endpoints = [r.inputs for r in rec.of_type(EGRESS) if r.name == "billing-task-out-endpoints"]
    assert [(e["referencedSecurityGroupId"], e["fromPort"]) for e in to_endpoints] == [("sg-0e1f2a3b4c5d6e7f8", 443)]
    to_s3 = [r.inputs for r in rec.of_type(EGRESS) if r.name == "billing-task-out-s3"]
    assert [e["prefixListId"] for e in to_s3] == ["pl-6da54004"]
    alb = rec.one("aws:lb/loadBalancer:LoadBalancer", "billing-alb").inputs
    assert alb["internal"] is True and alb["subnets"] == ["subnet-0aa1", "subnet-0bb2"]


def test_an_internal_alb_without_the_vpc_block_is_refused_naming_the_argument() -> None:
    values = config()
    network = json.loads(values["existing-network:network"])
    del network["vpcCidr"]
    values["existing-network:network"] = json.dumps(network)
    with pytest.raises(InvalidArgument, match=r"^LoadBalancedFargateServiceArgs\.allowed_cidrs: "):
        judged(values)
