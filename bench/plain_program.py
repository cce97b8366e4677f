"""The preview benchmark's yardstick: a plain pulumi_aws program declaring a stack's resources.

    python bench/plain_program.py RESOURCES.json

RESOURCES.json lists (type token, name, inputs) as the offline preview recorded them for a stack
(bench/preview_bench.py writes it). This program imports the provider SDKs' modules those types
live in and declares each resource with its own class and inputs, under the same recording mocks
the preview uses, with no components, checks or rendering: what any Pulumi program of the same
stack costs offline. The preview's time is quoted as a ratio to this.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
from typing import Any

from fargatelb.mocks import synthesize

# Type token package → the Python SDK that declares it.
SDKS = {"aws": "pulumi_aws", "awsx": "pulumi_awsx", "tls": "pulumi_tls", "docker-build": "pulumi_docker_build"}
# Inputs whose keys are data (tag names), not property names.
_DATA_KEYS = {"tags"}


def snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def python_inputs(value: Any, data: bool = False) -> Any:
    """Recorded (camelCase) inputs → the keyword arguments and dicts a Python program writes."""
    if isinstance(value, dict):
        return {(k if data else snake(k)): python_inputs(v, k in _DATA_KEYS) for k, v in value.items()}
    if isinstance(value, list):
        return [python_inputs(v) for v in value]
    return value


def resource_class(token: str) -> Any:
    package, module, name = token.split(":")
    sdk = importlib.import_module(SDKS[package])
    submodule = module.split("/")[0]
    return getattr(sdk if submodule == "index" else importlib.import_module(f"{SDKS[package]}.{submodule}"), name)


def declare(resources: list[dict[str, Any]]) -> None:
    for resource in resources:
        resource_class(resource["type"])(resource["name"], **python_inputs(resource["inputs"]))


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        stack = json.load(f)
    recording = synthesize(lambda: declare(stack["resources"]), config=stack["config"])
    print(f"resources={len(recording.registrations)}")
    sys.stdout.flush()
    os._exit(0)  # as preview.py: skip the mocks' event-loop noise at interpreter exit
