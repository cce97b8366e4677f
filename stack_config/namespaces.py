"""Every key must be in a namespace the program reads: the project's (one of its sections), `aws`
(the provider's own settings, as the installed pulumi-aws declares them) or `pulumi`. A key in
another namespace is never read, so a misspelt namespace would silently drop a whole service."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping
from typing import Any

from fargatelb import InvalidArgument
from fargatelb._args import camel, check_tags

from .keys import PROJECT, ConfigError, json_value

SECTIONS = ("network", "web", "alb", "services", "udp", "images", "cost")
NAMESPACES = (PROJECT, "aws", "pulumi")
# The engine's own settings (Pulumi docs: Configuration; `pulumi:disable-default-providers`, PR #8829).
PULUMI_KEYS = ("tags", "autonaming", "disable-default-providers")


@functools.cache
def aws_provider_keys() -> frozenset[str]:
    """The AWS provider's config keys (`region`, `profile`, `defaultTags`, ...), read from the installed
    pulumi-aws: its `pulumi_aws.config` module declares one property per key. Loading it costs ~3 ms
    once pulumi_aws is imported (the program imports it anyway); no value is read."""
    import importlib

    module = importlib.import_module("pulumi_aws.config")
    exportable = module._ExportableConfig  # the lazy module loads without reading any config value
    return frozenset(camel(name) for name, attr in vars(exportable).items() if isinstance(attr, property))


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def check_namespaces(raw: Mapping[str, Any]) -> None:
    for key in sorted(raw):
        namespace, colon, name = key.partition(":")
        if not colon:
            namespace, name = PROJECT, key
        if namespace == PROJECT:
            if name not in SECTIONS:
                allowed = ", ".join(f"{PROJECT}:{s}" for s in SECTIONS)
                close = difflib.get_close_matches(name, SECTIONS, n=1, cutoff=0.6)
                hint = f"; did you mean {PROJECT}:{close[0]}?" if close else ""
                raise ConfigError(f"{key}: is not a setting of this program (allowed: {allowed}){hint}")
        elif namespace == "aws":
            known = aws_provider_keys()
            if name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
                hint = f"; did you mean aws:{close[0]}?" if close else ""
                raise ConfigError(
                    f"{key}: is not a setting of the AWS provider{hint} (pulumi-aws declares {len(known)}: "
                    f"{', '.join(sorted(known))})"
                )
        elif namespace == "pulumi":
            if name not in PULUMI_KEYS:
                raise ConfigError(
                    f"{key}: is not a Pulumi setting this program knows (allowed: "
                    f"{', '.join('pulumi:' + k for k in PULUMI_KEYS)})"
                )
        else:
            looks_ours = _squash(namespace) in (_squash(PROJECT), "fargate", "fargatelbs") or (
                difflib.SequenceMatcher(None, _squash(namespace), _squash(PROJECT)).ratio() >= 0.75
            )
            if looks_ours:
                raise ConfigError(
                    f"{key}: namespace {namespace!r} is not this project's; did you mean {PROJECT}:{name}? "
                    f"(a key in another namespace is never read, so the whole setting would be ignored)"
                )
            close = difflib.get_close_matches(namespace.lower(), NAMESPACES, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}:{name}?" if close else ""
            raise ConfigError(
                f"{key}: namespace {namespace!r} is not one this program reads (allowed: "
                f"{', '.join(NAMESPACES)}; a key with no namespace is {PROJECT}'s){hint}"
            )


def check_engine_settings(raw: Mapping[str, Any]) -> None:
    if "pulumi:tags" in raw:
        tags = json_value(raw, "pulumi:tags")
        if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
            raise ConfigError(f"pulumi:tags: must be an object of stack tag names to strings, got {tags!r}")
    if "pulumi:disable-default-providers" in raw:
        disabled = json_value(raw, "pulumi:disable-default-providers")
        if isinstance(disabled, str):
            disabled = [disabled]
        if not isinstance(disabled, list) or {"aws", "*"} & set(map(str, disabled)):
            raise ConfigError(
                f"pulumi:disable-default-providers: {disabled!r} disables the aws provider the components create "
                "every resource with; remove aws (and *) from it"
            )
    if "aws:defaultTags" in raw:
        default_tags = json_value(raw, "aws:defaultTags")
        if not isinstance(default_tags, dict) or set(default_tags) - {"tags"}:
            raise ConfigError(f"aws:defaultTags: must be an object {{tags: {{name: value}}}}, got {default_tags!r}")
        try:
            check_tags("aws", "defaultTags.tags", default_tags.get("tags"))
        except InvalidArgument as err:
            raise ConfigError(f"aws:{err.field}: {err.problem}") from None
