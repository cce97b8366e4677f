"""UdpNlbService's health contract as an outside team uses it (issue 11): the sidecar built from the
package when no image is given, a probe configured per service and checked by the sidecar's own
parser, and `health_check.mode: service` for a server that opens its own TCP health port.

Every assertion reads recorded resource inputs; the verdict is the wiring check over the recording.
"""

import json
import re
from typing import Any

import pytest

from fargatelb import InvalidArgument, UdpNlbService, UdpNlbServiceArgs
from fargatelb._args import camel
from fargatelb.build import dockerfile_user
from fargatelb.image_tags import content_tag
from fargatelb.mocks import Recording, synthesize
from fargatelb.sidecar import CONTEXT as SIDECAR_CONTEXT
from fargatelb.sidecar.sidecar import Probe
from fargatelb.udp import UdpHealthCheckArgs, UdpProbeArgs
from fargatelb.verify import check
from synth_helpers import ECR, LITERAL_WIRING, on_network

IMAGE = f"{ECR}/game:1"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
DOCKER_IMAGE = "docker-build:index:Image"
REPOSITORY = "aws:ecr/repository:Repository"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
DNS_PROBE = UdpProbeArgs(
    send_hex="{nonce} 0100 0001 0000 0000 0000 00 0001 0001", expect_prefix_hex="{nonce}", expect_min_length=12
)


def udp(**fields: Any) -> Recording:
    return on_network(lambda wiring, _: UdpNlbService("game", UdpNlbServiceArgs(**wiring, image=IMAGE, **fields)))


def containers(rec: Recording) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in json.loads(rec.one(TASK_DEFINITION, "game-task").inputs["containerDefinitions"])}


def environment(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("environment", [])}


@pytest.fixture(scope="module")
def built() -> Recording:
    """No health_check_image: the component builds the sidecar it ships."""
    return udp()


@pytest.fixture(scope="module")
def service_mode() -> Recording:
    return udp(health_check=UdpHealthCheckArgs(mode="service", protocol="TCP", port=7001))


# --- the sidecar, built from the package -----------------------------------------------------------


def test_without_an_image_the_component_builds_the_packaged_sidecar_into_its_own_repository(built: Recording) -> None:
    component = built.one("fargatelb:index:UdpNlbService", "game")
    (image,) = built.of_type(DOCKER_IMAGE)
    (repo,) = built.of_type(REPOSITORY)
    assert (image.name, repo.name) == ("game-healthcheck-image", "game-healthcheck-repo")
    assert image.parent == repo.parent == component.urn  # part of the component, not the caller's program
    assert repo.inputs["name"] == "project/test/game-healthcheck"  # <project>/<stack>/<name>-healthcheck
    assert repo.inputs["imageTagMutability"] == "IMMUTABLE"
    assert repo.inputs["forceDelete"] is False  # secure default: destroy keeps images unless told otherwise
    assert image.inputs["tags"][0].endswith(":" + content_tag(SIDECAR_CONTEXT, platform="linux/amd64"))
    assert image.retain_on_delete is True
    sidecar = containers(built)["healthcheck"]
    assert sidecar["image"].endswith("@" + image.outputs["digest"])
    # The image's own user and ECS health check (ECS ignores the Dockerfile's HEALTHCHECK).
    assert sidecar["user"] == dockerfile_user(SIDECAR_CONTEXT / "Dockerfile")
    expected = json.loads((SIDECAR_CONTEXT / "healthcheck.json").read_text())["command"]
    assert sidecar["healthCheck"]["command"] == expected


def test_an_arm64_task_gets_an_arm64_sidecar() -> None:
    rec = udp(cpu_architecture="ARM64", image_repository_force_delete=True)
    (image,) = rec.of_type(DOCKER_IMAGE)
    assert image.inputs["platforms"] == ["linux/arm64"]
    assert rec.one(REPOSITORY, "game-healthcheck-repo").inputs["forceDelete"] is True


def test_a_given_sidecar_image_is_used_and_nothing_is_built() -> None:
    rec = udp(health_check_image=f"{ECR}/my-sidecar:3")
    assert not rec.of_type(DOCKER_IMAGE) and not rec.of_type(REPOSITORY)
    assert containers(rec)["healthcheck"]["image"] == f"{ECR}/my-sidecar:3"


