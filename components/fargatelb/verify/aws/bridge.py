"""The bridge from Pulumi's recorded inputs to CloudFormation's property names, so AWS's own
resource schemas (as cfn-lint ships them) can judge values a Pulumi program sets.

Each `Mapping` says which CloudFormation type a Pulumi type token corresponds to and, property by
property, where each CloudFormation value comes from. Building a document also records where each
value came from, so a violation at `HealthCheckIntervalSeconds` is reported at the Pulumi input
`healthCheck.interval`.

A value unknown in a preview (None) is left out: it can't break a rule yet.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Path = tuple[str | int, ...]
_MISSING = object()


class Unknown:
    """A value a preview doesn't know yet (an input present as None): it satisfies `required`,
    breaks no rule, and leaves undecided any condition that reads it."""

    def __repr__(self) -> str:
        return "<known at deploy>"


UNKNOWN = Unknown()


def _get(source: Any, dotted: str) -> Any:
    """The input at `dotted`: None when absent, UNKNOWN when present but not known yet."""
    value = source
    for part in dotted.split("."):
        key, _, index = part.partition("[")
        if value is UNKNOWN:
            return UNKNOWN
        if not isinstance(value, Mapping):
            return None
        if key in value and value[key] is None:
            return UNKNOWN
        value = value.get(key)
        if index and value is not UNKNOWN:
            position = int(index.rstrip("]"))
            value = value[position] if isinstance(value, list) and len(value) > position else None
    return value


@dataclass(frozen=True)
class P:
    """One Pulumi input (dotted path, relative to the object being mapped), optionally converted."""

    path: str
    convert: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Tags:
    """Pulumi's `{key: value}` tags → CloudFormation's `[{Key, Value}]`."""

    path: str = "tags"


@dataclass(frozen=True)
class Json:
    """A JSON document input (a string or already a list/object): ECS container definitions in
    camelCase become CloudFormation's PascalCase; a policy document stays as it is."""

    path: str
    pascal: bool = False


@dataclass(frozen=True)
class Obj:
    """A CloudFormation object assembled from several inputs."""

    fields: Mapping[str, Any]


@dataclass(frozen=True)
class Each:
    """A list input, each item mapped by `item` (whose paths are relative to the item)."""

    path: str
    item: Any


@dataclass(frozen=True)
class ListOf:
    """A single input that is one item of a CloudFormation list (a policy attachment's ARN)."""

    item: Any


@dataclass(frozen=True)
class ResourceMapping:
    pulumi_type: str
    cfn_type: str
    properties: Mapping[str, Any]
    autoname: tuple[str, str] | None = None
    """(Pulumi input, CloudFormation property) of the physical name Pulumi generates when unset."""
    autoname_lower: bool = False
    unchecked: Mapping[str, str] = field(default_factory=dict)
    """Pulumi inputs deliberately not mapped, each with the reason (no AWS constraint, provider-only)."""


# Keys of free-form maps inside container definitions: their keys are data, not property names.
_FREE_FORM = {"options", "dockerLabels", "driverOpts", "labels"}


def _pascal(value: Any) -> Any:
    if isinstance(value, list):
        return [_pascal(v) for v in value]
    if isinstance(value, dict):
        return {(k[:1].upper() + k[1:]): (v if k in _FREE_FORM else _pascal(v)) for k, v in value.items()}
    return UNKNOWN if value is None else value


@dataclass
class Document:
    """A CloudFormation properties object and, for each value in it, the Pulumi input it came from."""

    properties: dict[str, Any]
    origins: dict[Path, str]

    def pulumi_path(self, path: Path) -> str:
        """The Pulumi input behind a CloudFormation path: the nearest recorded origin, and below it
        the same keys in camelCase (container definitions) and list indexes."""
        for cut in range(len(path), -1, -1):
            origin = self.origins.get(path[:cut])
            if origin is not None:
                rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p[:1].lower()}{p[1:]}" for p in path[cut:])
                return origin + rest
        return ".".join(str(p) for p in path)


