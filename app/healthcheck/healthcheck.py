"""Container health check for the sidecar itself (not for the UDP service it watches).

ECS ignores a Dockerfile HEALTHCHECK, so the task definition runs this same script:
``["CMD", "python", "/app/healthcheck.py"]`` (see healthcheck.json).

The sidecar is working when it tells the truth, whatever that truth is:

* http mode: any HTTP answer from /healthz, 200 or 503, means the sidecar is alive and
  reporting; only no answer at all is a failure.
* tcp mode: a closed port is the sidecar's way to say "UDP service down", so a refused
  connection is only a failure if the UDP service answers a PING of our own, i.e. the
  sidecar is stuck closed. A UDP outage is reported by the UDP container's own check.
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.error
import urllib.request

# Protocol constants of app/udp (see app/udp/README.md), duplicated: separate build contexts.
PING = b"PING"
PONG_PREFIX = b"PONG "


# Loopback only: ignore any HTTP_PROXY the container's environment sets for other traffic.
NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def udp_answers(host: str, port: int, timeout: float) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect((host, port))
            sock.send(PING)
            return sock.recv(2048).startswith(PONG_PREFIX)
        except OSError:
            return False


def main() -> int:
    env = os.environ
    port = int(env.get("HEALTH_PORT") or "8080")
    timeout = float(env.get("HEALTHCHECK_TIMEOUT") or "2")
    if (env.get("HEALTH_MODE") or "http") == "http":
        try:
            NO_PROXY_OPENER.open(f"http://127.0.0.1:{port}/healthz", timeout=timeout).close()
        except urllib.error.HTTPError as exc:
            exc.close()
            return 0 if exc.code == 503 else 1
        except OSError as exc:
            print(f"sidecar not answering: {exc}", file=sys.stderr)
            return 1
        return 0
    try:
        socket.create_connection(("127.0.0.1", port), timeout=timeout).close()
        return 0
    except OSError:
        target = env.get("UDP_TARGET_HOST") or "127.0.0.1"
        udp_port = int(env.get("UDP_TARGET_PORT") or "1234")
        if udp_answers(target, udp_port, timeout):
            print("sidecar port closed although the UDP service answers", file=sys.stderr)
            return 1
        return 0


if __name__ == "__main__":
    sys.exit(main())
