"""What the components ask AWS before they declare resources, asked once per provider per run.

Policies name the region and account (trust conditions, log-group ARNs, the log-delivery path), and
each image build asks which ECR repositories exist. Asking with a synchronous invoke in every
component costs more than it seems: each one pumps Pulumi's event loop with every registration still
pending, so twenty services paid for forty invokes. An answer can't change within a run for one
provider, so it is kept per run (the engine's monitor), provider and question.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import pulumi
import pulumi_aws as aws

T = TypeVar("T")
_asked: weakref.WeakKeyDictionary[Any, dict[tuple[int | None, str], Any]] = weakref.WeakKeyDictionary()


def asked_once(parent: pulumi.Resource | None, question: str, ask: Callable[[pulumi.InvokeOptions], T]) -> T:
    """`ask(invoke options)` for resources under `parent` (its AWS provider, or the default one), the
    first time `question` is asked for that provider in this run; its answer after that."""
    monitor = pulumi.runtime.settings.get_monitor()
    provider = parent.get_provider("aws::") if parent is not None else None
    key = (id(provider) if provider is not None else None, question)
    try:
        per_run = _asked.setdefault(monitor, {})
    except TypeError:  # a monitor that can't be weakly referenced: ask every time
        per_run = {}
    if key not in per_run:
        per_run[key] = ask(pulumi.InvokeOptions(parent=parent))
    return per_run[key]  # type: ignore[no-any-return]


def region_and_account(parent: pulumi.Resource | None) -> tuple[str, str]:
    """(region, account id) for resources under `parent`."""
    return asked_once(
        parent,
        "region and account",
        lambda invoke: (aws.get_region(opts=invoke).region, aws.get_caller_identity(opts=invoke).account_id),
    )
