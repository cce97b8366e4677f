"""Fixtures for the app tests: build the C UDP service, start apps, serve fake ECS metadata."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

import pytest

from .helpers import APP, REPO, SIDECAR, AppProcess, FakeMetadata, StartApp

# Hard per-test bound: the whole tests/apps suite has a ~12 s budget, so a single test
# running this long is broken, and should fail rather than eat the repo's 30 s CI budget.
TEST_TIME_LIMIT_S = 8


@pytest.fixture(autouse=True)
def _time_limit() -> Iterator[None]:
    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"test exceeded its {TEST_TIME_LIMIT_S}s limit")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, TEST_TIME_LIMIT_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def udp_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build app/udp with its own Makefile into a temp dir, so a fresh clone just works."""
    if shutil.which("make") is None or shutil.which("cc") is None:
        pytest.fail("building app/udp needs make and a C compiler (cc) on PATH")
    out = tmp_path_factory.mktemp("udp-build")
    result = subprocess.run(
        ["make", "-s", "-C", str(APP / "udp"), f"BUILD_DIR={out}", "EXTRA_CFLAGS=-Werror"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"make app/udp failed:\n{result.stdout}\n{result.stderr}"
    return out / "udp-service"


def _build_bench_tool(out: Path, name: str) -> Path:
    """Compile bench/<name>.c (the benchmark's own UDP tools) into ``out``."""
    binary = out / name
    result = subprocess.run(
        ["cc", "-O2", "-Wall", "-Werror", "-o", str(binary), str(REPO / "bench" / f"{name}.c")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"cc bench/{name}.c failed:\n{result.stderr}"
    return binary


@pytest.fixture(scope="session")
def udp_load_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bench/udp_load.c: the flood the sidecar must ride out."""
    return _build_bench_tool(tmp_path_factory.mktemp("udp-load"), "udp_load")


@pytest.fixture(scope="session")
def udp_echo_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bench/udp_echo.c: in "pong" mode, a stand-in service that can switch to garbage."""
    return _build_bench_tool(tmp_path_factory.mktemp("udp-echo"), "udp_echo")


@pytest.fixture(scope="module")
def metadata() -> Iterator[FakeMetadata]:
    server = FakeMetadata()
    yield server
    server.close()


def _launcher(argv_for: Callable[[str], list[str]]) -> Iterator[StartApp]:
    started: list[AppProcess] = []

    def start(name: str = "app", nofile: tuple[int, int] | None = None, **env: str) -> AppProcess:
        proc = AppProcess(name, argv_for(name), {"BIND_HOST": "127.0.0.1", **env}, nofile=nofile)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()


@pytest.fixture(scope="module")
def start_web() -> Iterator[StartApp]:
    yield from _launcher(lambda _: [sys.executable, str(APP / "web" / "server.py")])


@pytest.fixture(scope="module")
def start_sidecar() -> Iterator[StartApp]:
    yield from _launcher(lambda _: [sys.executable, str(SIDECAR / "sidecar.py")])


@pytest.fixture(scope="module")
def start_udp(udp_binary: Path) -> Iterator[StartApp]:
    yield from _launcher(lambda _: [str(udp_binary)])
