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
from synth_helpers import on_network  # noqa: E402


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
    """Every committed Pulumi.<stack>.yaml run once under the default mocks (ECR empty), for tests
    that only read the recording."""
    from offline import stacks, synthesize_stack

    return {stack: synthesize_stack(stack) for stack in stacks()}
