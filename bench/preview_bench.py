"""Benchmark: how long the offline preview takes, as a whole process, beside its yardsticks.

    .venv/bin/python bench/preview_bench.py [--runs 7]

Times `preview.py dev`, `preview.py prod` and a 20-web-service stack (bench/many_services.py),
each several runs, and prints median/min wall seconds and peak RSS. Yardsticks (../shared/bench):
AWS CDK's synth of the equivalent seed stack takes a median 6.6 s here; the target is a fifth of
that, 1.3 s, and 5 s for the 20-service stack.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CDK_SEED_SYNTH_S = 6.6
CASES = {
    "dev stack (preview.py dev)": ([sys.executable, "preview.py", "dev"], 1.3),
    "prod stack (preview.py prod)": ([sys.executable, "preview.py", "prod"], 1.3),
    "20 web services (bench/many_services.py 20)": ([sys.executable, "bench/many_services.py", "20"], 5.0),
}


def run(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run of `command`."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}")
    return elapsed, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    print(f"offline preview, whole process, {args.runs} runs each (CDK seed synth: median {CDK_SEED_SYNTH_S} s)")
    for label, (command, target) in CASES.items():
        run(command)  # warm the page cache and .pyc files
        times, rss = [], 0
        for _ in range(args.runs):
            elapsed, peak = run(command)
            times.append(elapsed)
            rss = max(rss, peak)
        median = statistics.median(times)
        verdict = "meets" if median <= target else "MISSES"
        print(
            f"  {label:<46} median {median:.2f} s  min {min(times):.2f} s  peak RSS {rss / 1024:.0f} MiB  "
            f"target ≤ {target} s: {verdict}  ({CDK_SEED_SYNTH_S / median:.1f}x faster than CDK's seed synth)"
        )


if __name__ == "__main__":
    main()
