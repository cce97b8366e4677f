"""Run the real program offline, under fargatelb's recording mocks, with a stack's own config.

No CLI, credentials or plugins: `__main__.py` runs exactly as `pulumi preview` would run it, and
every resource it registers is recorded. Used by the tests and by the offline preview.
"""

import json
import runpy
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pulumi
import yaml

from fargatelb.mocks import Recording, synthesize

ROOT = Path(__file__).resolve().parent
PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"]


def stacks() -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))


def stack_config(stack: str) -> dict[str, str]:
    """A stack file's config as the Pulumi engine hands it to the program: objects as JSON strings."""
    path = ROOT / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"no stack file {path.name}; stacks here: {', '.join(stacks())}")
    document = yaml.safe_load(path.read_text()) or {}
    config: dict[str, Any] = document.get("config") or {}
    flat: dict[str, str] = {}
    for key, value in config.items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        if isinstance(value, dict) and "value" in value and len(value) == 1:
            value = value["value"]
        flat[full] = value if isinstance(value, str) else json.dumps(value)
    return flat


def synthesize_stack(
    stack: str,
    config: dict[str, str] | None = None,
    transformations: Sequence[Callable[..., Any]] = (),
) -> Recording:
    """Run __main__.py under recording mocks with `stack`'s config (or `config` when given).

    `transformations` are registered as stack transformations first, as a program's own would be:
    how a test plants a value anywhere in the program."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    def program() -> None:
        for transformation in transformations:
            pulumi.runtime.register_stack_transformation(transformation)
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__pulumi__")

    return synthesize(
        program,
        config=stack_config(stack) if config is None else config,
        project=PROJECT,
        stack=stack,
    )
