"""The game platform's own tests: its program run offline under fargatelb's mocks, judged by the same
verdict `python -m fargatelb.preview .` prints. Nothing here comes from the fargate-lb repository but
the installed package.

    cd examples/game-platform && python -m pytest tests
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest

from fargatelb import InvalidArgument
from fargatelb.preview.project import Project
from fargatelb.preview.runner import Judged, judge, run_program
from fargatelb.sidecar.sidecar import Probe

HERE = Path(__file__).resolve().parent.parent
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"


def judged(project_dir: Path = HERE, **kwargs: Any) -> Judged:
    return judge(run_program(Project.load(project_dir), "dev", **kwargs), cost=False)


def containers(result: Judged, task: str) -> dict[str, dict[str, Any]]:
    definitions = json.loads(result.run.recording.one(TASK_DEFINITION, task).inputs["containerDefinitions"])
    return {c["name"]: c for c in definitions}


@pytest.fixture(scope="module")
def dev() -> Judged:
    return judged()


def planted(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of this program with one line changed: the mistake a colleague could make."""
    copy = tmp_path / "game-platform"
    shutil.copytree(HERE, copy, ignore=shutil.ignore_patterns("tests", "__pycache__", "out"))
    source = (copy / "__main__.py").read_text()
    assert source.count(old) == 1, f"plant {old!r}: it must occur exactly once"
    (copy / "__main__.py").write_text(source.replace(old, new))
    return copy


def test_every_path_of_every_service_is_proven(dev: Judged) -> None:
    assert dev.report.ok, dev.report.format()
    services = {p.service for p in dev.report.paths}
    assert services == {"lobby-service", "stats-service", "match-service", "voice-service"}
    health = {p.service: p.text for p in dev.report.paths if p.kind == "health-check"}
    # match: the sidecar answers the NLB's TCP check about udp/7777; voice: the server's own port.
    assert "sidecar 'healthcheck' answers TCP on 8081 for a probe of udp/7777" in health["match-service"]
    assert "container 'udp' maps 7001/tcp" in health["voice-service"]


def test_the_match_probe_reaches_the_sidecar_and_accepts_only_our_answer(dev: Judged) -> None:
    sidecar = containers(dev, "match-task")["healthcheck"]
    env = {e["name"]: e["value"] for e in sidecar["environment"]}
    assert (env["HEALTH_MODE"], env["HEALTH_PORT"], env["UDP_TARGET_PORT"]) == ("tcp", "8081", "7777")
    probe, nonce = Probe.from_env(env), bytes(range(8))
    assert probe.datagram(nonce) == bytes.fromhex("0001") + nonce
    assert probe.accepts(bytes.fromhex("0002") + nonce + b"lobby-7", nonce)
    assert not probe.accepts(bytes.fromhex("0002") + bytes(8), nonce)  # an answer to another probe


def test_the_voice_service_runs_alone_and_is_told_its_health_port(dev: Judged) -> None:
    (udp,) = containers(dev, "voice-task").values()
    env = {e["name"]: e["value"] for e in udp["environment"]}
    assert env["HEALTH_PORT"] == "7001" and env["UDP_PORT"] == "5060"


def test_a_planted_port_mistake_is_refused_naming_the_argument(tmp_path: Path) -> None:
    # The voice health check moved onto the voice UDP port: the NLB would check a TCP port nobody serves.
    copy = planted(tmp_path, 'protocol="TCP", port=7001)', 'protocol="TCP", port=5060)')
    with pytest.raises(InvalidArgument, match=r"UdpNlbServiceArgs\.health_check\.port: \(5060\) must differ"):
        judged(copy)


def test_the_preview_command_exits_2_on_the_planted_mistake_and_0_on_the_program(tmp_path: Path) -> None:
    copy = planted(tmp_path, 'protocol="TCP", port=7001)', 'protocol="TCP", port=5060)')
    command = [sys.executable, "-m", "fargatelb.preview", "--no-png", "--out", str(tmp_path / "out")]
    broken = subprocess.run([*command, str(copy)], capture_output=True, text=True, timeout=120)
    assert broken.returncode == 2 and "health_check.port: (5060) must differ" in broken.stderr, broken.stderr
    good = subprocess.run([*command, str(HERE)], capture_output=True, text=True, timeout=120)
    assert good.returncode == 0 and good.stdout.startswith("stack dev: ok"), good.stdout + good.stderr


def test_a_transform_that_moves_a_port_is_caught_by_the_verdict() -> None:
    """A colleague's stack transformation "fixing" the match health-check port to 8082: the sidecar
    still listens on 8081, so every target would stay unhealthy."""

    def move(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
        if args.type_ == TARGET_GROUP and args.name == "match-tg":
            health: Any = copy.copy(args.props["health_check"])  # a TargetGroupHealthCheckArgs
            health.port = "8082"
            return pulumi.ResourceTransformationResult({**args.props, "health_check": health}, args.opts)
        return None

    result = judged(transformations=[move])
    assert not result.report.ok
    hops = {f.hop for f in result.report.errors if f.service == "match-service"}
    assert "health-check-port" in hops, result.report.format()


def test_a_duplicate_name_is_refused_as_the_engine_refuses_it(tmp_path: Path) -> None:
    """A second service copied from the first, its name left as it was: two resources with one URN."""
    from fargatelb.mocks import DuplicateUrnError

    copy = planted(tmp_path, '("stats", RoutingArgs(', '("lobby", RoutingArgs(')
    with pytest.raises(DuplicateUrnError, match=r"Duplicate resource URN .*lobby"):
        judged(copy)
    command = [sys.executable, "-m", "fargatelb.preview", "--no-png", "--out", str(tmp_path / "out"), str(copy)]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert "Duplicate resource URN" in refused.stderr and "LoadBalancedFargateService::lobby" in refused.stderr
