"""The UDP service (app/udp, C) as a real process on loopback: protocol, abuse, shutdown."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import TASK_ID, AppProcess, FakeMetadata, StartApp, udp_exchange

MAX_PAYLOAD = 1400  # the protocol's limit (app/udp/README.md)


@pytest.fixture(scope="module")
def udp(start_udp: StartApp, metadata: FakeMetadata) -> Iterator[AppProcess]:
    proc = start_udp("udp", UDP_PORT="0", ECS_CONTAINER_METADATA_URI_V4=metadata.uri)
    proc.listening_port()
    yield proc


@pytest.fixture(scope="module")
def port(udp: AppProcess) -> int:
    return udp.listening_port()


def test_ping_answers_pong_with_task_id_from_metadata(port: int) -> None:
    assert udp_exchange(port, b"PING") == b"PONG " + TASK_ID.encode()


@pytest.mark.parametrize("payload", [b"PING\n", b"PING\r\n"])
def test_ping_tolerates_a_trailing_newline(port: int, payload: bytes) -> None:
    assert udp_exchange(port, payload) == b"PONG " + TASK_ID.encode()


@pytest.mark.parametrize(
    "payload",
    [b"x", b"PINGPONG", b"ping", b"PING ", os.urandom(8), os.urandom(64), os.urandom(MAX_PAYLOAD), b"\x00" * 100],
    ids=["1-byte", "ping-prefix", "lowercase", "ping-space", "random-8", "random-64", "random-max", "zeros"],
)
def test_other_payloads_are_echoed_unchanged(port: int, payload: bytes) -> None:
    assert udp_exchange(port, payload) == payload


@pytest.mark.parametrize("payload", [b"", b"y" * (MAX_PAYLOAD + 1), os.urandom(9000)], ids=["empty", "max+1", "jumbo"])
def test_empty_and_oversized_datagrams_are_dropped(port: int, payload: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(1.0)
        sock.connect(("127.0.0.1", port))
        sock.send(payload)
        sock.send(b"PING")
        # One socket, one single-threaded server: replies leave in request order, so if the
        # first reply is the PONG, the bad datagram got none (no need to wait out a timeout).
        first = sock.recv(65536)
    assert first.startswith(b"PONG "), f"a {len(payload)}-byte datagram was answered: {first[:20]!r}"


def test_task_id_falls_back_to_hostname(start_udp: StartApp) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # bound, not listening: the metadata fetch is refused
        uri = f"http://127.0.0.1:{s.getsockname()[1]}/v4/x"
        proc = start_udp("udp-nometa", UDP_PORT="0", ECS_CONTAINER_METADATA_URI_V4=uri)
        port = proc.listening_port()
    assert udp_exchange(port, b"PING") == f"PONG {socket.gethostname()}".encode()
    assert any(e.get("event") == "metadata_unavailable" for e in proc.events()), proc.lines
    assert proc.stop() == 0


def test_flood_keeps_memory_bounded_and_service_alive(start_udp: StartApp) -> None:
    proc = start_udp("udp-flood", UDP_PORT="0")
    port = proc.listening_port()
    assert udp_exchange(port, b"PING") is not None
    rss_before = proc.rss_kib()
    sizes = [1, 64, MAX_PAYLOAD, MAX_PAYLOAD + 1, 0]
    blobs = [os.urandom(n) for n in sizes]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        # Never read the replies: our receive buffer fills and the kernel drops them, as it
        # would for a spoofed-source flood. 200k datagrams of mixed sizes, valid and invalid,
        # must leave the service's memory where it was.
        sock.connect(("127.0.0.1", port))
        send = sock.send
        for i in range(200_000):
            send(blobs[i % 5])
        rss_after = proc.rss_kib()
    # The flood can leave the service's receive buffer full for a moment, and the kernel drops
    # whatever arrives then, a PING included: that is the design (no queue of our own). Alive
    # means one of the PINGs sent over the same 1 s gets its PONG.
    deadline = time.monotonic() + 1.0
    pong = None
    while pong is None and time.monotonic() < deadline:
        pong = udp_exchange(port, b"PING", timeout=0.1)
    assert pong is not None, "no PONG within 1 s after the flood"
    assert rss_after < 4096, f"RSS {rss_after} KiB after the flood (bound 4096 KiB)"
    assert rss_after - rss_before < 512, f"RSS grew {rss_before} -> {rss_after} KiB"
    assert proc.stop() == 0
    stopped = proc.wait_event(lambda e: e.get("event") == "stopped", 1.0, "stopped line")
    assert stopped["dropped_empty"] > 0 and stopped["dropped_oversized"] > 0, stopped


def test_sigterm_exits_0_promptly(start_udp: StartApp) -> None:
    proc = start_udp("udp-term", UDP_PORT="0")
    port = proc.listening_port()
    assert udp_exchange(port, b"hello") == b"hello"
    started = time.monotonic()
    code = proc.stop(timeout=2.0)
    elapsed = time.monotonic() - started
    assert code == 0, f"exit code {code} after SIGTERM"
    assert elapsed < 0.5, f"took {elapsed:.2f}s to stop (receive timeout is 200 ms)"
    stopped = proc.wait_event(lambda e: e.get("event") == "stopped", 1.0, "stopped line")
    assert stopped["echoed"] == 1, stopped


def test_healthcheck_mode(udp_binary: Path, port: int) -> None:
    env = {"UDP_PORT": str(port)}
    ok = subprocess.run([str(udp_binary), "--healthcheck"], env=env, timeout=5, check=False)
    assert ok.returncode == 0, "--healthcheck failed against a live service"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        silent_port = s.getsockname()[1]  # bound but never answering: must time out
        started = time.monotonic()
        dead = subprocess.run(
            [str(udp_binary), "--healthcheck"],
            env={"UDP_PORT": str(silent_port), "HEALTHCHECK_TIMEOUT_MS": "200"},
            timeout=5,
            check=False,
        )
    assert dead.returncode == 1, "--healthcheck passed against a silent port"
    assert time.monotonic() - started < 1.0, "--healthcheck ignored HEALTHCHECK_TIMEOUT_MS"


def test_bad_configuration_exits_2(udp_binary: Path) -> None:
    bad = subprocess.run([str(udp_binary)], env={"UDP_PORT": "70000"}, capture_output=True, timeout=5, check=False)
    assert bad.returncode == 2 and b"config_error" in bad.stdout, bad
