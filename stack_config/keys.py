"""Config keys as the stack file spells them, and errors that name them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pulumi

from fargatelb import InvalidArgument
from fargatelb._args import camel

from . import mode

PROJECT = "fargate-lb"


class ConfigError(pulumi.RunError, ValueError):
    """A stack setting is missing or invalid. Pulumi reports a RunError without a traceback."""


def config_key(section: str, field: str) -> str:
    """`web`, `scaling.min_count` → `fargate-lb:web.scaling.minCount` (a section may be dotted:
    `services.api`)."""
    parts = []
    for segment in field.split("."):
        name, bracket, rest = segment.partition("[")
        parts.append((camel(name) if name.islower() else name) + bracket + rest)
    return f"{PROJECT}:{section}." + ".".join(parts)


def relabel(section: str, err: InvalidArgument) -> ConfigError:
    # Name fields in the problem text as the stack file spells them, too.
    problem = re.sub(r"(?<!')\b[a-z]+(?:_[a-z]+)+\b(?!')", lambda m: camel(m.group(0)), err.problem)
    return ConfigError(f"{config_key(section, err.field)}: {problem}")


def stack_file() -> str:
    return f"Pulumi.{pulumi.get_stack()}.yaml"


@contextmanager
def relabelled(section: str) -> Iterator[None]:
    """Report a component's argument error as the config key that set it, without a traceback."""
    try:
        yield
    except InvalidArgument as err:
        offline = mode.current()
        source = offline.source if offline else stack_file()
        raise ConfigError(f"{source}: {relabel(section, err)}") from None


def section(raw: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """The object at `fargate-lb:<name>` (Pulumi hands objects to the program as JSON strings)."""
    value = raw.get(f"{PROJECT}:{name}")
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ConfigError(f"{PROJECT}:{name}: must be an object of settings, got {value!r}") from None
    if not isinstance(value, Mapping):
        raise ConfigError(f"{PROJECT}:{name}: must be an object of settings, got {value!r}")
    return value


def json_value(raw: Mapping[str, Any], key: str) -> Any:
    value = raw.get(key)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
