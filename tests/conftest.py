"""Shared fixtures: programs run under fargatelb's recording mocks (keyed by type token)."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the root program's modules: offline, stack_config, images

from fargatelb import PrivateNetwork, PrivateNetworkArgs  # noqa: E402
from fargatelb.mocks import Recording, synthesize  # noqa: E402

ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


def network_wiring(network: PrivateNetwork) -> dict[str, Any]:
    """The Args fields every service takes from a PrivateNetwork."""
    return {
        "vpc_id": network.vpc_id,
        "public_subnet_ids": network.public_subnet_ids,
        "private_subnet_ids": network.private_subnet_ids,
        "endpoint_security_group_id": network.endpoint_security_group_id,
        "s3_prefix_list_id": network.s3_prefix_list_id,
    }


@pytest.fixture
def synth() -> Callable[..., Recording]:
    """Run a program under recording mocks: `synth(lambda: ...)` returns the Recording."""
    return synthesize


@pytest.fixture
def with_network() -> Callable[[Callable[[dict[str, Any], PrivateNetwork], Any]], Recording]:
    """Synthesize a PrivateNetwork plus whatever `build(wiring, network)` adds on top of it."""

    def run(build: Callable[[dict[str, Any], PrivateNetwork], Any]) -> Recording:
        def program() -> None:
            network = PrivateNetwork("net", PrivateNetworkArgs())
            build(network_wiring(network), network)

        return synthesize(program)

    return run
