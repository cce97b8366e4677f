"""Building stacks for component tests: a PrivateNetwork plus whatever a test puts on top."""

import functools
from collections.abc import Callable
from typing import Any

from fargatelb import NetworkRef, PrivateNetwork, PrivateNetworkArgs
from fargatelb.mocks import Recording, synthesize
from fargatelb.preview import ProgramRun, run_program

ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"

# Ids a program would take from a PrivateNetwork: enough for argument checks and property tests.
LITERAL_WIRING: dict[str, Any] = {
    "network": NetworkRef(
        vpc_id="vpc-0123456789abcdef0",
        public_subnet_ids=["subnet-0a", "subnet-0b"],
        private_subnet_ids=["subnet-1a", "subnet-1b"],
        endpoint_security_group_id="sg-0endpoints",
        s3_prefix_list_id="pl-0s3",
        vpc_cidr="10.0.0.0/16",
    )
}


def network_wiring(network: PrivateNetwork) -> dict[str, Any]:
    """The Args field every service takes from a PrivateNetwork: its handle."""
    return {"network": network.ref}


def on_network(build: Callable[[dict[str, Any], PrivateNetwork], Any]) -> Recording:
    """Synthesize a PrivateNetwork plus whatever `build(wiring, network)` adds on top of it."""

    def program() -> None:
        network = PrivateNetwork("net", PrivateNetworkArgs())
        build(network_wiring(network), network)

    return synthesize(program)


@functools.cache
def committed_run(stack: str) -> ProgramRun:
    """A committed Pulumi.<stack>.yaml run once per test session under the default mocks (ECR empty),
    through the package's preview runner, for every test that only reads it (fixtures and
    pytest_generate_tests alike)."""
    from offline import PROJECT

    return run_program(PROJECT, stack)


def committed_recording(stack: str) -> Recording:
    return committed_run(stack).recording
