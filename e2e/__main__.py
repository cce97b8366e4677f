"""`python -m e2e [STACK] [--mutate NAME]`: the stack's data plane, emulated, proven with real traffic.

Exit status: 0 every path proven, 1 a path failed (or is unknown), 2 bad arguments, 77 skipped
because this machine can't run it (not root, tools missing): a skip is never a pass.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

SKIPPED = 77


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    from . import mutations

    parser = argparse.ArgumentParser(prog="python -m e2e", description=__doc__.splitlines()[0])
    parser.add_argument("stack", nargs="?", default="dev", help="stack name: Pulumi.<stack>.yaml (default dev)")
    parser.add_argument("--mutate", choices=sorted(mutations.MUTATIONS), help="break one thing the graph can't see")
    parser.add_argument("--scale", type=float, default=0.05, help="multiplies the stack's health-check and drain times")
    parser.add_argument("--keep", action="store_true", help="keep the run directory (configs, logs)")
    args = parser.parse_args(argv)

    from .run import Emulation, Options, unavailable

    why = unavailable()
    if why:
        print(f"e2e {args.stack}: SKIPPED, not run: {why}")
        return SKIPPED
    from offline import synthesize_stack

    from . import checks, topology

    started = time.monotonic()
    recording = synthesize_stack(args.stack)
    with tempfile.TemporaryDirectory(prefix=f"{topology.PREFIX}{os.getpid()}-mutation-") as scratch:
        if args.mutate:
            recording, what = mutations.apply(args.mutate, recording, Path(scratch))
            static = mutations.static_check(recording)
            print(f"mutation {args.mutate}: {what}")
            print(
                "static wiring check of the same mutated resources: "
                + ("ok, it cannot see this" if static.ok else "BROKEN")
            )
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            with Emulation(args.stack, recording, Options(scale=args.scale, keep=args.keep)) as emulation:
                report = checks.run_all(emulation)
                if args.keep:
                    print(f"run directory kept: {emulation.run_dir}")
        except KeyboardInterrupt:
            print(f"e2e {args.stack}: interrupted; the namespaces and processes of this run were removed")
            return 130
        finally:
            signal.signal(signal.SIGTERM, previous)
    report.seconds = time.monotonic() - started
    print(report.format())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
