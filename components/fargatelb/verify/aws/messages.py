"""Messages for cfn-lint's extension rules whose generic violation ("anyOf failed") wouldn't say
what to do. Each returns the problems to report, or None for the generic ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ...fargate import FARGATE_MEMORY  # the components' own table, checked against cfn-lint's by a test
from ...graph import Node
from ..values import task_size
from .bridge import Document
from .registry import Problem
from .schema import Violation


def _fargate_size(node: Node, doc: Document, violations: Sequence[Violation]) -> list[Problem] | None:
    cpu = task_size(doc.properties.get("Cpu"), "vcpu")
    memory = task_size(doc.properties.get("Memory"), "gb")
    if not any(v.keyword == "anyOf" for v in violations) or cpu is None or memory is None:
        return None
    allowed = FARGATE_MEMORY.get(cpu)
    if not allowed:
        return [
            Problem(
                f"task definition {node.name} has cpu {cpu}; Fargate accepts {', '.join(map(str, FARGATE_MEMORY))}",
                property="cpu",
                value=cpu,
                concern="cpu",
            )
        ]
    step = allowed[1] - allowed[0]
    listed = ", ".join(map(str, allowed)) if len(allowed) <= 4 else f"{allowed[0]}–{allowed[-1]} step {step}"
    return [
        Problem(
            f"task definition {node.name} has cpu {cpu} with memory {memory} MiB; Fargate allows {listed}",
            property="memory",
            value=memory,
            concern="memory",
        )
    ]


EXTENSION_MESSAGES: dict[str, Callable[[Node, Document, Sequence[Violation]], list[Problem] | None]] = {
    "fargate-size": _fargate_size,
}
