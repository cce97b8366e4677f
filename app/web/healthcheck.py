"""Container health check for the web service: exit 0 iff GET /healthz answers 200 in time.

ECS ignores a Dockerfile HEALTHCHECK, so the task definition runs this same script:
``["CMD", "python", "/app/healthcheck.py"]`` (see healthcheck.json). It reads PORT like the
service does and has no dependencies, so it works in the read-only, non-root image.
"""

from __future__ import annotations

import os
import sys
import urllib.request

# Loopback only: ignore any HTTP_PROXY the container's environment sets for other traffic.
NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def main() -> int:
    port = os.environ.get("PORT") or "8080"
    timeout = float(os.environ.get("HEALTHCHECK_TIMEOUT") or "2")
    try:
        with NO_PROXY_OPENER.open(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as r:
            ok = r.status == 200
    except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
