"""What a run proved: one verdict per path, printed like the offline preview's proven paths.

A `PathResult` is one claim (e.g. "web-http: the client reaches the listener and a task answers")
with its verdict and the traffic observed on the way. A failed one names the hop that broke and
what the packets did there; an `unknown` one says why the emulation can't tell (an image it can't
run, a NAT gateway it doesn't emulate). Only `passed` counts as proven.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASSED, FAILED, UNKNOWN = "passed", "failed", "unknown"
_MARK = {PASSED: "✓", FAILED: "✗", UNKNOWN: "?"}


@dataclass
class PathResult:
    service: str
    kind: str
    """traffic, both-tasks, refused, health, failover, drain, egress."""
    claim: str
    verdict: str = PASSED
    observed: list[str] = field(default_factory=list)
    """The traffic seen, one line per probe or measurement."""
    hop: str | None = None
    """For a failed or unknown path: where it broke, e.g. `web-alb node eu-west-1a → web-service task 1:8080`."""
    outcome: str | None = None
    """For a failed path: what the packets did at that hop."""

    def fail(self, hop: str, outcome: str) -> None:
        if self.verdict != FAILED:  # the first broken hop is the one to fix
            self.verdict, self.hop, self.outcome = FAILED, hop, outcome

    def unknown(self, hop: str, why: str) -> None:
        if self.verdict == PASSED:
            self.verdict, self.hop, self.outcome = UNKNOWN, hop, why

    def format(self) -> str:
        lines = [f"{_MARK[self.verdict]} {self.service} {self.kind}: {self.claim}"]
        if self.verdict != PASSED:
            lines.append(f"    {self.verdict} at hop: {self.hop}: {self.outcome}")
        lines += [f"    {line}" for line in self.observed]
        return "\n".join(lines)


@dataclass
class Report:
    stack: str
    results: list[PathResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, result: PathResult) -> PathResult:
        self.results.append(result)
        return result

    @property
    def ok(self) -> bool:
        return all(r.verdict == PASSED for r in self.results) and bool(self.results)

    def count(self, verdict: str) -> int:
        return sum(r.verdict == verdict for r in self.results)

    def failures(self) -> list[PathResult]:
        return [r for r in self.results if r.verdict == FAILED]

    def format(self) -> str:
        lines = [r.format() for r in self.results]
        lines += [f"note: {n}" for n in self.notes]
        verdict = "ok" if self.ok else "FAILED" if self.count(FAILED) else "INCOMPLETE"
        lines.append(
            f"e2e {self.stack}: {verdict} ({self.count(PASSED)} passed, {self.count(FAILED)} failed, "
            f"{self.count(UNKNOWN)} unknown) in {self.seconds:.1f} s"
        )
        return "\n".join(lines)
