"""Tags as AWS counts them: a section's own, the `Name` the components add and the AWS provider's
default tags (`aws:defaultTags`), at most 50 per resource; refused by the config key first, and by
the verdict on any program (the recording merges default tags as the provider does)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi_aws import ec2

from fargatelb.graph import Graph, Node
from fargatelb.mocks import synthesize
from fargatelb.verify import Finding, Layer, check
from fargatelb.verify.aws.rules_tags import schema_limits
from stack_config import ConfigError, parse
from synth_helpers import committed_recording

SERVICES = {"api": {"build": "web", "containerPort": 8080, "routing": {"default": True}}}


def tags(count: int, prefix: str = "t") -> dict[str, str]:
    return {f"{prefix}{i:02d}": "x" for i in range(count)}


def config(default_tags: dict[str, str] | None = None, **sections: Any) -> dict[str, str]:
    raw = {"aws:region": "eu-west-1"}
    if default_tags is not None:
        raw["aws:defaultTags"] = json.dumps({"tags": default_tags})
    for key, value in sections.items():
        raw[f"fargate-lb:{key}"] = json.dumps(value)
    return raw


# ---------------------------------------------------------------------------------------------
# The config check


def test_default_tags_section_tags_and_name_are_counted_together() -> None:
    """5 default tags + 49 of the section's + Name = 55: over AWS's 50, refused by the section's key."""
    with pytest.raises(ConfigError) as raised:
        parse(config(tags(5, "d"), web={"tags": tags(49)}))
    message = str(raised.value)
    assert "fargate-lb:web.tags: has 49 tags; at most 44" in message
    assert "counting Name which the components add, 5 from aws:defaultTags" in message


def test_the_budget_is_met_exactly_and_a_shared_key_counts_once() -> None:
    assert parse(config(tags(5, "d"), web={"tags": tags(44)})).web
    # d00..d04 are both default and the section's: AWS stores each key once (the resource's value wins)
    assert parse(config(tags(5, "d"), web={"tags": {**tags(44), **tags(5, "d")}})).web is not None


@pytest.mark.parametrize(
    ("sections", "key"),
    [
        ({"network": {"tags": tags(45)}}, "fargate-lb:network.tags"),
        ({"udp": {"tags": tags(45)}}, "fargate-lb:udp.tags"),
        ({"alb": {"tags": tags(45)}, "services": SERVICES}, "fargate-lb:alb.tags"),
        ({"services": {"api": {**SERVICES["api"], "tags": tags(45)}}}, "fargate-lb:services.api.tags"),
    ],
)
def test_every_section_counts_the_default_tags(sections: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError, match=rf"{key}: has 45 tags; at most 44"):
        parse(config(tags(5, "d"), **sections))


@pytest.mark.parametrize(
    ("alb", "message"),
    [
        ({"tags": {"aws:owner": "me"}}, r"fargate-lb:alb\.tags\.aws:owner: tag keys starting with 'aws:' are reserved"),
        ({"tags": tags(50)}, r"fargate-lb:alb\.tags: has 50 tags; at most 49"),
        ({"tags": {"Name": "edge"}}, r"fargate-lb:alb\.tags\.Name: is set by the components"),
    ],
)
def test_the_shared_albs_tags_are_checked_by_the_config_check(alb: dict[str, Any], message: str) -> None:
    """A config error (exit 2) naming the key, not a verdict error after the whole program ran."""
    with pytest.raises(ConfigError, match=message):
        parse(config(alb=alb, services=SERVICES))


def test_the_shared_alb_component_checks_its_tags_itself() -> None:
    from fargatelb import ApplicationLoadBalancer, ApplicationLoadBalancerArgs, InvalidArgument
    from synth_helpers import LITERAL_WIRING

    with pytest.raises(InvalidArgument, match=r"ApplicationLoadBalancerArgs\.tags: has 51 tags"):
        synthesize(
            lambda: ApplicationLoadBalancer("edge", ApplicationLoadBalancerArgs(**LITERAL_WIRING, tags=tags(51)))
        )


# ---------------------------------------------------------------------------------------------
# What the recording sees: the provider's merge


def test_the_recording_merges_the_default_providers_tags_as_the_providers_check_does() -> None:
    def program() -> None:
        ec2.SecurityGroup("group", vpc_id="vpc-1", tags={"team": "web", "env": "mine"})
        ec2.SecurityGroup("untagged", vpc_id="vpc-1")

    recording = synthesize(program, config=config({"env": "dev", "owner": "ops"}))
    assert recording.named("group").inputs["tagsAll"] == {"env": "mine", "owner": "ops", "team": "web"}
    assert "tagsAll" not in recording.named("untagged").inputs, "only where the resource records tags"


