"""The web service (app/web/server.py) as a real process on loopback."""

from __future__ import annotations

import json
import select
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import (
    APP,
    TASK_ARN,
    TASK_ID,
    AppProcess,
    FakeMetadata,
    ResponseReader,
    StartApp,
    closed_tcp_port,
    get,
    http_request,
    wait_until,
)


@pytest.fixture(scope="module")
def web(start_web: StartApp, metadata: FakeMetadata) -> Iterator[AppProcess]:
    proc = start_web("web", PORT="0", ECS_CONTAINER_METADATA_URI_V4=metadata.uri)
    proc.listening_port()
    yield proc


@pytest.fixture(scope="module")
def port(web: AppProcess) -> int:
    return web.listening_port()


def test_root_names_the_task_from_ecs_metadata(port: int) -> None:
    status, body = get(port, "/")
    assert status == 200, f"GET / answered {status}: {body!r}"
    doc = json.loads(body)
    assert doc["task_arn"] == TASK_ARN, f"task ARN not taken from the metadata endpoint: {doc}"
    assert doc["task_id"] == TASK_ID, f"task id is not the ARN's last segment: {doc}"
    assert doc["identity_source"] == "ecs-metadata", doc


def test_root_falls_back_to_hostname_when_metadata_hangs(start_web: StartApp) -> None:
    # A listener that never accepts: connect succeeds, the HTTP answer never comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        uri = f"http://127.0.0.1:{silent.getsockname()[1]}/v4/x"
        started = time.monotonic()
        proc = start_web("web-nometa", PORT="0", ECS_CONTAINER_METADATA_URI_V4=uri, METADATA_TIMEOUT="0.3")
        port = proc.listening_port()
        startup = time.monotonic() - started
    assert startup < 2.0, f"a hanging metadata endpoint delayed start-up by {startup:.2f}s"
    doc = json.loads(get(port, "/")[1])
    assert doc["task_id"] == socket.gethostname(), f"no hostname fallback: {doc}"
    assert doc["task_arn"] is None and doc["identity_source"] == "hostname", doc
    assert any(e.get("event") == "metadata_unavailable" for e in proc.events()), proc.lines
    assert proc.stop() == 0


def test_root_falls_back_to_hostname_without_metadata_env(start_web: StartApp) -> None:
    proc = start_web("web-noenv", PORT="0")
    doc = json.loads(get(proc.listening_port(), "/")[1])
    assert doc["task_id"] == socket.gethostname() and doc["identity_source"] == "hostname", doc
    assert proc.stop() == 0


def test_healthz_is_200(port: int) -> None:
    assert get(port, "/healthz") == (200, b'{"status":"ok"}\n')


def test_unknown_path_is_404_and_other_methods_405(port: int) -> None:
    assert get(port, "/nope")[0] == 404
    status, headers, _, _ = http_request(port, b"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", close_wait=0)
    assert status == 405 and headers.get("allow") == "GET, HEAD", (status, headers)


