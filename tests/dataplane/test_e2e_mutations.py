"""What the emulation catches that the graph can't: each mutation passes the static wiring check
(the offline preview) and fails the emulation, naming the hop and the packets' outcome there.

Each run emulates only the service the mutation breaks, and only the health and traffic checks,
where the failure shows (about 8 s each).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e import checks, mutations
from e2e.report import FAILED
from e2e.run import Emulation, Options
from offline import synthesize_stack

from .conftest import require_emulation

pytestmark = pytest.mark.e2e

# mutation → (the hop it must name, what the packets did there)
EXPECTED = {
    "app-on-loopback": (
        "web-alb node",
        "connection refused; nothing listens on",
        "(it listens on: 127.0.0.1:8080/tcp)",
    ),
    "app-port-differs": ("web-alb node", "connection refused; nothing listens on", "(it listens on: 0.0.0.0:8081/tcp)"),
    "udp-port-differs": ("udp-nlb node", "/healthz → 503", ""),
    "health-path-404": ("web-alb node", "last check: HTTP 404", ""),
    "cmd-exits": ("web-alb node", "connection refused", "container app exited with code 0"),
    "writes-outside-volumes": ("web-alb node", "connection refused", "/app/app.pid: Read-only file system"),
}


def test_every_mutation_has_an_expectation() -> None:
    assert set(EXPECTED) == set(mutations.MUTATIONS)


@pytest.mark.parametrize("name", sorted(mutations.MUTATIONS))
def test_static_check_passes_the_mutation(name: str, tmp_path: Path) -> None:
    recording, _ = mutations.apply(name, synthesize_stack("dev"), tmp_path)
    report = mutations.static_check(recording)
    assert report.ok, report.format()


@pytest.mark.parametrize("name", sorted(mutations.MUTATIONS))
def test_emulation_fails_the_mutation_at_the_hop(name: str, tmp_path: Path) -> None:
    require_emulation()
    recording, what = mutations.apply(name, synthesize_stack("dev"), tmp_path)
    options = Options(services=frozenset({mutations.focus(name, recording)}))
    with Emulation("dev", recording, options) as emulation:
        report = checks.run_all(emulation, parts=("health", "traffic"))
    failed = [r for r in report.results if r.verdict == FAILED and r.kind == "health"]
    assert failed, f"{name} ({what}) was not caught:\n{report.format()}"
    hop, outcome, detail = EXPECTED[name]
    assert failed[0].hop is not None and hop in failed[0].hop and "(health check)" in failed[0].hop, failed[0].format()
    assert failed[0].outcome is not None and outcome in failed[0].outcome and detail in failed[0].outcome, failed[
        0
    ].format()
