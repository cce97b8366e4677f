"""Stack config: one parser, errors that name the config key and the allowed values."""

import json
from pathlib import Path
from typing import Any

import pytest

from offline import parse_stack, stack_config, stacks
from stack_config import ConfigError, parse


def config(**sections: Any) -> dict[str, str]:
    raw = {"aws:region": "eu-west-1"}
    for key, value in sections.items():
        raw[f"fargate-lb:{key}"] = json.dumps(value)
    return raw


WEB = {"containerPort": 8080}


def test_every_stack_file_parses_offline() -> None:
    assert {"dev", "prod"} <= set(stacks())
    for stack in stacks():
        parsed = parse_stack(stack)
        assert parsed.region and parsed.source == f"Pulumi.{stack}.yaml"


def test_dev_needs_nothing_from_the_deployer() -> None:
    assert parse(stack_config("dev"), source="Pulumi.dev.yaml").stand_ins == ()


def test_sections_become_component_arguments() -> None:
    parsed = parse(
        config(network={"azCount": 3, "natStrategy": "single"}, web={"containerPort": 9000, "scaling": {"maxCount": 5}})
    )
    assert parsed.network.az_count == 3 and parsed.network.nat_strategy == "single"
    assert parsed.web is not None and parsed.web["container_port"] == 9000
    assert parsed.web["scaling"].max_count == 5
    assert parsed.udp is None, "absent sections compose nothing"


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ({"web": {"containerPort": 70000}}, r"fargate-lb:web\.containerPort: must be from 1 to 65535, got 70000"),
        ({"web": {"containerPort": "eighty"}}, r"fargate-lb:web\.containerPort: must be an integer"),
        ({"web": {"cpu": 300}}, r"fargate-lb:web\.cpu: must be one of 256, 512, 1024"),
        ({"web": {"cpu": 256, "memory": 4096}}, r"fargate-lb:web\.memory: with cpu 256 must be 512, 1024, 2048 MiB"),
        (
            {"web": {"scaling": {"minCount": 4, "maxCount": 2}}},
            r"fargate-lb:web\.scaling\.minCount: \(4\) must not exceed scaling\.maxCount \(2\)",
        ),
        ({"web": {"scaling": {"cpuTarget": 0}}}, r"fargate-lb:web\.scaling\.cpuTarget: must be from 1 to 100"),
        (
            {"web": {"contanerPort": 80}},
            r"fargate-lb:web\.contanerPort: is not a known setting; allowed: .*containerPort",
        ),
        ({"web": {"vpcId": "vpc-1"}}, r"fargate-lb:web\.vpcId: is not a known setting"),
        ({"web": {"allowedCidrs": ["10.0.0.0/33"]}}, r"fargate-lb:web\.allowedCidrs\[0\]: must be a CIDR block"),
        (
            {"udp": {"healthCheck": {"port": 1234}}},
            r"fargate-lb:udp\.healthCheck\.port: \(1234\) must differ from udpPort",
        ),
        ({"udp": {"internal": False}}, r"fargate-lb:udp\.allowedCidrs: is required when internal is false"),
        (
            {"udp": {"healthCheck": {"protocol": "UDP"}}},
            r"fargate-lb:udp\.healthCheck\.protocol: must be one of HTTP, TCP",
        ),
        (
            {"network": {"natStrategy": "double"}},
            r"fargate-lb:network\.natStrategy: must be one of 'none', 'single', 'per_az'",
        ),
        ({"network": {"azCount": 9}}, r"fargate-lb:network\.azCount: must be from 1 to 6"),
        (
            {"network": {"azCount": 1}, "web": {}},
            r"fargate-lb:network\.azCount: must be at least 2 when fargate-lb:web",
        ),
        (
            {"images": {"platform": "linux/s390x"}},
            r"fargate-lb:images\.platform: must be one of linux/amd64, linux/arm64",
        ),
        (
            {"wbe": {}},
            r"fargate-lb:wbe: is not a setting of this program \(allowed: .*\); did you mean fargate-lb:web",
        ),
    ],
)
def test_bad_values_name_the_config_key_and_the_allowed_values(sections: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(config(**sections))


def test_missing_region_names_aws_region() -> None:
    with pytest.raises(ConfigError, match=r"aws:region: is required"):
        parse({"fargate-lb:web": json.dumps(WEB)})


@pytest.mark.parametrize(
    ("image", "where"),
    [
        ("nginx:1.27", "a registry outside ECR"),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1", "ECR in us-east-1"),
    ],
)
def test_an_image_tasks_cannot_pull_without_nat_names_both_ways_out(image: str, where: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse(config(web={**WEB, "image": image}))
    message = str(raised.value)
    assert message.startswith("the stack's config: fargate-lb:web.image:") and where in message
    assert "remove fargate-lb:web.image" in message and "pushes it to ECR" in message
    assert "fargate-lb:network.natStrategy to 'single' or 'per_az'" in message


def test_the_same_image_is_fine_behind_nat_with_internet_egress_or_from_this_regions_ecr() -> None:
    assert parse(
        config(network={"natStrategy": "single"}, web={**WEB, "image": "nginx:1.27", "internetEgress": True})
    ).web
    ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1"
    assert parse(config(udp={"image": ecr, "healthCheckImage": ecr})).udp


def test_nat_alone_does_not_open_the_internet_to_a_service() -> None:
    """A NAT strategy no longer gives every service internet egress: the one that needs it says so."""
    with pytest.raises(ConfigError, match=r"fargate-lb:web\.internetEgress: true") as raised:
        parse(config(network={"natStrategy": "per_az"}, web={**WEB, "image": "nginx:1.27"}))
    assert "fargate-lb:web.image" in str(raised.value)


def test_internet_egress_without_nat_is_refused_naming_both_keys() -> None:
    with pytest.raises(ConfigError, match=r"fargate-lb:udp\.internetEgress: is true.*natStrategy"):
        parse(config(udp={"internetEgress": True}))


def test_a_secret_in_another_region_behind_nat_needs_internet_egress() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
    with pytest.raises(ConfigError, match=r"fargate-lb:web\.secrets\.DB: .*fargate-lb:web\.internetEgress: true"):
        parse(config(network={"natStrategy": "single"}, web={**WEB, "secrets": {"DB": arn}}))
    assert parse(config(network={"natStrategy": "single"}, web={**WEB, "secrets": {"DB": arn}, "internetEgress": True}))


def test_the_sidecar_image_is_checked_too() -> None:
    with pytest.raises(ConfigError, match=r"fargate-lb:udp\.healthCheckImage: 'busybox'"):
        parse(config(udp={"healthCheckImage": "busybox"}))


def test_config_error_is_a_pulumi_run_error_so_no_traceback_is_printed() -> None:
    import pulumi

    assert issubclass(ConfigError, pulumi.RunError)


# --- a real run: what only AWS knows is asked before any resource -----------------------------------

OTHER_ACCOUNTS_CERTIFICATE = "arn:aws:acm:eu-west-1:999999999999:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"


def load_as_the_cli_would(web: dict[str, Any], **mocks: Any) -> tuple[list[ConfigError], list[str]]:
    """Run `load()` with no offline switch, as under `pulumi preview`, the invokes answered by the mocks."""
    from fargatelb.mocks import synthesize
    from stack_config import load

    errors: list[ConfigError] = []

    def program() -> None:
        try:
            load()
        except ConfigError as err:
            errors.append(err)

    rec = synthesize(program, config=config(web=web), project="fargate-lb", stack="prod", **mocks)
    return errors, [r.type for r in rec.registrations]


def test_a_real_run_refuses_another_accounts_certificate_naming_the_key() -> None:
    errors, registered = load_as_the_cli_would({"certificateArn": OTHER_ACCOUNTS_CERTIFICATE})
    (err,) = errors
    assert str(err).startswith(
        "Pulumi.prod.yaml: fargate-lb:web.certificateArn: belongs to account 999999999999, but these credentials "
        "are account 123456789012's"
    )
    assert "pulumi config set --path 'fargate-lb:web.certificateArn' arn:aws:acm:eu-west-1:123456789012:" in str(err)
    assert registered == [], "refused before any resource"


def test_a_real_run_accepts_the_callers_own_certificate() -> None:
    own = OTHER_ACCOUNTS_CERTIFICATE.replace("999999999999", "123456789012")
    assert load_as_the_cli_would({"certificateArn": own}) == ([], [])


def test_a_real_run_refuses_a_hosted_zone_the_account_does_not_hold() -> None:
    domain = {"domain": {"name": "app.example.com", "hostedZone": "example.com"}}
    errors, registered = load_as_the_cli_would(domain, hosted_zones={"example.org"})
    (err,) = errors
    assert str(err).startswith(
        "Pulumi.prod.yaml: fargate-lb:web.domain.hostedZone: 'example.com' is not a public Route 53 hosted zone"
    )
    assert "no matching Route 53 Hosted Zone found" in str(err) and registered == []
    assert load_as_the_cli_would(domain, hosted_zones={"example.com."}) == ([], [])


def test_the_offline_run_makes_no_account_check() -> None:
    from fargatelb.mocks import synthesize
    from stack_config import load, offline_run

    with offline_run("Pulumi.x.yaml"):
        rec = synthesize(load, config=config(web={"certificateArn": OTHER_ACCOUNTS_CERTIFICATE}))
    assert not [t for t, _ in rec.calls if t.endswith("getCallerIdentity")], "the mocks' account isn't the deployer's"


def test_a_component_error_in_the_program_is_reported_as_the_config_key() -> None:
    from fargatelb import InvalidArgument
    from stack_config import offline_run, relabelled

    with offline_run("Pulumi.x.yaml"), pytest.raises(ConfigError) as raised, relabelled("web"):
        raise InvalidArgument("LoadBalancedFargateServiceArgs", "domain.hosted_zone", "is not a zone of this account")
    assert str(raised.value) == "Pulumi.x.yaml: fargate-lb:web.domain.hostedZone: is not a zone of this account"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"aws:region": "eu-west-1", "aws:regoin": "x"}, r"aws:regoin: is not a setting of the AWS provider; did you"),
        ({"aws:region": "eu-west-1", "fargatelb:web": "{}"}, r"did you mean fargate-lb:web\?"),
        ({"aws:region": "eu-west-1", "pulumi:tags": "[1]"}, r"pulumi:tags: must be an object of stack tag names"),
        ({"aws:region": "cn-north-1"}, r"aws:region: cn-north-1 is in the aws-cn \(China\) partition"),
    ],
)
def test_namespaces_and_regions_are_checked_on_the_engines_config_too(raw: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(raw, source="Pulumi.prod.yaml")


def test_the_aws_keys_come_from_the_installed_provider() -> None:
    import importlib
    import re as regex
    import sys

    from stack_config import aws_provider_keys

    importlib.import_module("pulumi_aws.config")._ExportableConfig  # noqa: B018 (loads the lazy module)
    source = Path(sys.modules["pulumi_aws.config.vars"].__file__ or "").read_text()
    declared = set(regex.findall(r"__config__\.get\w*\('([^']+)'\)", source))
    assert aws_provider_keys() == declared and {"region", "profile", "defaultTags"} <= declared
