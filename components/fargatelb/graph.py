"""The resource graph the wiring check walks, built the same way from two sources.

- An offline run under `fargatelb.mocks` records each registration as the engine would see it.
- A CrossGuard stack policy sees `PolicyResource`s of a real `pulumi preview`.

In a real preview the ids and ARNs of resources being created are unknown, so references between
resources are never resolved by matching id strings: each node keeps, for each of its top-level
input properties, the URNs of the resources that property depends on (Pulumi's property
dependencies), and `Graph.refs` follows those.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Node:
    urn: str
    type: str
    """Type token, e.g. `aws:lb/targetGroup:TargetGroup`."""
    name: str
    props: Mapping[str, Any]
    """Inputs with wire (camelCase) names; values unknown in a preview are absent or None."""
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Top-level input property → URNs it depends on."""
    dependencies: Sequence[str] = ()
    parent: str | None = None
    custom: bool = True
    ignore_changes: Sequence[str] = ()
    delete_before_replace: bool = False
    protect: bool = False

    def dependencies_of(self, prop: str) -> Sequence[str]:
        """The URNs input `prop` depends on."""
        return self.property_dependencies.get(prop, ())

    def get(self, key: str, default: Any = None) -> Any:
        value = self.props.get(key, default)
        return default if value is None else value


class Graph:
    def __init__(self, nodes: Iterable[Node]) -> None:
        # Registration order depends on how the program's outputs resolve, which varies run to run;
        # URN order makes every report and diagram drawn from the graph the same each time.
        self.nodes: list[Node] = sorted(nodes, key=lambda n: n.urn)
        self.by_urn: dict[str, Node] = {n.urn: n for n in self.nodes}

    def of_type(self, token: str) -> list[Node]:
        return [n for n in self.nodes if n.type == token]

    def refs(self, node: Node, prop: str, token: str | None = None) -> list[Node]:
        """Resources that `node`'s input `prop` refers to, optionally only those of type `token`."""
        found = [self.by_urn[u] for u in sorted(node.property_dependencies.get(prop, ())) if u in self.by_urn]
        return [n for n in found if token is None or n.type == token]

    def referrers(self, target: Node, token: str, prop: str) -> list[Node]:
        """Resources of type `token` whose input `prop` refers to `target`."""
        return [n for n in self.of_type(token) if target.urn in n.property_dependencies.get(prop, ())]

    def children(self, parent: Node) -> list[Node]:
        return [n for n in self.nodes if n.parent == parent.urn]

    def component_of(self, node: Node) -> Node | None:
        """The nearest enclosing component (non-custom ancestor other than the stack)."""
        current = node
        while current.parent and current.parent in self.by_urn:
            current = self.by_urn[current.parent]
            if not current.custom and current.type != "pulumi:pulumi:Stack":
                return current
        return None
