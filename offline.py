"""This program under fargatelb's offline preview runner: what the tests, e2e and scripts call.

No CLI, credentials or plugins: `__main__.py` runs as `pulumi preview` would run it, under the
package's recording mocks (`fargatelb.preview.runner`), and every resource it registers is
recorded. The stack file is read strictly (`fargatelb.preview.stackfile`): what the CLI would
refuse, or read differently, is a ConfigError naming the file. The run is marked offline
(`fargatelb.offline`): that is how `stack_config` knows to stand in for values each deployer
supplies (and list them) rather than refuse them as a real `pulumi preview` does.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fargatelb.mocks import Recording
from fargatelb.offline import offline_run
from fargatelb.preview import Project, StackFile, StackFileError, run_program
from fargatelb.preview import read_stack_file as _read_stack_file
from fargatelb.preview import read_stack_text as _read_stack_text
from stack_config import ConfigError, StackConfig, parse

ROOT = Path(__file__).resolve().parent
PROJECT = Project.load(ROOT)


@contextmanager
def _as_config_error() -> Iterator[None]:
    try:
        yield
    except StackFileError as err:
        raise ConfigError(str(err)) from None


def stacks() -> list[str]:
    return PROJECT.stacks()


def stack_file(stack: str | Path) -> tuple[Path, str, str]:
    """`dev` (Pulumi.dev.yaml beside the program) or a path to a stack file anywhere →
    (path, how errors name it, the stack's name)."""
    with _as_config_error():
        return PROJECT.stack_file(stack)


def read_stack(stack: str | Path) -> StackFile:
    path, source, _ = stack_file(stack)
    with _as_config_error():
        return _read_stack_file(path, PROJECT.name, source)


def read_stack_text(text: str, source: str) -> StackFile:
    with _as_config_error():
        return _read_stack_text(text, source, PROJECT.name)


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
    file = read_stack(stack) if config is None else None
    with _as_config_error():
        run = run_program(
            PROJECT, stack, config=config, file=file, transformations=transformations, transforms=transforms
        )
    return run.recording
