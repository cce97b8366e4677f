"""The NLB health-check sidecar's source, shipped as package data and built by `UdpNlbService` when
no `health_check_image` is given. `CONTEXT` is its Docker build context (the `.dockerignore` sends
the daemon only `sidecar.py` and `healthcheck.py`, so this file changes neither image nor tag).

The component validates a service's probe with the sidecar's own parser (`sidecar.Probe.from_env`),
so a probe the container would refuse at start is refused before the first resource.
"""

from pathlib import Path

CONTEXT = Path(__file__).resolve().parent
