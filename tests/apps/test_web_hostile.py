"""The web service (app/web/server.py) under hostile clients, as a real process on loopback.

Each test replays one attack of issue 14 at a small scale, with bounded loops and settings
shrunk so it takes about a second: pipelining behind a burn while never reading, slow and
silent clients, every slot held, the open-files limit, and SIGTERM under a keep-alive loop.
"""

from __future__ import annotations

import json
import resource
import signal
import socket
import threading
import time
from typing import Any

from .helpers import AppProcess, ResponseReader, StartApp, get, wait_until

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"


def stopped_line(proc: AppProcess) -> dict[str, Any]:
    assert proc.stop() == 0
    return proc.wait_event(lambda e: e.get("event") == "stopped", 2.0, "stopped line")


def test_pipelining_behind_a_burn_without_reading_keeps_memory_bounded(start_web: StartApp) -> None:
    proc = start_web("web-pipeline", PORT="0", SEND_TIMEOUT="0.3")
    port = proc.listening_port()
    assert get(port, "/")[0] == 200  # warm: first-request allocations are not growth
    rss_before = proc.rss_kib()
    # A burn, then thousands of requests behind it, sent as fast as the kernel takes them, and
    # no answer ever read: the attack that took the old server from 25 MiB to 1 GB.
    chunk = b"GET /burn?ms=20 HTTP/1.1\r\nHost: t\r\n\r\n" + b"GET / HTTP/1.1\r\nHost: t\r\n\r\n" * 2000
    peak = rss_before
    sent = 0
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # answers back up sooner
        sock.connect(("127.0.0.1", port))
        sock.setblocking(False)
        deadline = time.monotonic() + 0.7
        while time.monotonic() < deadline:
            try:
                sent += sock.send(chunk)
            except BlockingIOError:
                time.sleep(0.005)
            except OSError:
                break  # the server cut us off (SEND_TIMEOUT): also fine
            peak = max(peak, proc.rss_kib())
        assert sent > 200_000, f"only {sent} bytes went out: the attack did not happen"
        assert peak - rss_before < 4096, f"RSS grew {rss_before} -> {peak} KiB under pipelining"
        assert get(port, "/healthz")[0] == 200
        # We never read: SEND_TIMEOUT (0.3 s) cuts us off rather than holding the slot forever.
        time.sleep(0.5)
        assert _cut_off(sock, 2.0), "a client that never reads kept its connection"
    assert stopped_line(proc)["send_timeouts"] == 1


def _cut_off(sock: socket.socket, timeout: float) -> bool:
    """Read what the server sent until it resets or closes the connection (True) or timeout."""
    sock.setblocking(True)
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not sock.recv(1 << 20):
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        pass
    return False


def test_a_slow_head_gets_408_at_an_absolute_deadline(start_web: StartApp) -> None:
    proc = start_web("web-slowloris", PORT="0", HEADER_TIMEOUT="0.6")
    port = proc.listening_port()
    head = b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 100
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        started = time.monotonic()
        sock.setblocking(False)
        answer = b""
        # One byte every 50 ms, never the blank line: each byte used to restart the timeout.
        for byte in head:
            try:
                sock.send(bytes([byte]))
                answer += sock.recv(4096)
            except BlockingIOError:
                pass
            except OSError:
                break
            if answer or time.monotonic() - started > 3:
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        sock.settimeout(1)
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:40]
    assert 0.55 <= elapsed < 1.3, f"closed after {elapsed:.2f}s for HEADER_TIMEOUT=0.6 (bytes kept arriving)"
    assert stopped_line(proc)["header_timeouts"] == 1


def test_a_silent_connection_is_closed_after_header_timeout_not_keepalive(start_web: StartApp) -> None:
    proc = start_web("web-silent", PORT="0", HEADER_TIMEOUT="0.4", KEEPALIVE_TIMEOUT="60")
    port = proc.listening_port()
    with socket.create_connection(("127.0.0.1", port), timeout=3) as silent:
        started = time.monotonic()
        assert ResponseReader(silent).at_eof(2.0), "a connection that never asks was kept open"
        elapsed = time.monotonic() - started
    assert 0.35 <= elapsed < 1.1, f"silent connection closed after {elapsed:.2f}s"
    # An idle keep-alive connection, once it has asked, gets KEEPALIVE_TIMEOUT instead.
    with socket.create_connection(("127.0.0.1", port), timeout=3) as used:
        used.sendall(REQUEST)
        reader = ResponseReader(used)
        assert reader.read_response()[0] == 200
        assert not reader.at_eof(0.6), "a keep-alive connection was closed at HEADER_TIMEOUT"
    proc.stop()


def test_the_connection_cap_is_derived_from_and_checked_against_the_open_files_limit(start_web: StartApp) -> None:
    low = start_web("web-nofile", PORT="0", nofile=(512, 512))
    event = low.wait_event(lambda e: e.get("event") == "listening", 3.0, "listening")
    assert event["nofile_limit"] == 512, event
    assert 1 <= event["max_connections"] < 512 - event["reserved_connections"], event
    # A soft limit below what the default cap needs is raised towards the hard limit.
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    raised = start_web("web-nofile-raised", PORT="0", nofile=(512, hard))
    event = raised.wait_event(lambda e: e.get("event") == "listening", 3.0, "listening")
    if hard == resource.RLIM_INFINITY or hard > 8192:
        assert event["max_connections"] == 4096 and 4096 < event["nofile_limit"] <= 8192, event
    else:
        assert event["nofile_limit"] == hard and event["max_connections"] < hard, event
    # An explicit cap the limit cannot hold is refused at start, naming both.
    bad = start_web("web-nofile-bad", PORT="0", MAX_CONNECTIONS="4096", nofile=(512, 512))
    error = bad.wait_event(lambda e: e.get("event") == "config_error", 3.0, "config_error")
    assert "MAX_CONNECTIONS=4096" in error["error"] and "RLIMIT_NOFILE is 512" in error["error"], error
    assert bad.proc.wait(3) == 2
    for proc in (low, raised):
        assert proc.stop() == 0


