"""Fixtures for the e2e tests: one emulated dev stack per session, shared by every claim's test.

The emulation needs root (network namespaces, nftables) and Debian's iproute2, nftables, haproxy
and bubblewrap; without them every test here is skipped, saying why: never passed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from e2e import checks
from e2e.report import Report
from e2e.run import Emulation, Options, unavailable
from offline import synthesize_stack


def require_emulation() -> None:
    why = unavailable()
    if why:
        pytest.skip(f"e2e emulation not run: {why}")


@pytest.fixture(scope="session")
def dev_report() -> Iterator[Report]:
    """The whole dev stack emulated and every check run once (about 20 s)."""
    require_emulation()
    with Emulation("dev", synthesize_stack("dev"), Options()) as emulation:
        report = checks.run_all(emulation)
    print(report.format())
    yield report
