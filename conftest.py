"""Test tiers. `make test` is the edit loop: every test not marked `slow` (or `e2e`), in parallel,
in under 30 s. `make test-all` (what CI runs) adds the `slow` tier serially: the apps as real
processes under floods and timing bounds (parallel neighbours would skew their clocks), the
provider's construct-path matrix, and the example programs, which preview through subprocesses.
"""

from __future__ import annotations

import pytest

SLOW = ("tests/apps/", "tests/test_provider.py", "examples/")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        where = item.path.relative_to(config.rootpath).as_posix()
        if where.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
