"""The UDP service (app/udp, C) as a real process on loopback: protocol, abuse, shutdown."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .helpers import (
    TASK_ID,
    AppProcess,
    FakeMetadata,
    StartApp,
    forge_udp,
    udp_exchange,
    udp_exchange_from,
    unassigned_port,
)

MAX_PAYLOAD = 1400  # the protocol's limit (app/udp/README.md)
# Room for "PONG tok " + a 32-character ECS task id: the identity needs a request this long.
PADDED = b"PING tok" + b" " * 60


@pytest.fixture(scope="module")
def udp(start_udp: StartApp, metadata: FakeMetadata) -> Iterator[AppProcess]:
    proc = start_udp("udp", UDP_PORT="0", ECS_CONTAINER_METADATA_URI_V4=metadata.uri)
    proc.listening_port()
    yield proc


@pytest.fixture(scope="module")
def port(udp: AppProcess) -> int:
    return udp.listening_port()


def stopped(proc: AppProcess, sig: int = signal.SIGTERM) -> dict[str, Any]:
    proc.signal(sig)
    assert proc.proc.wait(2) == 0
    return proc.wait_event(lambda e: e.get("event") == "stopped", 1.0, "stopped line")


@pytest.mark.parametrize("payload", [b"PING", b"PING\n", b"PING\r\n"], ids=["bare", "lf", "crlf"])
def test_plain_ping_answers_a_bare_pong(port: int, payload: bytes) -> None:
    # Four bytes in, four bytes out: no identity fits, so none is sent (nc-friendly forms too).
    assert udp_exchange(port, payload) == b"PONG"


def test_ping_token_comes_back_and_a_trusted_source_with_room_learns_the_task_id(port: int) -> None:
    assert udp_exchange(port, b"PING abc123") == b"PONG abc123"
    # Loopback is trusted by default, and this request has room for the id.
    assert udp_exchange(port, PADDED) == b"PONG tok " + TASK_ID.encode()
    # Padding may be any bytes that end the token (spaces, NULs, a newline).
    assert udp_exchange(port, b"PING tok\n" + b"\0" * 60) == b"PONG tok " + TASK_ID.encode()
    # One byte short of room: the token only, never a truncated id.
    short = b"PING tok" + b" " * (len(TASK_ID))
    assert udp_exchange(port, short) == b"PONG tok"


def test_no_answer_is_ever_longer_than_its_request(port: int) -> None:
    payloads = [b"PING", b"PING\n", b"PING x", PADDED, b"PING " + b"t" * 64, b"PING " + b"t" * 64 + b" " * 40]
    payloads += [os.urandom(n) for n in (1, 5, 37, 200)] + [b"PING " + os.urandom(30) for _ in range(5)]
    for payload in payloads:
        reply = udp_exchange(port, payload)
        assert reply is not None and len(reply) <= len(payload), (payload, reply)


def test_an_untrusted_source_never_learns_the_task_id(start_udp: StartApp, metadata: FakeMetadata) -> None:
    # Only 127.0.0.2 is trusted here: 127.0.0.1 stands for a client outside the VPC.
    proc = start_udp(
        "udp-trust", UDP_PORT="0", TRUSTED_CIDRS="127.0.0.2/32", ECS_CONTAINER_METADATA_URI_V4=metadata.uri
    )
    port = proc.listening_port()
    listening = proc.wait_event(lambda e: e.get("event") == "listening", 1.0, "listening")
    assert listening["trusted_cidrs"] == ["127.0.0.2/32"], listening
    assert udp_exchange_from(("127.0.0.1", 0), port, PADDED) == b"PONG tok"
    assert udp_exchange_from(("127.0.0.2", 0), port, PADDED) == b"PONG tok " + TASK_ID.encode()
    counters = stopped(proc)
    assert counters["pongs"] == 2 and counters["pongs_with_id"] == 1, counters


@pytest.mark.parametrize(
    "payload",
    [
        b"x",
        b"PINGPONG",
        b"ping",
        b"PING ",  # no token
        b"PING " + b"t" * 65,  # token longer than 64
        os.urandom(8),
        os.urandom(64),
        os.urandom(MAX_PAYLOAD),
        b"\x00" * 100,
    ],
    ids=[
        "1-byte",
        "ping-prefix",
        "lowercase",
        "ping-space",
        "long-token",
        "random-8",
        "random-64",
        "random-max",
        "zeros",
    ],
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
    assert first == b"PONG", f"a {len(payload)}-byte datagram was answered: {first[:20]!r}"


def test_datagrams_from_its_own_port_are_dropped(start_udp: StartApp) -> None:
    # Another instance on the same port (dev and prod both on 1234) is how an echo loop forms:
    # 127.0.0.2:P stands for it, talking to us on 127.0.0.1:P.
    udp_port = unassigned_port(socket.SOCK_DGRAM)
    proc = start_udp("udp-ownport", UDP_PORT=str(udp_port))
    proc.listening_port()
    assert udp_exchange_from(("127.0.0.2", udp_port), udp_port, b"hello", timeout=0.3) is None
    assert udp_exchange(udp_port, b"hello") == b"hello"  # everyone else is still answered
    counters = stopped(proc)
    assert counters["dropped_own_port"] == 1 and counters["echoed"] == 1, counters


def test_datagrams_from_privileged_and_blocked_ports_are_dropped(start_udp: StartApp) -> None:
    blocked = unassigned_port(socket.SOCK_DGRAM)
    proc = start_udp("udp-ports", UDP_PORT="0", BLOCKED_SOURCE_PORTS=f"7,{blocked}")
    port = proc.listening_port()
    assert udp_exchange_from(("127.0.0.1", blocked), port, b"PING", timeout=0.3) is None
    privileged = None
    for candidate in range(1023, 900, -1):  # a free port below 1024 (binding one needs root)
        try:
            privileged = udp_exchange_from(("127.0.0.1", candidate), port, b"PING", timeout=0.3)
        except PermissionError:
            break
        except OSError:
            continue
        assert privileged is None, "a datagram from a privileged port was answered"
        break
    counters = stopped(proc)
    assert counters["dropped_blocked_port"] == 1, counters
    if os.geteuid() == 0:
        assert counters["dropped_privileged_port"] == 1, counters


@pytest.mark.skipif(os.geteuid() != 0, reason="forging a source address needs a raw socket (root)")
def test_a_forged_datagram_starts_no_loop(start_udp: StartApp) -> None:
    # Two instances on one port, A and B; a datagram claiming to come from B, sent to A. The old
    # service echoed it to B, which echoed it back, about 44k times a second each, forever.
    udp_port = unassigned_port(socket.SOCK_DGRAM)
    a = start_udp("udp-a", UDP_PORT=str(udp_port), BIND_HOST="127.0.0.1")
    b = start_udp("udp-b", UDP_PORT=str(udp_port), BIND_HOST="127.0.0.2")
    a.listening_port()
    b.listening_port()
    forge_udp(("127.0.0.2", udp_port), ("127.0.0.1", udp_port), b"bounce")
    forge_udp(("127.0.0.1", udp_port), ("127.0.0.1", udp_port), b"to myself")  # A to itself
    time.sleep(0.2)
    counters_a, counters_b = stopped(a), stopped(b)
    assert counters_a["received"] == 2 and counters_a["dropped_own_port"] == 2, counters_a
    assert counters_b["received"] == 0, counters_b


def test_task_id_falls_back_to_hostname(start_udp: StartApp) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # bound, not listening: the metadata fetch is refused
        uri = f"http://127.0.0.1:{s.getsockname()[1]}/v4/x"
        proc = start_udp("udp-nometa", UDP_PORT="0", ECS_CONTAINER_METADATA_URI_V4=uri)
        port = proc.listening_port()
    assert udp_exchange(port, PADDED) == f"PONG tok {socket.gethostname()}".encode()
    assert any(e.get("event") == "metadata_unavailable" for e in proc.events()), proc.lines
    assert proc.stop() == 0


def test_flood_keeps_memory_bounded_and_counts_drops(start_udp: StartApp) -> None:
    proc = start_udp("udp-flood", UDP_PORT="0", STATS_INTERVAL_S="1")
    port = proc.listening_port()
    assert udp_exchange(port, b"PING") is not None
    rss_before = proc.rss_kib()
    sizes = [1, 64, MAX_PAYLOAD, MAX_PAYLOAD + 1, 0]
    blobs = [os.urandom(n) for n in sizes]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        # Never read the replies: our receive buffer fills and the kernel drops them, as it
        # would for a spoofed-source flood. 100k datagrams of mixed sizes, valid and invalid,
        # must leave the service's memory where it was.
        sock.connect(("127.0.0.1", port))
        send = sock.send
        for i in range(100_000):
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
    # The counters are also logged periodically (STATS_INTERVAL_S), not only at the end.
    stats = proc.wait_event(lambda e: e.get("event") == "stats", 2.0, "stats line")
    assert stats["received"] > 0, stats
    counters = stopped(proc)
    assert counters["dropped_empty"] > 0 and counters["dropped_oversized"] > 0, counters
    assert counters["dropped"] == counters["dropped_empty"] + counters["dropped_oversized"], counters


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["TERM", "HUP", "INT"])
def test_stop_signals_exit_0_promptly_with_the_stopped_line(start_udp: StartApp, sig: int) -> None:
    proc = start_udp("udp-stop", UDP_PORT="0")
    port = proc.listening_port()
    assert udp_exchange(port, b"hello") == b"hello"
    started = time.monotonic()
    proc.signal(sig)
    code = proc.proc.wait(2)
    elapsed = time.monotonic() - started
    assert code == 0, f"exit code {code} after signal {sig}"
    assert elapsed < 0.5, f"took {elapsed:.2f}s to stop (receive timeout is 200 ms)"
    line = proc.wait_event(lambda e: e.get("event") == "stopped", 1.0, "stopped line")
    assert line["echoed"] == 1, line


def test_stop_answers_the_datagrams_already_queued(start_udp: StartApp) -> None:
    proc = start_udp("udp-drain", UDP_PORT="0")
    port = proc.listening_port()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(1.0)
        sock.connect(("127.0.0.1", port))
        proc.signal(signal.SIGSTOP)  # hold it, so these wait in its receive queue
        for i in range(150):  # more than one batch (64): the stop is noticed with most queued
            sock.send(b"PING n%d" % i)
        proc.signal(signal.SIGTERM)
        proc.signal(signal.SIGCONT)
        answers = {sock.recv(100) for _ in range(150)}
    assert answers == {b"PONG n%d" % i for i in range(150)}
    assert proc.proc.wait(2) == 0
    line = proc.wait_event(lambda e: e.get("event") == "stopped", 1.0, "stopped line")
    assert line["pongs"] == 150 and line["drained"] >= 150 - 64, line


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


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("UDP_PORT", "70000"),
        ("UDP_PORT", "9" * 40),
        ("TRUSTED_CIDRS", "10.0.0/16"),
        ("TRUSTED_CIDRS", "10.0.0.0/33"),
        ("BLOCKED_SOURCE_PORTS", "53,x"),
        ("BLOCKED_SOURCE_PORTS", "0"),
        ("STATS_INTERVAL_S", "-1"),
    ],
)
def test_bad_configuration_exits_2_naming_the_variable(udp_binary: Path, name: str, value: str) -> None:
    bad = subprocess.run([str(udp_binary)], env={name: value}, capture_output=True, timeout=5, check=False)
    assert bad.returncode == 2 and b"config_error" in bad.stdout and name.encode() in bad.stdout, bad