def test_the_built_sidecar_is_proven_like_any_other(built: Recording) -> None:
    report = check(built.graph())
    assert report.ok, report.format()
    (health,) = [p for p in report.paths if p.service == "game-service" and p.kind == "health-check"]
    assert "sidecar 'healthcheck' answers HTTP on 8080 for a probe of udp/1234 at 127.0.0.1" in health.text


# --- the probe -------------------------------------------------------------------------------------


def test_the_default_probe_sets_no_probe_variables(built: Recording) -> None:
    env = environment(containers(built)["healthcheck"])
    assert not [k for k in env if k.startswith("PROBE_")]
    assert Probe.from_env(env).describe()["send"] == "PING {nonce}"  # the sidecar's own default


def test_a_custom_probe_reaches_the_sidecar_and_it_accepts_a_real_answer() -> None:
    rec = udp(probe=DNS_PROBE)
    env = environment(containers(rec)["healthcheck"])
    assert {k: v for k, v in env.items() if k.startswith("PROBE_")} == {
        "PROBE_SEND_HEX": DNS_PROBE.send_hex,
        "PROBE_EXPECT_PREFIX_HEX": "{nonce}",
        "PROBE_EXPECT_MIN_LENGTH": "12",
    }
    # Read back the way the container will: the query it sends and the answers it takes.
    probe, nonce = Probe.from_env(env), bytes(range(8))
    query = probe.datagram(nonce)
    assert query.startswith(nonce) and len(query) == 8 + 15
    answer = nonce + bytes.fromhex("8180 0001 0000 0000")  # a header: 16 bytes
    assert probe.accepts(answer, nonce)
    assert not probe.accepts(answer[:10], nonce)  # shorter than a header
    assert not probe.accepts(bytes(8) + answer[8:], nonce)  # an answer to another query


DNS_PROBE_FIELDS = {"send_hex": DNS_PROBE.send_hex, "expect_prefix_hex": "{nonce}", "expect_min_length": 12}


@pytest.mark.parametrize(
    "probe",
    [DNS_PROBE_FIELDS, {camel(k): v for k, v in DNS_PROBE_FIELDS.items()}],
    ids=["snake_case", "camelCase"],
)
def test_a_probe_given_as_a_dict_reaches_the_sidecar_as_the_dataclass_does(probe: dict[str, Any]) -> None:
    """What another language (camelCase, through the provider) or a program's own dict passes."""
    expected = environment(containers(udp(probe=DNS_PROBE))["healthcheck"])
    assert environment(containers(udp(probe=probe))["healthcheck"]) == expected
    assert expected["PROBE_SEND_HEX"] == DNS_PROBE.send_hex and expected["PROBE_EXPECT_MIN_LENGTH"] == "12"


def test_a_probe_dict_with_an_unknown_key_is_refused_by_its_field() -> None:
    with pytest.raises(InvalidArgument, match=r"probe\.sendText: is not a known setting; allowed: .*send_hex") as e:
        synthesize(
            lambda: UdpNlbService("game", UdpNlbServiceArgs(**LITERAL_WIRING, image=IMAGE, probe={"sendText": "x"}))
        )
    assert e.value.field == "probe.sendText"


@pytest.mark.parametrize(
    ("probe", "field", "says"),
    [
        (UdpProbeArgs(send="x", send_hex="78"), "probe.send", "exclusive"),
        (UdpProbeArgs(send_hex="zz"), "probe.send_hex", "hex"),
        (UdpProbeArgs(send="hi", expect_regex="("), "probe.expect_regex", "does not compile"),
        (UdpProbeArgs(send="x" * 1401), "probe.send", "1400"),
        (UdpProbeArgs(send="hi", pad_to=2000), "probe.pad_to", "1400"),
        (UdpProbeArgs(send="hi", expect_min_length=0), "probe.expect_min_length", ""),
        (UdpProbeArgs(expect_prefix="PONG", expect_prefix_hex="50"), "probe.expect_prefix", "exclusive"),
        (UdpProbeArgs(send=["PING"]), "probe.send", "must be a string"),  # type: ignore[arg-type]
    ],
    ids=["both-sends", "bad-hex", "bad-regex", "too-long", "pad-too-far", "min-length-0", "both-prefixes", "list"],
)
def test_a_probe_the_sidecar_would_refuse_at_start_is_refused_by_its_field(
    probe: UdpProbeArgs, field: str, says: str
) -> None:
    with pytest.raises(InvalidArgument, match=rf"^UdpNlbServiceArgs\.{re.escape(field)}: .*{says}") as err:
        synthesize(lambda: UdpNlbService("game", UdpNlbServiceArgs(**LITERAL_WIRING, image=IMAGE, probe=probe)))
    assert "PROBE_" not in str(err.value), "name the argument, not the sidecar's variable"


