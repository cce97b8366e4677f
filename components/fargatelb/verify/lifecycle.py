"""Lifecycle: what deploys once and fails the next time, on a rollback or a rename.

- `desired-count` (warning): an autoscaled service that doesn't ignore changes to `desiredCount`
  is scaled back to the configured count by every `pulumi up`.
- `fixed-name` (warning): a resource AWS names uniquely, given a fixed name, that Pulumi replaces
  on some change: Pulumi creates the new one before deleting the old, and the name collides.
"""

from __future__ import annotations

from .context import Context
from .model import Layer, Severity
from .tokens import LOAD_BALANCERS, SCALING_TARGET, SECURITY_GROUP, SERVICE, TARGET_GROUPS

# Type → the changes that replace it (from the provider's schema: these inputs force a new resource).
_REPLACED_ON = {
    **{t: "port, protocol, target type or VPC" for t in TARGET_GROUPS},
    **{t: "type, scheme or name" for t in LOAD_BALANCERS},
    SECURITY_GROUP: "description, VPC or name",
}


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
    for node in ctx.of_types(tuple(_REPLACED_ON)):
        name = node.get("name")
        if isinstance(name, str) and not node.delete_before_replace:
            ctx.add(
                Severity.WARNING,
                "fixed-name",
                f"{node.name} has the fixed name {name!r}: changing its {_REPLACED_ON[node.type]} replaces it, "
                "Pulumi creates the replacement first, and AWS refuses a second resource with that name. "
                "Leave the name unset (Pulumi auto-names it) or set deleteBeforeReplace",
                source=node,
                fix=ctx.fix(node, "name", "name"),
                layer=Layer.LIFECYCLE,
                property="name",
                value=name,
            )
