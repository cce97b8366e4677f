"""The NLB health-check sidecar (app/healthcheck) against the real UDP service on loopback.

The central claim: the sidecar reports the UDP service down within 2 s of it dying and up
within 2 s of it coming back, in both modes (HTTP status, TCP listener open/closed). The
elapsed times are measured and asserted, not assumed from the configuration.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable

from .helpers import APP, AppProcess, StartApp, closed_tcp_port, get, unassigned_port, wait_until

DETECTION_BOUND_S = 2.0
HEALTHCHECK_SCRIPT = str(APP / "healthcheck" / "healthcheck.py")


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
        [sys.executable, str(APP / "healthcheck" / "sidecar.py")],
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
