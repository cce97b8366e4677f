"""The region and account a resource will be created in, asked of AWS once per provider per run.

Policies name both (trust conditions, log-group ARNs, the log-delivery path). Asking with a
synchronous invoke in every component costs more than it seems: each one pumps Pulumi's event loop
with every registration still pending, so twenty services paid for forty invokes. The answer can't
change within a run for one provider, so it is kept per run (the engine's monitor) and provider.
"""

from __future__ import annotations

import weakref
from typing import Any

import pulumi
import pulumi_aws as aws

_asked: weakref.WeakKeyDictionary[Any, dict[int | None, tuple[str, str]]] = weakref.WeakKeyDictionary()


def region_and_account(parent: pulumi.Resource | None) -> tuple[str, str]:
    """(region, account id) for resources under `parent` (its AWS provider, or the default one)."""
    monitor = pulumi.runtime.settings.get_monitor()
    provider = parent.get_provider("aws::") if parent is not None else None
    key = id(provider) if provider is not None else None
    try:
        per_run = _asked.setdefault(monitor, {})
    except TypeError:  # a monitor that can't be weakly referenced: ask every time
        per_run = {}
    if key not in per_run:
        invoke = pulumi.InvokeOptions(parent=parent)
        per_run[key] = (aws.get_region(opts=invoke).region, aws.get_caller_identity(opts=invoke).account_id)
    return per_run[key]