def _build(spec: Any, source: Any, prefix: str, at: Path, origins: dict[Path, str]) -> Any:
    if isinstance(spec, P):
        value = _get(source, spec.path)
        if value is None:
            return _MISSING
        origins[at] = prefix + spec.path
        if value is UNKNOWN:
            return UNKNOWN
        return spec.convert(value) if spec.convert else value
    if isinstance(spec, Tags):
        tags = _get(source, spec.path)
        if tags is UNKNOWN:
            origins[at] = prefix + spec.path
            return UNKNOWN
        if not isinstance(tags, Mapping):
            return _MISSING
        items = []
        for i, (key, value) in enumerate(tags.items()):
            origins[(*at, i)] = origins[(*at, i, "Key")] = origins[(*at, i, "Value")] = f"{prefix}{spec.path}.{key}"
            items.append({"Key": key, "Value": UNKNOWN if value is None else value})
        origins[at] = prefix + spec.path
        return items
    if isinstance(spec, Json):
        value = _get(source, spec.path)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return _MISSING  # the wiring check reports malformed JSON
        if value is None:
            return _MISSING
        origins[at] = prefix + spec.path
        if value is UNKNOWN:
            return UNKNOWN
        return _pascal(value) if spec.pascal else value
    if isinstance(spec, Obj):
        out = {}
        for key, sub in spec.fields.items():
            value = _build(sub, source, prefix, (*at, key), origins)
            if value is not _MISSING:
                out[key] = value
        # The object itself comes from the inputs its fields share (`Matcher` ← `healthCheck.matcher`).
        common = _common_prefix([origins[(*at, key)] for key in out if (*at, key) in origins])
        if at and common:
            origins.setdefault(at, common)
        return out or _MISSING
    if isinstance(spec, Each):
        items = _get(source, spec.path)
        if items is UNKNOWN:
            origins[at] = prefix + spec.path
            return UNKNOWN
        if not isinstance(items, list):
            return _MISSING
        built = []
        for i, item in enumerate(items):
            if item is None:
                built.append(UNKNOWN)
                continue
            value = _build(spec.item, item, f"{prefix}{spec.path}[{i}].", (*at, i), origins)
            built.append(None if value is _MISSING else value)
        origins.setdefault(at, prefix + spec.path)
        return built
    if isinstance(spec, ListOf):
        value = _build(spec.item, source, prefix, (*at, 0), origins)
        return _MISSING if value is _MISSING else [value]
    raise TypeError(f"unknown mapping spec {spec!r}")


def _common_prefix(paths: list[str]) -> str:
    if not paths:
        return ""
    split = [p.split(".") for p in paths]
    common = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return ".".join(common)


AUTONAME_SUFFIX = "-a1b2c3d"
"""What Pulumi appends to a logical name when it names a resource itself: "-" and 7 random
characters (the default pattern `${name}-${hex(7)}`, Pulumi docs "Resource names", Autonaming;
pulumi-aws applies it to every resource's `name`). Its length is what matters for AWS's name limits.
A stack that sets `pulumi:autonaming` (another pattern, `verbatim`) gets other names than these."""


def document(mapping: ResourceMapping, name: str, inputs: Mapping[str, Any]) -> Document:
    """The CloudFormation properties of one recorded resource (logical `name`)."""
    origins: dict[Path, str] = {}
    built = _build(Obj(mapping.properties), inputs, "", (), origins)
    properties: dict[str, Any] = {} if built is _MISSING else built
    if mapping.autoname:
        pulumi_input, cfn_property = mapping.autoname
        if inputs.get(pulumi_input) is None and cfn_property not in properties and "namePrefix" not in inputs:
            generated = name + AUTONAME_SUFFIX
            properties[cfn_property] = generated.lower() if mapping.autoname_lower else generated
            origins[(cfn_property,)] = f"{pulumi_input} (auto-named from the logical name {name!r})"
    return Document(properties, origins)


def mapped_inputs(mapping: ResourceMapping) -> set[str]:
    """Every top-level Pulumi input the mapping reads or deliberately leaves unchecked."""
    found: set[str] = set(mapping.unchecked)

    def walk(spec: Any, top: bool) -> None:
        if isinstance(spec, P | Tags | Json | Each):
            if top:
                found.add(spec.path.split(".")[0].split("[")[0])
            if isinstance(spec, Each):
                walk(spec.item, False)
        elif isinstance(spec, Obj):
            for sub in spec.fields.values():
                walk(sub, top)
        elif isinstance(spec, ListOf):
            walk(spec.item, top)

    walk(Obj(mapping.properties), True)
    if mapping.autoname:
        found.add(mapping.autoname[0])
    if "tags" in found:
        found.add("tagsAll")  # the provider's default tags merged in: counted by the `tags` rule
    return found
