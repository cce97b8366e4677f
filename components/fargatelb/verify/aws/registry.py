"""Hand-written AWS rules: one small function per rule, registered with its id, a one-line summary
and the AWS page it comes from. They cover what cfn-lint's schemas don't carry (ELB names, TLS
policy names, attribute ranges, ECS names, ...). Adding a rule touches one module and its test.

A `rule` judges one resource at a time; a `graph_rule` judges resources together (two identical
security-group rules, the rules a group holds against its quota) and says which resource each
problem is reported on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ...graph import Node
from ..context import Context
from ..model import Layer, Severity


@dataclass(frozen=True)
class Problem:
    message: str
    property: str | None = None
    """The resource input at fault (wire name, dotted)."""
    value: Any = None
    concern: str | None = None
    """What the fix changes (see `fixes.py`); None: the input itself."""
    severity: Severity = Severity.ERROR
    target: Node | None = None
    """The other resource a problem between two is about (the rule a duplicate repeats)."""


Check = Callable[[Node], Iterable[Problem]]


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    source_url: str
    types: tuple[str, ...]
    check: Check


GraphCheck = Callable[[Context], Iterable[tuple[Node, Problem]]]


@dataclass(frozen=True)
class GraphRule:
    id: str
    summary: str
    source_url: str
    check: GraphCheck
    layer: Layer = Layer.AWS_RULES


RULES: list[Rule] = []
GRAPH_RULES: list[GraphRule] = []


def _unused(rule_id: str) -> None:
    if any(r.id == rule_id for r in RULES) or any(r.id == rule_id for r in GRAPH_RULES):
        raise ValueError(f"duplicate AWS rule id {rule_id!r}")


def rule(rule_id: str, summary: str, source_url: str, *types: str) -> Callable[[Check], Check]:
    """Register `check` for resources of `types` (all types when none are given)."""

    def register(check: Check) -> Check:
        _unused(rule_id)
        RULES.append(Rule(rule_id, summary, source_url, types, check))
        return check

    return register


def graph_rule(
    rule_id: str, summary: str, source_url: str, *, layer: Layer = Layer.AWS_RULES
) -> Callable[[GraphCheck], GraphCheck]:
    """Register `check`, which reads the whole graph and yields (resource reported on, problem)."""

    def register(check: GraphCheck) -> GraphCheck:
        _unused(rule_id)
        GRAPH_RULES.append(GraphRule(rule_id, summary, source_url, check, layer))
        return check

    return register


def shown(value: Any, limit: int = 60) -> str:
    """A value as a message quotes it: long strings cut, with their length."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # the mocks send every number as a float
    text = repr(value)
    if isinstance(value, str) and len(text) > limit:
        return f"{value[: limit - 20]!r}… ({len(value)} characters)"
    return text
