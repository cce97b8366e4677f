"""The production profile in the config check: everything production refuses, at once, before any
resource exists; what an override lets through; and what it doesn't judge."""

import json
from typing import Any

import pytest

from offline import stack_config
from stack_config import ConfigError, OfflineRun
from stack_config import parse as parse_config

TAGS = {"pulumi:tags": json.dumps({"fargatelb:profile": "production"})}
ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


def prod(**sections: Any) -> dict[str, str]:
    """Pulumi.prod.yaml's config with `sections` replaced (None removes one)."""
    config = stack_config("prod")
    for name, value in sections.items():
        key = "pulumi:tags" if name == "tags" else f"fargate-lb:{name}"
        if value is None:
            config.pop(key, None)
        else:
            config[key] = json.dumps(value)
    return config


def parse(config: dict[str, str], source: str) -> Any:
    """As the offline preview parses it: prod's certificate is stood in for."""
    return parse_config(config, source=source, offline=OfflineRun(source))


def refused(config: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse(config, source="Pulumi.x.yaml")
    return str(raised.value).splitlines()


def test_the_dev_stack_declared_production_is_refused_setting_by_setting_at_once() -> None:
    lines = refused(stack_config("dev") | TAGS)
    keys = [line.split(": ")[1] for line in lines]
    assert keys == [
        "fargate-lb:network.flowLogs",
        "fargate-lb:web.https",
        "fargate-lb:web.deletionProtection",
        "fargate-lb:web.accessLogs",
        "fargate-lb:web.encryptLogs",
        "fargate-lb:web.protect",
        "fargate-lb:udp.deletionProtection",
        "fargate-lb:udp.encryptLogs",
        "fargate-lb:udp.protect",
        "fargate-lb:images.encryptRepositories",
        "fargate-lb:images.forceDelete",
        "fargate-lb:images.protect",
    ]
    assert all(line.startswith("Pulumi.x.yaml: fargate-lb:") for line in lines)


def test_a_shared_alb_and_its_services_are_judged_each_by_its_own_keys() -> None:
    lines = refused(stack_config("platform") | TAGS)
    keys = {line.split(": ")[1] for line in lines}
    assert {"fargate-lb:alb.https", "fargate-lb:alb.deletionProtection", "fargate-lb:alb.accessLogs"} <= keys
    assert {f"fargate-lb:services.{s}.encryptLogs" for s in ("api", "admin", "docs")} <= keys


def test_the_access_log_bucket_of_a_shared_alb_is_protected_by_the_albs_own_key() -> None:
    config = stack_config("platform") | TAGS
    certificate = "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    alb = {"https": True, "certificateArn": certificate, "deletionProtection": True, "accessLogs": True}
    config["fargate-lb:alb"] = json.dumps(alb)
    (line,) = [line for line in refused(config) if ": fargate-lb:alb." in line]
    assert line.startswith("Pulumi.x.yaml: fargate-lb:alb.protect: is false (the default), for the access-log bucket;")


def test_repositories_are_judged_only_when_the_stack_builds_one() -> None:
    web = json.loads(stack_config("prod")["fargate-lb:web"]) | {"image": f"{ECR}/web:1"}
    udp = json.loads(stack_config("prod")["fargate-lb:udp"]) | {
        "image": f"{ECR}/udp:1",
        "healthCheckImage": f"{ECR}/hc:1",
    }
    parsed = parse(prod(web=web, udp=udp, images={"platform": "linux/amd64"}), source="Pulumi.x.yaml")
    assert parsed.production is not None and parsed.production.overrides == {}


def test_an_override_lets_through_exactly_its_control_and_says_which_keys() -> None:
    web = json.loads(stack_config("prod")["fargate-lb:web"]) | {"accessLogs": False, "deletionProtection": False}
    tags = {"project": "fargate-lb", "fargatelb:profile": "production", "fargatelb:override:ELB.5": "OPS-1"}
    (line,) = refused(prod(web=web, tags=tags))
    assert line.startswith("Pulumi.x.yaml: fargate-lb:web.deletionProtection: is false;")
    tags["fargatelb:override:ELB.6"] = "OPS-2"
    tags["fargatelb:override:EC2.6"] = "OPS-3"
    profile = parse(prod(web=web, tags=tags), source="Pulumi.x.yaml").production
    assert profile is not None
    assert profile.waived == {"ELB.5": ("fargate-lb:web.accessLogs",), "ELB.6": ("fargate-lb:web.deletionProtection",),
                              "EC2.6": ()}  # fmt: skip
    assert profile.overrides == {"ELB.5": "OPS-1", "ELB.6": "OPS-2", "EC2.6": "OPS-3"}


def test_a_tag_that_cant_be_read_names_its_key_under_pulumi_tags() -> None:
    (line,) = refused(prod(tags={"fargatelb:profile": "production", "fargatelb:override:ELB.5": ""}))
    assert line.startswith("Pulumi.x.yaml: pulumi:tags.fargatelb:override:ELB.5: overrides ELB.5 without a reason")


def test_the_committed_stacks_other_than_prod_declare_nothing() -> None:
    for stack in ("dev", "platform"):
        assert parse(stack_config(stack), source=f"Pulumi.{stack}.yaml").production is None