def test_head_has_headers_but_no_body(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        reader = ResponseReader(sock)
        status, headers, body = reader.read_response(head_request=True)
        assert status == 200 and int(headers["content-length"]) > 0, headers
        # Had a body been sent, it would now stand where the second status line must be.
        status, _, body = reader.read_response()
        assert (status, body) == (200, b'{"status":"ok"}\n'), "HEAD response carried a body"


def test_keep_alive_serves_sequential_and_pipelined_requests(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        reader = ResponseReader(sock)
        for _ in range(3):
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
            status, headers, _ = reader.read_response()
            assert status == 200 and "connection" not in headers, headers
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /x HTTP/1.1\r\nHost: t\r\n\r\n")
        assert reader.read_response()[0] == 200, "first pipelined request"
        assert reader.read_response()[0] == 404, "second pipelined request out of order"
        assert not reader.at_eof(timeout=0.05), "server closed a keep-alive connection"


def test_http10_closes_unless_keep_alive_asked(port: int) -> None:
    status, _, _, closed = http_request(port, b"GET /healthz HTTP/1.0\r\n\r\n")
    assert status == 200 and closed, "HTTP/1.0 without keep-alive must close"
    status, headers, _, closed = http_request(
        port, b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", close_wait=0.2
    )
    assert status == 200 and not closed and headers.get("connection") == "keep-alive", headers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"\x00\xff\xfegarbage\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n\r\n", 400),  # HTTP/1.1 without Host
        (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n folded\r\n\r\n", 400),
        (b"GET noslash HTTP/1.1\r\nHost: t\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 413),
        (b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
        (b"no blank line ever, just garbage\r\n", 400),  # rejected on the first line alone
    ],
    ids=[
        "binary",
        "no-host",
        "two-hosts",
        "bad-name",
        "folding",
        "target",
        "http2",
        "chunked",
        "huge-head",
        "first-line",
    ],
)
def test_malformed_requests_are_rejected_and_closed(port: int, raw: bytes, expected: int) -> None:
    status, _, body, closed = http_request(port, raw)
    assert status == expected, f"{raw[:40]!r} got {status} {body!r}, expected {expected}"
    assert closed, f"connection left open after a {status} for {raw[:40]!r}"
    assert "error" in json.loads(body)


@pytest.mark.parametrize(
    "query",
    [
        "ms=0",
        "ms=-5",
        "ms=2001",
        "ms=abc",
        "ms=1.5",
        "ms=",
        "ms=1&ms=2",
        "ms=99999999999999999999",
        "ms=%D9%A3",  # ARABIC-INDIC DIGIT THREE: a digit to str.isdigit, not to us
        "ms=+5",
        "ms=1" + "&x=1" * 20,  # more query fields than any request needs
    ],
)
def test_burn_rejects_out_of_range_values(port: int, query: str) -> None:
    status, body = get(port, f"/burn?{query}")
    assert status == 400, f"/burn?{query} answered {status} {body!r}, expected 400"


def test_burn_runs_for_the_requested_time(port: int) -> None:
    started = time.monotonic()
    status, body = get(port, "/burn?ms=60")
    elapsed = time.monotonic() - started
    assert status == 200 and json.loads(body)["burned_ms"] == 60, body
    assert 0.06 <= elapsed < 1.0, f"a 60 ms burn took {elapsed * 1000:.0f} ms"


def test_burn_concurrency_is_capped_and_healthz_stays_fast(port: int) -> None:
    # Three burns at once against BURN_MAX_CONCURRENT=2: whatever the arrival order, exactly
    # one must be refused, and at once rather than after waiting for a slot.
    socks = [socket.create_connection(("127.0.0.1", port), timeout=3) for _ in range(3)]
    try:
        sent = time.monotonic()
        for sock in socks:
            sock.sendall(b"GET /burn?ms=500 HTTP/1.1\r\nHost: t\r\n\r\n")
        ready, _, _ = select.select(socks, [], [], 0.4)
        assert len(ready) == 1, f"{len(ready)} of 3 burns answered within 0.4s, expected 1"
        refused_after = time.monotonic() - sent
        assert ResponseReader(ready[0]).read_response()[0] == 429, "the answered burn is not a 429"
        # The two burns run in threads that release the GIL: the event loop keeps answering.
        started = time.monotonic()
        assert get(port, "/healthz")[0] == 200
        latency = time.monotonic() - started
        assert latency < 0.2, f"/healthz took {latency * 1000:.0f} ms during burns"
        statuses = [ResponseReader(s).read_response()[0] for s in socks if s is not ready[0]]
        assert statuses == [200, 200], f"the admitted burns did not complete: {statuses}"
        assert refused_after < 0.4
    finally:
        for sock in socks:
            sock.close()


def test_access_log_is_one_json_line_per_request(web: AppProcess, port: int) -> None:
    marker = uuid.uuid4().hex
    request = f'GET /healthz?m={marker} HTTP/1.1\r\nHost: t\r\nUser-Agent: ELB-"quoted"\r\n'
    request += "X-Forwarded-For: 203.0.113.7\r\nConnection: close\r\n\r\n"
    http_request(port, request.encode())
    line = web.wait_event(lambda e: marker in str(e.get("path")), 2.0, "access log line")
    assert line["method"] == "GET" and line["status"] == 200, line
    assert line["remote"] == "127.0.0.1" and isinstance(line["duration_ms"], float), line
    assert line["path"] == f"/healthz?m={marker}" and line["ts"].endswith("Z"), line
    assert line["forwarded_for"] == "203.0.113.7", f"X-Forwarded-For not logged: {line}"
    assert line["user_agent"] == 'ELB-"quoted"', f"user agent not logged intact: {line}"
    matching = [text for text in web.lines if marker in text]
    assert len(matching) == 1, f"expected exactly one log line for one request, got {matching}"


def test_sigterm_finishes_in_flight_requests_then_exits_0(start_web: StartApp) -> None:
    proc = start_web("web-drain", PORT="0", SHUTDOWN_TIMEOUT="3")
    port = proc.listening_port()
    idle = socket.create_connection(("127.0.0.1", port), timeout=3)  # an idle keep-alive peer
    busy = socket.create_connection(("127.0.0.1", port), timeout=3)
    cpu_before = _cpu_ticks(proc.pid)
    busy.sendall(b"GET /burn?ms=400 HTTP/1.1\r\nHost: t\r\n\r\n")
    # Signal only once the burn is really in flight: visible as the process using CPU.
    wait_until(lambda: _cpu_ticks(proc.pid) - cpu_before >= 3, 1.0, "the burn to start")
    sent_at = time.monotonic()
    proc.signal(signal.SIGTERM)

    assert ResponseReader(idle).at_eof(1.0), "idle keep-alive connection not closed on SIGTERM"
    wait_until(lambda: _refused(port), 1.0, "new connections refused after SIGTERM")
    reader = ResponseReader(busy)
    status, headers, body = reader.read_response()
    assert status == 200 and json.loads(body)["burned_ms"] == 400, (status, body)
    assert headers.get("connection") == "close", "draining server must close after the response"
    code = proc.proc.wait(3)
    elapsed = time.monotonic() - sent_at
    assert code == 0, f"exit code {code} after SIGTERM; stderr={proc.stderr}"
    assert elapsed < 2.0, f"took {elapsed:.2f}s to exit after SIGTERM"
    assert any(e.get("event") == "stopped" and e.get("clean") for e in proc.events()), proc.lines
    idle.close()
    busy.close()


def test_container_healthcheck_script(port: int) -> None:
    script = str(APP / "web" / "healthcheck.py")
    ok = subprocess.run([sys.executable, script], env={"PORT": str(port)}, timeout=5, check=False)
    assert ok.returncode == 0, "healthcheck.py failed against a healthy service"
    dead = subprocess.run(
        [sys.executable, script],
        env={"PORT": str(closed_tcp_port())},
        timeout=5,
        capture_output=True,
        check=False,
    )
    assert dead.returncode == 1, "healthcheck.py passed with no service listening"


def _refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except ConnectionRefusedError:
        return True
    return False


def _cpu_ticks(pid: int) -> int:
    """User + system CPU time of a process, in clock ticks (/proc/PID/stat fields 14, 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def test_burn_with_thousands_of_digits_is_a_logged_400(web: AppProcess, port: int) -> None:
    # Past CPython's 4,300-digit int() limit: this used to raise inside the handler (no answer,
    # a traceback, no access-log line).
    digits = "1" * 4301
    status, body = get(port, f"/burn?ms={digits}")
    assert status == 400 and "1..2000" in json.loads(body)["error"], (status, body)
    line = web.wait_event(lambda e: str(e.get("path")).startswith("/burn?ms=1111"), 2.0, "access log line")
    assert line["status"] == 400 and len(line["path"]) == len("/burn?ms=") + 4301, line
    assert "Traceback" not in web.stderr


def test_burn_then_half_close_is_still_answered(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(b"GET /burn?ms=50 HTTP/1.1\r\nHost: t\r\n\r\n")
        sock.shutdown(socket.SHUT_WR)  # "that was my last request": the answer must still come
        reader = ResponseReader(sock)
        status, headers, body = reader.read_response()
        assert status == 200 and json.loads(body)["burned_ms"] == 50, (status, body)
        assert headers.get("connection") == "close" and reader.at_eof(1.0)


@pytest.mark.parametrize(
    "value", [b"close", b"\tclose", b"close\t", b"keep-alive,\tclose", b"Keep-Alive , CLOSE"], ids=repr
)
def test_connection_close_is_honoured_with_any_whitespace(port: int, value: bytes) -> None:
    raw = b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection:" + value + b"\r\n\r\n"
    status, headers, _, closed = http_request(port, raw)
    assert status == 200 and headers.get("connection") == "close" and closed, (value, headers)


def test_utf8_user_agent_is_logged_intact(web: AppProcess, port: int) -> None:
    marker = uuid.uuid4().hex
    agent = "Mozilla/5.0 (日本語; Ünïcödé) " + marker
    raw = f"GET /healthz HTTP/1.1\r\nHost: t\r\nUser-Agent: {agent}\r\nConnection: close\r\n\r\n".encode()
    assert http_request(port, raw)[0] == 200
    line = web.wait_event(lambda e: marker in str(e.get("user_agent")), 2.0, "access log line")
    assert line["user_agent"] == agent, line
    # Bytes that are not UTF-8 stay visible, escaped, instead of failing the request.
    raw = b"GET /healthz HTTP/1.1\r\nHost: t\r\nUser-Agent: bad\xff" + marker.encode() + b"\r\n\r\n"
    assert http_request(port, raw, close_wait=0)[0] == 200
    line = web.wait_event(lambda e: str(e.get("user_agent")).startswith("bad"), 2.0, "access log line")
    assert line["user_agent"] == "bad\\xff" + marker, line


@pytest.mark.parametrize(
    "raw",
    [
        b"\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
        b"\n\r\n\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
        b"GET /healthz HTTP/1.1\nHost: t\n\n",
        b"GET /healthz HTTP/1.1\r\nHost: t\n\r\n",
    ],
    ids=["leading-crlf", "leading-mixed", "bare-lf", "mixed-lf"],
)
def test_rfc9112_robustness_empty_lines_and_bare_lf(port: int, raw: bytes) -> None:
    # RFC 9112 §2.2: ignore empty lines before the request line; a bare LF may end a line.
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(raw + b"GET /nope HTTP/1.1\nHost: t\n\n")  # and the next request frames right
        reader = ResponseReader(sock)
        assert reader.read_response()[0] == 200
        assert reader.read_response()[0] == 404


def test_bare_cr_is_refused(port: int) -> None:
    status, _, _, closed = http_request(port, b"GET /healthz HTTP/1.1\rHost: t\r\n\r\n")
    assert status == 400 and closed


def test_requests_after_a_close_are_read_not_reset(port: int) -> None:
    # The client pipelines past its own "Connection: close": those bytes are read and dropped
    # (staged close), so the first answer arrives whole instead of being destroyed by a reset.
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" + REQUEST_HEALTHZ * 200)
        reader = ResponseReader(sock)
        status, headers, body = reader.read_response()
        assert status == 200 and headers.get("connection") == "close" and b"task_id" in body
        assert reader.at_eof(1.0) and reader.buf == b"", "answered past Connection: close"


REQUEST_HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
