"""Lifecycle: what deploys once and fails the next time, on a rollback or a rename.

- `desired-count` (warning): an autoscaled service that doesn't ignore changes to `desiredCount`
  is scaled back to the configured count by every `pulumi up`.
"""

from __future__ import annotations

from .context import Context
from .model import Layer, Severity
from .tokens import SCALING_TARGET, SERVICE


def check_lifecycle(ctx: Context) -> None:
    for svc in ctx.g.of_type(SERVICE):
        scaled = bool(ctx.referrers(svc, (SCALING_TARGET,), "resourceId"))
        ignored = {"desiredCount", "desired_count"} & set(svc.ignore_changes)
        if scaled and svc.get("desiredCount") is not None and not ignored:
            ctx.add(
                Severity.WARNING,
                "desired-count",
                f"{svc.name} is autoscaled but doesn't ignore changes to desiredCount: every `pulumi up` "
                "scales it back to the configured count",
                service=svc,
                source=svc,
                fix=ctx.fix(svc, "desired_count", "desiredCount"),
                layer=Layer.LIFECYCLE,
            )
