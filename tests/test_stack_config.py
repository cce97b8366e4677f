"""Stack config: one parser, errors that name the config key and the allowed values."""

import json
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


def test_the_same_image_is_fine_behind_nat_or_from_this_regions_ecr() -> None:
    assert parse(config(network={"natStrategy": "single"}, web={**WEB, "image": "nginx:1.27"})).web
    ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1"
    assert parse(config(udp={"image": ecr, "healthCheckImage": ecr})).udp


def test_the_sidecar_image_is_checked_too() -> None:
    with pytest.raises(ConfigError, match=r"fargate-lb:udp\.healthCheckImage: 'busybox'"):
        parse(config(udp={"healthCheckImage": "busybox"}))


def test_config_error_is_a_pulumi_run_error_so_no_traceback_is_printed() -> None:
    import pulumi

    assert issubclass(ConfigError, pulumi.RunError)
