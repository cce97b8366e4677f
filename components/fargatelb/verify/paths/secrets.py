"""The secrets path of one service: the ECS agent reads each container's `secrets` before the task
starts, from Secrets Manager (`secretsmanager` endpoint) or SSM Parameter Store (`ssm` endpoint),
through its endpoint or NAT; a task whose secrets can't be read never starts
(ResourceInitializationError).

No `kms` endpoint is needed for these reads even with a customer-managed key: Secrets Manager and
SSM decrypt server-side, and the execution role only needs `kms:Decrypt` on the key.
https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html
"""

from __future__ import annotations

from typing import Any

from ..context import Context
from .reach import Reach, prove_interface

_CONSEQUENCE = "the ECS agent can't read the task's secrets, so every task fails to start (ResourceInitializationError)"


def secret_sources(containers: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Endpoint service name → the `valueFrom`s read through it."""
    sources: dict[str, list[str]] = {}
    for container in containers:
        for secret in container.get("secrets") or []:
            value = secret.get("valueFrom") if isinstance(secret, dict) else None
            if not isinstance(value, str):
                continue
            # An SSM parameter may be named by ARN or, in the task's region, by name alone.
            service = "secretsmanager" if value.startswith("arn:") and ":secretsmanager:" in value else "ssm"
            sources.setdefault(service, []).append(value)
    return sources


def prove_secrets(ctx: Context, reach: Reach, containers: list[dict[str, Any]] | None) -> None:
    if not containers:
        return
    sources = secret_sources(containers)
    if not sources:
        return
    hops, ok = [reach.base], True
    for endpoint in sorted(sources):
        text, reached = prove_interface(ctx, reach, endpoint, _CONSEQUENCE)
        hops.append(f"{text} [{len(sources[endpoint])} secret{'s' if len(sources[endpoint]) > 1 else ''}]")
        ok &= reached
    ctx.add_path(reach.svc, "secrets", hops, ok)
