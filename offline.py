"""Run the real program offline, under fargatelb's recording mocks, with a stack's own config.

No CLI, credentials or plugins: `__main__.py` runs exactly as `pulumi preview` would run it, and
every resource it registers is recorded. Used by the tests and by the offline preview.

The stack file is read strictly (`stackfile.py`): what the CLI would refuse, or read differently,
fails here too, naming the file. The run is marked offline explicitly (`stack_config.offline_run`):
that is how the program knows to stand in for values each deployer supplies (and list them) rather
than refuse them as a real `pulumi preview` does.
"""

import runpy
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pulumi
import yaml

from fargatelb.mocks import Recording, synthesize
from stack_config import ConfigError, StackConfig, offline_run, parse
from stackfile import StackFile, read_stack_file

ROOT = Path(__file__).resolve().parent
PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["name"]


def stacks() -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))


def stack_file(stack: str | Path) -> tuple[Path, str, str]:
    """`dev` (Pulumi.dev.yaml beside the program) or a path to a stack file anywhere →
    (path, how errors name it, the stack's name)."""
    if isinstance(stack, Path) or "/" in stack or stack.endswith((".yaml", ".yml")):
        path = Path(stack)
        name = path.name
        stack_name = name[len("Pulumi.") : -len(".yaml")] if name.startswith("Pulumi.") else path.stem
        return path, str(stack), stack_name or "stack"
    path = ROOT / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise ConfigError(f"{path.name}: no such stack file; stacks here: {', '.join(stacks())}")
    return path, path.name, stack


def read_stack(stack: str | Path) -> StackFile:
    path, source, _ = stack_file(stack)
    return read_stack_file(path, source, PROJECT)


def stack_config(stack: str | Path) -> dict[str, str]:
    """A stack file's config as the Pulumi engine hands it to the program: objects as JSON strings."""
    return read_stack(stack).config


def parse_stack(stack: str | Path) -> StackConfig:
    """The stack's config as an offline run parses it, stand-ins listed."""
    file = read_stack(stack)
    with offline_run(file.source, file.environments) as mode:
        return parse(file.config, source=file.source, offline=mode)


def synthesize_stack(
    stack: str | Path,
    config: dict[str, str] | None = None,
    transformations: Sequence[Callable[..., Any]] = (),
    transforms: Sequence[Callable[..., Any]] = (),
) -> Recording:
    """Run __main__.py under recording mocks with `stack`'s config (or `config` when given).

    `transformations` are registered as stack transformations first, as a program's own would be:
    how a test plants a value anywhere in the program. `transforms` are registered the same way with
    `pulumi.runtime.register_resource_transform`: the engine-side transforms, which the recording
    mocks apply as the engine would."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    _, source, name = stack_file(stack)
    file = read_stack(stack) if config is None else StackFile(source, config, ())

    def program() -> None:
        for transformation in transformations:
            pulumi.runtime.register_stack_transformation(transformation)
        for transform in transforms:
            pulumi.runtime.register_resource_transform(transform)
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__pulumi__")

    with offline_run(file.source, file.environments):
        return synthesize(
            program,
            config=file.config,
            project=PROJECT,
            stack=name,
        )
