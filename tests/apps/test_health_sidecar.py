"""The NLB health-check sidecar (components/fargatelb/sidecar) against the real UDP service on loopback.

The central claim: the sidecar reports the UDP service down within 2 s of it dying and up
within 2 s of it coming back, in both modes (HTTP status, TCP listener open/closed). The
elapsed times are measured and asserted, not assumed from the configuration.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .helpers import (
    SIDECAR,
    AppProcess,
    ResponseReader,
    StartApp,
    closed_tcp_port,
    get,
    http_request,
    unassigned_port,
    wait_until,
)

DETECTION_BOUND_S = 2.0
HEALTHCHECK_SCRIPT = str(SIDECAR / "healthcheck.py")


def http_status(port: int) -> int:
    try:
        return get(port, "/healthz", timeout=1.0)[0]
    except OSError:
        return 0


def tcp_state(port: int) -> str:
    """ "open" if the sidecar accepts (and says ok), "refused" if nothing listens.

    "reset" is the moment of closing: the kernel completed our handshake into the accept queue
    just before the sidecar closed its listener, which resets whatever it had not accepted.
    It is neither answer, so a poll that meets it simply polls again.
    """
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            return "open" if sock.recv(16) == b"ok\n" else "open-but-silent"
    except ConnectionRefusedError:
        return "refused"
    except ConnectionResetError:
        return "reset"


def time_until(checks: dict[str, Callable[[], bool]], bound: float) -> dict[str, float]:
    """Poll all checks together; return when each first held (seconds), failing past bound."""
    started = time.monotonic()
    seen: dict[str, float] = {}
    while len(seen) < len(checks):
        elapsed = time.monotonic() - started
        for name, check in checks.items():
            if name not in seen and check():
                seen[name] = elapsed
        missing = sorted(set(checks) - set(seen))
        assert elapsed <= bound or not missing, f"{missing} not seen within {bound:g}s"
        time.sleep(0.02)
    return seen


def run_healthcheck(**env: str) -> int:
    return subprocess.run(
        [sys.executable, HEALTHCHECK_SCRIPT],
        env={"HEALTHCHECK_TIMEOUT": "0.5", **env},
        capture_output=True,
        timeout=5,
        check=False,
    ).returncode


def test_sidecars_follow_udp_outage_and_recovery(start_udp: StartApp, start_sidecar: StartApp) -> None:
    udp_port = unassigned_port(socket.SOCK_DGRAM)
    tcp_port = closed_tcp_port()
    common = {"UDP_TARGET_PORT": str(udp_port)}
    http_sc = start_sidecar("sidecar-http", HEALTH_PORT="0", HEALTH_MODE="http", **common)
    tcp_sc = start_sidecar("sidecar-tcp", HEALTH_PORT=str(tcp_port), HEALTH_MODE="tcp", **common)
    http_port = http_sc.listening_port()
    # Both sidecars have started and probed once (their first verdict), so the checks below
    # see a running sidecar, and the timings after them hold no interpreter start-up.
    for sidecar in (http_sc, tcp_sc):
        sidecar.wait_event(lambda e: e.get("event") == "unhealthy", 3.0, "first verdict")

    # No UDP service yet: HTTP mode answers 503 with the reason, TCP mode does not listen.
    status, body = get(http_port, "/healthz")
    assert status == 503, f"sidecar said {status} with no UDP service running"
    assert json.loads(body)["last_error"], body
    assert tcp_state(tcp_port) == "refused", "TCP sidecar listens with no UDP service running"
    # The sidecar's own container check passes: it is alive and telling the truth.
    assert run_healthcheck(HEALTH_PORT=str(http_port)) == 0, "http-mode healthcheck.py, 503 state"

    udp = start_udp("udp", UDP_PORT=str(udp_port))
    udp.listening_port()
    up = time_until(
        {
            "http 200": lambda: http_status(http_port) == 200,
            "tcp open": lambda: tcp_state(tcp_port) == "open",
        },
        DETECTION_BOUND_S,
    )
    body = get(http_port, "/healthz")[1]
    assert json.loads(body)["task_id"] == socket.gethostname(), body

    udp.kill()  # SIGKILL: a crash, not a clean stop
    down = time_until(
        {
            "http 503": lambda: http_status(http_port) == 503,
            "tcp refused": lambda: tcp_state(tcp_port) == "refused",
        },
        DETECTION_BOUND_S,
    )

    start_udp("udp-restarted", UDP_PORT=str(udp_port)).listening_port()
    back = time_until(
        {
            "http 200": lambda: http_status(http_port) == 200,
            "tcp open": lambda: tcp_state(tcp_port) == "open",
        },
        DETECTION_BOUND_S,
    )
    print(f"first up {up}, down after kill {down}, back after restart {back}")

    for sidecar in (http_sc, tcp_sc):
        assert_clean_stop(sidecar)


def test_healthcheck_script_flags_a_stuck_tcp_sidecar(start_udp: StartApp) -> None:
    udp = start_udp("udp-for-check", UDP_PORT="0")
    udp_port = str(udp.listening_port())
    closed = str(closed_tcp_port())
    # Port closed while the UDP service answers: the sidecar is wrong (or dead).
    assert run_healthcheck(HEALTH_MODE="tcp", HEALTH_PORT=closed, UDP_TARGET_PORT=udp_port) == 1
    udp.kill()
    # Port closed and the UDP service down: the sidecar is right to be closed.
    assert run_healthcheck(HEALTH_MODE="tcp", HEALTH_PORT=closed, UDP_TARGET_PORT=udp_port) == 0
    # HTTP mode with no sidecar answering at all.
    assert run_healthcheck(HEALTH_MODE="http", HEALTH_PORT=closed) == 1


def test_bad_mode_is_a_config_error() -> None:
    result = subprocess.run(
        [sys.executable, str(SIDECAR / "sidecar.py")],
        env={"HEALTH_MODE": "udp"},
        capture_output=True,
        timeout=5,
        check=False,
    )
    assert result.returncode == 2 and b"config_error" in result.stdout, result


def test_http_sidecar_rejects_other_paths_and_methods(start_sidecar: StartApp) -> None:
    sidecar = start_sidecar("sidecar-paths", HEALTH_PORT="0", UDP_TARGET_PORT="9")
    port = sidecar.listening_port()
    assert get(port, "/")[0] == 404
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(b"DELETE /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 405"), "DELETE not refused"
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(b"\x16\x03\x01garbage\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400"), "garbage not refused"
    assert_clean_stop(sidecar)


def assert_clean_stop(proc: AppProcess) -> None:
    started = time.monotonic()
    code = proc.stop(timeout=3.0)
    elapsed = time.monotonic() - started
    assert code == 0, f"{proc.name} exited {code} on SIGTERM; stderr={proc.stderr[-500:]}"
    assert elapsed < 1.0, f"{proc.name} took {elapsed:.2f}s to stop on SIGTERM"
    wait_until(lambda: any(e.get("event") == "stopped" for e in proc.events()), 1.0, f"{proc.name} 'stopped' log line")


def test_verdict_rides_out_a_four_sender_flood(
    start_udp: StartApp, start_sidecar: StartApp, udp_load_binary: Path
) -> None:
    """Most probes are lost under the flood; a verdict over the window stays 200 throughout."""
    udp = start_udp("udp-flooded", UDP_PORT="0")
    udp_port = udp.listening_port()
    sidecar = start_sidecar("sidecar-flooded", HEALTH_PORT="0", UDP_TARGET_PORT=str(udp_port))
    port = sidecar.listening_port()
    wait_until(lambda: http_status(port) == 200, 3.0, "healthy before the flood")
    seconds = 2.0
    floods = [
        subprocess.Popen(
            [str(udp_load_binary), "flood", str(udp_port), str(seconds), "50000000"],
            stdout=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    statuses: list[int] = []
    lossy = 0
    try:
        time.sleep(0.2)
        deadline = time.monotonic() + seconds - 0.4
        while time.monotonic() < deadline:
            status, body = health(port)
            statuses.append(status)
            if body and body["window_answered"] < body["window_probes"]:
                lossy += 1
            time.sleep(0.02)
    finally:
        for flood in floods:
            flood.wait(seconds + 5)
    assert len(statuses) >= 20, statuses
    false_503 = statuses.count(503) / len(statuses)
    verdicts = [e for e in sidecar.events() if e.get("event") in ("healthy", "unhealthy")]
    assert false_503 < 0.02 and statuses.count(0) == 0, (
        f"{statuses.count(503)} of {len(statuses)} polls said 503; verdicts: {verdicts}"
    )
    assert lossy > 0, "no probe was lost: the flood did not bite, so this proves nothing"


def test_kill_stop_and_garbage_are_each_detected_within_2s(
    start_udp: StartApp, start_sidecar: StartApp, udp_echo_binary: Path
) -> None:
    """Three outages at once, each watched by its own sidecar: crash, hang, wrong answers."""
    killed = start_udp("udp-killed", UDP_PORT="0")
    stopped = start_udp("udp-stopped", UDP_PORT="0")
    garbage_port = unassigned_port(socket.SOCK_DGRAM)
    garbage = AppProcess("udp-garbage", [str(udp_echo_binary), str(garbage_port), "30", "pong"], {})
    try:
        wait_until(lambda: any("port=" in line for line in garbage.lines), 2.0, "the stand-in service")
        targets = {"kill": killed.listening_port(), "stop": stopped.listening_port(), "garbage": garbage_port}
        ports = {
            name: start_sidecar(f"sidecar-{name}", HEALTH_PORT="0", UDP_TARGET_PORT=str(target)).listening_port()
            for name, target in targets.items()
        }
        for name, port in ports.items():
            wait_until(status_is(port, 200), 3.0, f"{name}: healthy first")
        killed.kill()
        stopped.signal(signal.SIGSTOP)
        garbage.signal(signal.SIGUSR1)  # from now on it answers the right length of 'X'
        down = time_until({name: status_is(port, 503) for name, port in ports.items()}, 2.5)
        assert max(down.values()) <= DETECTION_BOUND_S, f"detection times {down}"
        _, body = health(ports["garbage"])
        assert body is not None and "unexpected answer" in str(body["last_error"]), body
        # A hung service that resumes is healthy again at its first good answer.
        stopped.signal(signal.SIGCONT)
        garbage.signal(signal.SIGUSR2)
        time_until(
            {name: status_is(ports[name], 200) for name in ("stop", "garbage")},
            DETECTION_BOUND_S,
        )
    finally:
        stopped.signal(signal.SIGCONT)
        garbage.kill()


def test_custom_probe_contracts_against_a_real_service(start_udp: StartApp, start_sidecar: StartApp) -> None:
    udp = start_udp("udp-for-contracts", UDP_PORT="0")
    target = str(udp.listening_port())
    good = {
        "text+regex": {"PROBE_SEND": "HELLO {nonce}", "PROBE_EXPECT_REGEX": "^HELLO {nonce}$"},
        "hex+prefix": {"PROBE_SEND_HEX": "00 01 {nonce} ff", "PROBE_EXPECT_PREFIX_HEX": "0001{nonce}ff"},
        "min-length": {"PROBE_SEND": "abcd", "PROBE_EXPECT_MIN_LENGTH": "4"},
    }
    bad = {
        "too-short": {"PROBE_SEND": "abc", "PROBE_EXPECT_MIN_LENGTH": "4"},
        "wrong-prefix": {"PROBE_SEND": "abc {nonce}", "PROBE_EXPECT_PREFIX": "xyz"},
    }
    ports = {
        name: start_sidecar(f"sidecar-{name}", HEALTH_PORT="0", UDP_TARGET_PORT=target, **env).listening_port()
        for name, env in {**good, **bad}.items()
    }
    time_until({name: status_is(ports[name], 200) for name in good}, 3.0)
    for name in bad:
        status, body = health(ports[name])
        assert status == 503 and body is not None and "unexpected answer" in str(body["last_error"]), (name, body)
    # A custom probe's answer shows as last_reply; only app/udp's own PONG carries a task id.
    _, body = health(ports["text+regex"])
    assert body is not None and body["task_id"] is None and body["last_reply"].startswith("HELLO "), body


def test_sigterm_answers_a_request_already_received(start_sidecar: StartApp) -> None:
    sidecar = start_sidecar("sidecar-drain", HEALTH_PORT="0", UDP_TARGET_PORT="9")
    port = sidecar.listening_port()
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")  # half a request when the signal lands
        time.sleep(0.1)
        sidecar.signal(signal.SIGTERM)
        time.sleep(0.1)
        sock.sendall(b"Host: t\r\n\r\n")
        status, headers, _ = ResponseReader(sock).read_response()
        assert status == 503 and headers.get("connection") == "close", (status, headers)
    assert sidecar.proc.wait(3) == 0
    wait_until(lambda: any(e.get("event") == "stopped" for e in sidecar.events()), 1.0, "stopped line")


def test_sighup_and_bare_lf_requests(start_sidecar: StartApp) -> None:
    sidecar = start_sidecar("sidecar-hup", HEALTH_PORT="0", UDP_TARGET_PORT="9")
    port = sidecar.listening_port()
    status, _, _, closed = http_request(port, b"\r\nGET /healthz HTTP/1.1\nHost: t\n\n")
    assert status == 503 and closed  # RFC 9112 §2.2: leading empty line, bare LF line ends
    sidecar.signal(signal.SIGHUP)
    assert sidecar.proc.wait(3) == 0
    wait_until(lambda: any(e.get("event") == "stopped" for e in sidecar.events()), 1.0, "stopped line")


def test_healthcheck_script_uses_the_configured_probe(start_udp: StartApp) -> None:
    udp = start_udp("udp-for-custom-check", UDP_PORT="0")
    env = {"HEALTH_MODE": "tcp", "HEALTH_PORT": str(closed_tcp_port()), "UDP_TARGET_PORT": str(udp.listening_port())}
    # The service passes this custom probe, so a closed sidecar port is the sidecar's fault.
    assert run_healthcheck(PROBE_SEND="hi {nonce}", PROBE_EXPECT_PREFIX="hi {nonce}", **env) == 1
    # It fails this one, so the closed port is the truth.
    assert run_healthcheck(PROBE_SEND="hi", PROBE_EXPECT_PREFIX="nope", **env) == 0


def status_is(port: int, status: int) -> Callable[[], bool]:
    return lambda: http_status(port) == status


def health(port: int) -> tuple[int, dict[str, Any] | None]:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            status, _, body = ResponseReader(sock).read_response()
            return status, json.loads(body)
    except (OSError, AssertionError, ValueError):
        return 0, None
