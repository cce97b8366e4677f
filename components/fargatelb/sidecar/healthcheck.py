"""Container health check for the sidecar itself (not for the UDP service it watches).

ECS ignores a Dockerfile HEALTHCHECK, so the task definition runs this same script:
``["CMD", "python", "/app/healthcheck.py"]`` (see healthcheck.json).

The sidecar is working when it tells the truth, whatever that truth is:

* http mode: any HTTP answer from /healthz, 200 or 503, means the sidecar is alive and
  reporting; only no answer at all is a failure.
* tcp mode: a closed port is the sidecar's way to say "UDP service down", so a refused
  connection is only a failure if the UDP service passes a probe of our own (the same probe
  contract, imported from sidecar.py beside this file), i.e. the sidecar is stuck closed. A UDP
  outage is reported by the UDP container's own check.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import urllib.error
import urllib.request

import sidecar

# Loopback only: ignore any HTTP_PROXY the container's environment sets for other traffic.
NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def udp_answers(cfg: sidecar.Config) -> bool:
    """Whether one probe, with the sidecar's own contract, gets a healthy answer."""
    return asyncio.run(sidecar.probe_once(cfg)).ok


def main() -> int:
    env = os.environ
    timeout = float(env.get("HEALTHCHECK_TIMEOUT") or "2")
    try:
        cfg = sidecar.Config.from_env(env)
    except sidecar.ConfigError as exc:
        print(f"sidecar configuration is invalid: {exc}", file=sys.stderr)
        return 1
    if cfg.mode == "http":
        try:
            NO_PROXY_OPENER.open(f"http://127.0.0.1:{cfg.port}/healthz", timeout=timeout).close()
        except urllib.error.HTTPError as exc:
            exc.close()
            return 0 if exc.code == 503 else 1
        except OSError as exc:
            print(f"sidecar not answering: {exc}", file=sys.stderr)
            return 1
        return 0
    try:
        socket.create_connection(("127.0.0.1", cfg.port), timeout=timeout).close()
        return 0
    except OSError:
        if udp_answers(cfg):
            print("sidecar port closed although the UDP service answers", file=sys.stderr)
            return 1
        return 0


if __name__ == "__main__":
    sys.exit(main())
