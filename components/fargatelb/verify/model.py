"""The shared model of every verification layer: findings, the hops of proven paths, the report.

Each layer (config, AWS input rules, wiring paths, lifecycle) reports the same way: a `Finding`
names the rule or hop that failed, the resource(s), the property and value where one is at fault,
and the `Fix` (the component argument and the stack config key to change). Renderers (the offline
preview's text, report.json, CrossGuard violations) format these; none of them decides anything.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from ..graph import Node


class Severity(enum.StrEnum):
    ERROR = "error"
    """The deploy fails or the service never turns healthy."""
    WARNING = "warning"
    """It deploys, but something people will trip over later."""
    UNKNOWN = "unknown"
    """A value isn't known until deploy (a real preview): this hop can't be proven either way."""


class Layer(enum.StrEnum):
    """Which layer of the verdict a finding comes from (see DESIGN: each catches what the one
    before can't)."""

    AWS_RULES = "aws-rules"
    """A value AWS's API refuses: character sets, lengths, patterns, enumerations, ranges."""
    WIRING = "wiring"
    """A graph that deploys but carries no traffic: a broken hop on a path."""
    LIMITS = "limits"
    """An AWS quota the stack exceeds."""
    LIFECYCLE = "lifecycle"
    """What fails on the second deploy, a rollback or a rename."""


@dataclass(frozen=True)
class ResourceRef:
    """One side of a hop."""

    name: str
    type: str
    urn: str

    @classmethod
    def of(cls, node: Node | None) -> ResourceRef | None:
        return None if node is None else cls(node.name, node.type, node.urn)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Fix:
    """What to change. With a component, `argument` is its (dotted, snake_case) argument; without
    one, or when the component sets the value itself, it is an input of `resource`."""

    argument: str
    component: str | None = None
    component_type: str | None = None
    config_key: str | None = None
    """`<project>:<section>.<camelCaseArgument>`, when the component is built from a config section."""
    resource: str | None = None
    """Set when the fix is an input of this resource rather than a component argument."""

    def __str__(self) -> str:
        if self.resource is None:
            text = f"`{self.argument}` of {self.component} ({self.component_type})"
            return text + (f", config `{self.config_key}`" if self.config_key else "")
        text = f"input `{self.argument}` of {self.resource}"
        return text + (f", set by component {self.component} ({self.component_type})" if self.component else "")


@dataclass(frozen=True)
class Finding:
    severity: Severity
    hop: str
    """Stable id of the broken hop or rule, e.g. `task-sg-ingress`, `ecr-dkr-endpoint`, `lb-name`,
    `aws-pattern`."""
    message: str
    service: str | None = None
    """The ECS service whose path this is (logical name), or None for stack-wide checks."""
    source: ResourceRef | None = None
    """The resource on the near side of the hop (the sender, or the resource checked)."""
    target: ResourceRef | None = None
    """The resource on the far side (the receiver), when the hop has two sides."""
    fix: Fix | None = None
    layer: Layer = Layer.WIRING
    property: str | None = None
    """The resource input at fault (wire name, dotted: `healthCheck.interval`), for rule findings."""
    value: Any = None
    """The offending value, for rule findings."""
    rule: str | None = None
    """What the value breaks, as its source states it (`AWS::EC2::SecurityGroup.GroupDescription:
    pattern ^[a-zA-Z0-9 ._-]*$`)."""
    source_url: str | None = None
    """Where the rule comes from: the AWS API reference page, or the machine-readable source."""

    def __str__(self) -> str:
        sides = " → ".join(str(s) for s in (self.source, self.target) if s is not None)
        where = f" {self.service}" if self.service else ""
        text = f"{self.severity.value} [{self.hop}]{where} {sides + ': ' if sides else ''}{self.message}"
        return text + (f" (fix: {self.fix})" if self.fix else "")


@dataclass
class ProvenPath:
    """One end-to-end path of one service, a line per hop; `ok` is False if any hop is broken."""

    service: str
    kind: str
    """`traffic`, `redirect`, `health-check`, `image-pull`, `logs` or `secrets`."""
    hops: list[str]
    ok: bool = True
    component: str | None = None

    @property
    def text(self) -> str:
        return " → ".join(self.hops)

    def __str__(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.service} {self.kind}: {self.text}"


@dataclass
class Report:
    paths: list[ProvenPath] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def unknowns(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.UNKNOWN]

    def hops(self, severity: Severity = Severity.ERROR) -> set[str]:
        return {f.hop for f in self.findings if f.severity is severity}

    @property
    def counts(self) -> str:
        return f"{len(self.errors)} errors, {len(self.warnings)} warnings, {len(self.unknowns)} unknown"

    def format(self) -> str:
        lines = [str(p) for p in self.paths] + [str(f) for f in self.findings]
        return "\n".join([*lines, f"verdict: {'ok' if self.ok else 'BROKEN'} ({self.counts})"])