def test_healthz_answers_while_slow_clients_hold_every_slot(start_web: StartApp) -> None:
    proc = start_web("web-full", PORT="0", MAX_CONNECTIONS="16", RESERVED_CONNECTIONS="4", HEADER_TIMEOUT="5")
    port = proc.listening_port()
    slow = []
    try:
        for _ in range(40):  # 16 regular slots, 4 reserve slots, and 20 more pushing at them
            sock = socket.create_connection(("127.0.0.1", port), timeout=3)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")  # a head that never ends
            slow.append(sock)
        time.sleep(0.1)
        statuses = [get(port, "/healthz", timeout=2)[0] for _ in range(20)]
        assert statuses == [200] * 20, f"/healthz at the cap: {statuses}"
        status, headers, body, closed = _request(port, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        assert status == 503 and headers.get("retry-after") == "1" and closed, (status, headers, body)
        # Never more descriptors than slots (plus the process's own handful).
        assert proc.fd_count() <= 16 + 4 + 16, f"{proc.fd_count()} fds open at the cap"
    finally:
        for sock in slow:
            sock.close()
    counters = stopped_line(proc)
    assert counters["reserve_admitted"] >= 20 and counters["evicted"] >= 20, counters


def test_a_connection_flood_at_a_low_open_files_limit_never_runs_out_of_descriptors(start_web: StartApp) -> None:
    proc = start_web("web-connflood", PORT="0", nofile=(512, 512))
    port = proc.listening_port()
    flood: list[socket.socket] = []
    statuses = []
    try:
        for i in range(1500):  # connections opened as fast as the kernel takes them, never used
            sock = socket.socket()
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", port))
            flood.append(sock)
            if i % 300 == 299:
                statuses.append(get(port, "/healthz", timeout=2)[0])
        assert proc.fd_count() < 512
    finally:
        for sock in flood:
            sock.close()
    assert statuses == [200] * 5, f"/healthz during the flood: {statuses}"
    counters = stopped_line(proc)
    assert counters["loop_errors"] == 0 and counters["evicted"] > 0, counters
    assert "Too many open files" not in proc.stderr


def test_idle_keepalive_connections_make_room_at_the_cap(start_web: StartApp) -> None:
    proc = start_web("web-evict", PORT="0", MAX_CONNECTIONS="4", RESERVED_CONNECTIONS="1")
    port = proc.listening_port()
    idle = []
    for _ in range(4):
        sock = socket.create_connection(("127.0.0.1", port), timeout=3)
        sock.sendall(REQUEST)
        assert ResponseReader(sock).read_response()[0] == 200
        idle.append(sock)
    # A fifth client gets a regular slot (GET / answers 200, not the reserve's 503): the
    # oldest idle connection made room.
    status, body = get(port, "/")
    assert status == 200 and b"task_id" in body, (status, body)
    assert ResponseReader(idle[0]).at_eof(1.0), "the oldest idle connection was not the one closed"
    for sock in idle:
        sock.close()
    assert stopped_line(proc)["evicted"] >= 1


def test_sigterm_under_a_keepalive_loop_answers_everything_and_resets_nothing(start_web: StartApp) -> None:
    proc = start_web("web-drain-loop", PORT="0")
    port = proc.listening_port()
    results: list[dict[str, int]] = []
    stop_at = time.monotonic() + 4.0  # every loop below is bounded by this deadline too

    def client() -> None:
        seen = {"ok": 0, "close": 0, "reset": 0, "unanswered": 0}
        results.append(seen)
        with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
            reader = ResponseReader(sock)
            while time.monotonic() < stop_at:
                try:
                    sock.sendall(REQUEST)
                    status, headers, _ = reader.read_response()
                except ConnectionResetError:
                    seen["reset"] += 1
                    return
                except (AssertionError, BrokenPipeError):
                    seen["unanswered"] += 1  # EOF before an answer
                    return
                seen["ok"] += status == 200
                if headers.get("connection") == "close":
                    seen["close"] += 1
                    assert reader.at_eof(2.0), "no close after Connection: close"
                    return

    threads = [threading.Thread(target=client) for _ in range(16)]
    for t in threads:
        t.start()
    wait_until(lambda: sum(r["ok"] for r in results) >= 200, 3.0, "the clients to get going")
    proc.signal(signal.SIGTERM)
    for t in threads:
        t.join(5)
    assert proc.proc.wait(3) == 0
    total = {k: sum(r[k] for r in results) for k in ("ok", "close", "reset", "unanswered")}
    assert total["reset"] == 0 and total["unanswered"] == 0, total
    assert total["close"] == 16, f"every connection's last answer says Connection: close: {total}"


def test_sighup_drains_like_sigterm(start_web: StartApp) -> None:
    proc = start_web("web-hup", PORT="0")
    port = proc.listening_port()
    assert get(port, "/healthz")[0] == 200
    proc.signal(signal.SIGHUP)
    assert proc.proc.wait(3) == 0
    assert any(e.get("event") == "stopped" and e.get("clean") for e in proc.events()), proc.lines


def _request(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes, bool]:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(raw)
        reader = ResponseReader(sock)
        status, headers, body = reader.read_response()
        return status, headers, json.loads(body) if body else b"", reader.at_eof(1.0)