def test_an_explicit_providers_default_tags_are_its_resources_own() -> None:
    def program() -> None:
        provider = aws.Provider("tagged", region="eu-west-1", default_tags={"tags": {"cost": "1"}})
        ec2.SecurityGroup("group", vpc_id="vpc-1", tags={"a": "b"}, opts=pulumi.ResourceOptions(provider=provider))

    recording = synthesize(program, config=config({"env": "dev"}))
    assert recording.named("group").inputs["tagsAll"] == {"cost": "1", "a": "b"}


def test_without_default_tags_nothing_is_added() -> None:
    for registration in committed_recording("dev").registrations:
        assert "tagsAll" not in registration.inputs


# ---------------------------------------------------------------------------------------------
# The verdict


def tag_findings(graph: Graph) -> list[Finding]:
    return [f for f in check(graph).findings if f.layer is Layer.AWS_RULES and f.property and "tags" in f.property]


def test_a_hand_built_program_over_50_with_the_default_tags_is_refused() -> None:
    def program() -> None:
        ec2.SecurityGroup("group", vpc_id="vpc-1", tags=tags(49))

    (finding,) = tag_findings(synthesize(program, config=config(tags(5, "d"))).graph())
    assert finding.hop == "tags" and finding.property == "tags" and finding.value == 54
    assert "54 tags (49 of its own and 5 default tags from the AWS provider, aws:defaultTags)" in finding.message


def _retagged(stack: str, token: str, name: str, **props: Any) -> tuple[Graph, Node]:
    graph = committed_recording(stack).graph()
    node = next(n for n in graph.nodes if n.type == token and n.name == name)
    changed = dataclasses.replace(node, props={**node.props, **props})
    return Graph([changed if n is node else n for n in graph.nodes]), changed


@pytest.mark.parametrize(
    ("token", "name"),
    [
        ("aws:lb/loadBalancer:LoadBalancer", "web-alb"),
        ("aws:ec2/securityGroup:SecurityGroup", "web-alb-sg"),
        ("aws:cloudwatch/logGroup:LogGroup", "web-logs"),
        ("aws:ec2/vpc:Vpc", "network-vpc"),
    ],
)
def test_52_tags_where_the_schema_has_no_max_items_are_counted_here(token: str, name: str) -> None:
    """EC2, ELB and Logs schemas declare `Tags` without `maxItems`: 52 tags used to pass."""
    assert schema_limits(token)[0] is None
    graph, _ = _retagged("dev", token, name, tags=tags(52))
    (finding,) = tag_findings(graph)
    assert finding.hop == "tags" and "52 tags; AWS allows at most 50" in finding.message
    assert finding.fix is not None and finding.fix.config_key and finding.fix.config_key.endswith(".tags")


def test_where_the_schema_counts_only_the_schema_reports_and_the_default_tags_are_counted_here() -> None:
    service = "aws:ecs/service:Service"
    assert schema_limits(service)[0] == 50
    graph, _ = _retagged("dev", service, "web-service", tags=tags(51))
    assert [f.hop for f in tag_findings(graph)] == ["aws-items"], "one finding, not two"
    graph, _ = _retagged("dev", service, "web-service", tags=tags(48), tagsAll={**tags(48), **tags(5, "d")})
    (finding,) = tag_findings(graph)
    assert finding.hop == "tags" and "53 tags (48 of its own and 5 default tags" in finding.message


def test_key_and_value_lengths_apply_where_the_schema_declares_none() -> None:
    group = "aws:ec2/securityGroup:SecurityGroup"
    assert schema_limits(group)[1:] == (None, None)
    graph, _ = _retagged("dev", group, "web-alb-sg", tags={"k" * 129: "v", "team": "v" * 257})
    key, value = sorted(tag_findings(graph), key=lambda f: f.message, reverse=True)
    assert "must be 1-128 characters" in key.message and "257-character value" in value.message


def test_a_default_tag_at_fault_is_named_as_the_providers() -> None:
    graph, _ = _retagged("dev", "aws:ec2/securityGroup:SecurityGroup", "web-alb-sg", tagsAll={"aws:team": "x"})
    (finding,) = tag_findings(graph)
    assert finding.property == "tagsAll.aws:team" and "aws:defaultTags" in finding.message
