"""The offline marker: a program can tell that it runs under `fargatelb.preview`, not the Pulumi CLI.

The preview's runner wraps each run in `offline_run(source, environments)`; nothing else sets it,
and nothing is guessed from the environment, so under the CLI `is_offline()` is always False.

What a program does with it, the one documented hook: a value each deployer supplies (a
certificate, a domain) that the stack file rightly leaves out can't stop an offline preview, so the
program stands in a labelled value and says so with `report_stand_in(key, value, reason,
commands)`. The preview prints every stand-in right under its verdict, with the commands a
deployer runs before a real `pulumi preview`, and writes them to report.json:

    from fargatelb import offline

    if certificate is None:
        if not offline.is_offline():
            raise ConfigError("web.certificateArn: set it: pulumi config set ...")
        certificate = offline.report_stand_in(
            "myproj:web.certificateArn", "arn:aws:acm:...:certificate/0000", "left to each deployer",
            ("pulumi config set --path 'myproj:web.certificateArn' <arn>",),
        ).value

The marker is a context variable: it reaches the program and every Pulumi callback of the run.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StandIn:
    """A value the offline preview supplied because the stack leaves it to each deployer."""

    key: str
    """The config key stood in for, e.g. `fargate-lb:web.certificateArn`."""
    value: str
    """What the offline preview used."""
    reason: str
    """Why the stack file doesn't hold it."""
    commands: tuple[str, ...] = ()
    """What a deployer runs before a real `pulumi preview` (alternatives, each complete)."""

    def __str__(self) -> str:
        return f"{self.key} = {self.value} (offline stand-in: {self.reason})"


@dataclass
class OfflineRun:
    """One offline run of a program: no CLI, no credentials, the mocks answer."""

    source: str
    """The stack file, as errors name it."""
    environments: tuple[str, ...] = ()
    """Pulumi ESC environments the file imports, which an offline run can't resolve."""
    stand_ins: list[StandIn] = field(default_factory=list)
    """What the program stood in during this run, in the order it said so."""
    config_sections: dict[str, str] = field(default_factory=dict)
    """Component name → the config section its arguments come from, where the two differ."""

    def stand_in(self, key: str, value: str, reason: str, commands: tuple[str, ...] = ()) -> StandIn:
        """Record a stand-in (once per key: a program that parses its config twice lists it once)."""
        made = StandIn(key, value, reason, tuple(commands))
        self.stand_ins[:] = [s for s in self.stand_ins if s.key != key] + [made]
        return made


_current: contextvars.ContextVar[OfflineRun | None] = contextvars.ContextVar("fargatelb_offline", default=None)


@contextmanager
def offline_run(source: str, environments: tuple[str, ...] = ()) -> Iterator[OfflineRun]:
    """Mark the code inside as an offline run of the stack file `source`."""
    run = OfflineRun(source, tuple(environments))
    token = _current.set(run)
    try:
        yield run
    finally:
        _current.reset(token)


def current() -> OfflineRun | None:
    """The offline run in progress, or None under the Pulumi CLI."""
    return _current.get()


def is_offline() -> bool:
    return _current.get() is not None


def report_config_section(component: str, section: str) -> None:
    """Say that component `component`'s arguments come from the config section `section` (say
    `services.api` for a component named `api`), so the preview's fixes name the right key. A
    component's section is its own name unless said otherwise. Nothing to do under the CLI."""
    run = _current.get()
    if run is not None:
        run.config_sections[component] = section


def report_stand_in(key: str, value: str, reason: str, commands: tuple[str, ...] = ()) -> StandIn:
    """Stand in `value` for the config `key` in the offline run in progress, and list it.

    Raises RuntimeError outside an offline run: a real run must refuse the missing value instead."""
    run = _current.get()
    if run is None:
        raise RuntimeError(f"{key}: only an offline run may stand in a value; a real run must refuse it")
    return run.stand_in(key, value, reason, commands)
