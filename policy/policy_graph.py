"""The stack graph a policy judges, from CrossGuard's resources: the same `fargatelb.graph.Graph`
the offline preview builds from its recording.

In a real `pulumi preview` the ids and ARNs of resources being created are unknown, so the graph
links resources only through property dependencies (URNs), and every unknown value is None.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

from fargatelb.graph import Graph, Node

_UNKNOWN = {
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
}


def plain(value: Any) -> Any:
    """A deep copy of policy `props` with every value unknown in the preview replaced by None.

    CrossGuard wraps props in proxies that raise `UnknownValueError` on an unknown value; the
    wiring check wants plain dicts and lists in which unknown means None, as the Graph documents.
    """
    if isinstance(value, str):
        return None if value in _UNKNOWN else value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key in value:
            try:
                out[key] = plain(value[key])
            except UnknownValueError:
                out[key] = None
        return out
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        items = []
        for i in range(len(value)):
            try:
                items.append(plain(value[i]))
            except UnknownValueError:
                items.append(None)
        return items
    return value


def _is_custom(token: str) -> bool:
    """PolicyResource has no `custom` flag. Custom resources' tokens have a module path
    (`aws:lb/targetGroup:TargetGroup`) or are providers; components (`fargatelb:index:...`,
    `awsx:ecr:Image`) and the stack don't."""
    parts = token.split(":")
    return token.startswith("pulumi:providers:") or (len(parts) == 3 and "/" in parts[1])


def graph_from_policy_resources(resources: Iterable[PolicyResource]) -> Graph:
    """The wiring check's Graph from a stack policy's resources, linked by URN only."""
    nodes = []
    for r in resources:
        parent = getattr(r, "parent", None)
        opts = getattr(r, "opts", None)
        nodes.append(
            Node(
                urn=r.urn,
                type=r.resource_type,
                name=r.name,
                props=plain(r.props) or {},
                property_dependencies={
                    prop: [d.urn for d in deps] for prop, deps in (r.property_dependencies or {}).items()
                },
                dependencies=[d.urn for d in (r.dependencies or [])],
                parent=parent.urn if parent is not None else getattr(opts, "parent", None),
                custom=_is_custom(r.resource_type),
                ignore_changes=list(getattr(opts, "ignore_changes", None) or []),
                delete_before_replace=bool(getattr(opts, "delete_before_replace", False)),
                protect=bool(getattr(opts, "protect", False)),
            )
        )
    return Graph(nodes)