# --- service mode: the server's own TCP health port ----------------------------------------------


def test_service_mode_runs_one_container_that_serves_both_ports(service_mode: Recording) -> None:
    (only,) = containers(service_mode).values()
    assert only["name"] == "udp"
    assert sorted((m["containerPort"], m["protocol"]) for m in only["portMappings"]) == [(1234, "udp"), (7001, "tcp")]
    assert environment(only)["HEALTH_PORT"] == "7001" and environment(only)["UDP_PORT"] == "1234"
    tg = service_mode.one(TARGET_GROUP, "game-tg").inputs
    assert (tg["healthCheck"]["protocol"], tg["healthCheck"]["port"]) == ("TCP", "7001")
    assert not service_mode.of_type(DOCKER_IMAGE), "no sidecar to build"
    health_in = [r.inputs for r in service_mode.of_type(INGRESS) if r.inputs.get("fromPort") == 7001]
    assert [(r["ipProtocol"], r["toPort"]) for r in health_in] == [("tcp", 7001)]


def test_service_mode_is_proven_to_the_udp_container(service_mode: Recording) -> None:
    report = check(service_mode.graph())
    assert report.ok, report.format()
    (health,) = [p for p in report.paths if p.service == "game-service" and p.kind == "health-check"]
    assert "container 'udp' maps 7001/tcp" in health.text and "sidecar" not in health.text


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"health_check_image": f"{ECR}/sidecar:1"}, "health_check_image"),
        ({"probe": UdpProbeArgs(send="hi")}, "probe"),
        ({"sidecar": {"user": "1:1"}}, "sidecar"),
    ],
)
def test_service_mode_refuses_sidecar_settings_it_would_ignore(extra: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument, match=rf"^UdpNlbServiceArgs\.{field}: isn't used when health_check.mode"):
        synthesize(
            lambda: UdpNlbService(
                "game",
                UdpNlbServiceArgs(
                    **LITERAL_WIRING, image=IMAGE, health_check=UdpHealthCheckArgs(mode="service"), **extra
                ),
            )
        )


@pytest.mark.parametrize(
    ("fields", "key", "says"),
    [
        ({"health_check": UdpHealthCheckArgs(mode="both")}, "health_check.mode", "'sidecar', 'service'"),
        ({"environment": {"UDP_PORT": "9"}}, "environment.UDP_PORT", "set by the component"),
        ({"environment": {"HEALTH_PORT": "9"}}, "environment.HEALTH_PORT", "set by the component"),
    ],
)
def test_bad_health_settings_name_their_key(fields: dict[str, Any], key: str, says: str) -> None:
    with pytest.raises(InvalidArgument, match=rf"^UdpNlbServiceArgs\.{re.escape(key)}: .*{says}"):
        synthesize(lambda: UdpNlbService("game", UdpNlbServiceArgs(**LITERAL_WIRING, image=IMAGE, **fields)))


@pytest.mark.parametrize("given", [{"path": "/x"}, {"matcher": "200"}])
def test_a_tcp_health_check_refuses_http_settings_it_would_ignore(given: dict[str, str]) -> None:
    (field,) = given
    with pytest.raises(InvalidArgument, match=rf"^UdpNlbServiceArgs\.health_check\.{field}: isn't used by a TCP"):
        synthesize(
            lambda: UdpNlbService(
                "game",
                UdpNlbServiceArgs(
                    **LITERAL_WIRING, image=IMAGE, health_check=UdpHealthCheckArgs(protocol="TCP", **given)
                ),
            )
        )
