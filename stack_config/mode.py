"""Offline or real: the program runs under the Pulumi CLI (real) or under the offline preview, which
says so explicitly with `offline_run(...)` around the run; nothing is guessed from the environment.

The difference that matters is a value each deployer supplies (prod's certificate): a real run
refuses a stack that leaves it unset, naming the keys and the `pulumi config set` commands; an
offline run previews it with a labelled stand-in and lists it, which the preview prints first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class StandIn:
    """A value the offline preview supplied because the stack leaves it to each deployer."""

    key: str
    """The config key stood in for, e.g. `fargate-lb:web.certificateArn`."""
    value: str
    """What the offline preview used."""
    reason: str
    """Why the stack file doesn't hold it."""
    commands: tuple[str, ...]
    """What a deployer runs before a real `pulumi preview` (alternatives, each complete)."""

    def __str__(self) -> str:
        return f"{self.key} = {self.value} (offline stand-in: {self.reason})"


@dataclass(frozen=True)
class OfflineRun:
    """The switch `offline.py` sets around an offline run: no CLI, no credentials, mocks answer."""

    source: str
    """The stack file, as errors name it."""
    environments: tuple[str, ...] = ()
    """Pulumi ESC environments the file imports, which an offline run can't resolve."""


_offline: OfflineRun | None = None


@contextmanager
def offline_run(source: str, environments: tuple[str, ...] = ()) -> Iterator[OfflineRun]:
    """Run the program offline: `load()` stands in for deployer-supplied values instead of refusing,
    and skips the checks that need AWS. Only `offline.py` sets this."""
    global _offline
    previous, _offline = _offline, OfflineRun(source, environments)
    try:
        yield _offline
    finally:
        _offline = previous


def current() -> OfflineRun | None:
    """The offline run in progress, or None under the CLI."""
    return _offline
