"""A stack's production verdict, as the offline preview reports it for any program: the declaration
read from the stack file's `pulumi:tags`, what the recorded resources break, and what each override
lets through, with its reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..graph import Graph
from .checks import Violation, violations
from .controls import CONTROLS
from .declaration import PROFILE_TAG, Declaration, declaration, override_tag

TAGS_KEY = "pulumi:tags"


@dataclass(frozen=True)
class Verdict:
    declaration: Declaration
    violations: tuple[Violation, ...]
    """What the resources break, less the overridden controls."""
    waived: Mapping[str, tuple[Violation, ...]]
    """Overridden control → what its override lets through (empty: the stack meets it anyway)."""

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_json(self) -> dict[str, Any]:
        return {
            "controls": len(CONTROLS),
            "overrides": [
                {
                    "control": control,
                    "title": CONTROLS[control].title,
                    "reason": reason,
                    "tag": override_tag(control),
                    "letsThrough": [v.node.name for v in self.waived.get(control, ()) if v.node is not None],
                }
                for control, reason in self.declaration.overrides.items()
            ],
            "violations": [
                {
                    "control": v.control,
                    "title": CONTROLS[v.control].title,
                    "resource": v.node.name if v.node is not None else None,
                    "urn": v.node.urn if v.node is not None else None,
                    "message": v.message,
                }
                for v in self.violations
            ],
        }


def stack_tags(config: Mapping[str, Any]) -> dict[str, str]:
    """The tags a stack file's config gives the stack (`pulumi:tags`, as the engine hands it: JSON)."""
    raw = config.get(TAGS_KEY)
    tags = json.loads(raw) if isinstance(raw, str) else raw
    return dict(tags) if isinstance(tags, Mapping) else {}


def judge(graph: Graph, tags: Mapping[str, str]) -> Verdict | None:
    """None unless `tags` declare production (a DeclarationError when they can't be read)."""
    declared = declaration(tags)
    if not declared.production:
        return None
    waived = {c: tuple(violations(graph, controls=[c])) for c in declared.overrides}
    return Verdict(declared, tuple(violations(graph, declared)), waived)


def lines(document: Mapping[str, Any]) -> list[str]:
    """The text of a report's `production` object (None: no lines)."""
    if not document:
        return []
    overrides, found = document["overrides"], document["violations"]
    head = (
        f"production ({PROFILE_TAG}: production): {document['controls'] - len(overrides)} of {document['controls']} "
        f"controls enforced, {len(overrides)} overridden; "
        + ("the resources meet them" if not found else f"{len(found)} violation(s)")
    )
    out = [head]
    for o in overrides:
        names = ", ".join(o["letsThrough"])
        through = f"lets through {names}" if names else "not needed: the stack meets it"
        out.append(f"  override {o['control']} ({o['title']}), {through}; reason: {o['reason']}")
    for v in found:
        where = f"{v['resource']}: " if v["resource"] else ""
        out.append(f"  ✗ [{v['control']}] {where}{v['message']}; or tag {override_tag(v['control'])} with the reason")
    return out
