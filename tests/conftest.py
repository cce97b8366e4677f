"""Shared fixtures: programs run under fargatelb's recording mocks (keyed by type token)."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the root program's modules: offline, stack_config, images

from fargatelb.mocks import Recording, synthesize  # noqa: E402
from synth_helpers import committed_recording, committed_run, on_network  # noqa: E402


@pytest.fixture
def synth() -> Callable[..., Recording]:
    """Run a program under recording mocks: `synth(lambda: ...)` returns the Recording."""
    return synthesize


@pytest.fixture
def with_network() -> Callable[[Callable[..., Any]], Recording]:
    """Synthesize a PrivateNetwork plus whatever `build(wiring, network)` adds on top of it."""
    return on_network


@pytest.fixture(scope="session")
def committed_stacks() -> dict[str, Recording]:
    """Every committed Pulumi.<stack>.yaml run once per session under the default mocks (ECR empty),
    for tests that only read the recording."""
    from offline import stacks

    return {stack: committed_recording(stack) for stack in stacks()}


@pytest.fixture(scope="session")
def committed_previews() -> dict[str, Any]:
    """Each committed stack's run judged and priced, and its report.json document (not written)."""
    from fargatelb.preview import judge, report
    from offline import stacks

    previews = {}
    for stack in stacks():
        judged = judge(committed_run(stack))
        previews[stack] = (judged, report.build(judged))
    return previews
