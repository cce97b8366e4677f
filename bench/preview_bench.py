"""Benchmark: the offline preview, whole process, against yardsticks measured in the same run.

    .venv/bin/python bench/preview_bench.py [--runs 7]

Needs nothing outside the repository. First, untimed, it records the dev and prod stacks and writes
each one's resources (type, name, inputs) and config to a scratch directory. Then it runs, as
separate processes, alternating A B C A B C ... with `--runs` samples each after a warm-up, and
compares medians:

- each stack's preview (`preview.py STACK --no-png`: the program, every layer of the verdict, the
  estimate, report.json, the diagram's text) against
  (a) `bench/plain_program.py`: a plain pulumi_aws program declaring the same recorded resources
      with their own classes under the same mocks, no components, checks or rendering; and
  (b) `python -c "import pulumi_aws"`: Pulumi's SDK and pulumi_aws's top-level package (its
      resource modules load lazily, on first use: the plain program pays for those, this does not);
- a program of 20 web services (`bench/many_services`, previewed by `python -m fargatelb.preview`)
  against the dev preview.

Targets: each stack's preview ≤ 1.2× its plain program; 20 services ≤ 3× the dev preview, judged on
the CPU seconds (user + system) of the whole process, which other work on a shared machine
disturbs far less than wall time; wall medians and their ratios are printed beside them. Ratios of
medians measured in one run hold on any machine; the absolute figures are this machine's.
Graphviz isn't timed (the preview runs it in the background, and `--no-png` skips it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TARGETS = {
    ("dev preview", "plain program"): 1.2,
    ("prod preview", "plain program"): 1.2,
    ("20 services", "dev preview"): 3.0,
}


def record(stack: str, target: Path) -> int:
    """Write `stack`'s recorded resources and config for plain_program.py; returns their count."""
    code = (
        "import json, os, sys; sys.path.insert(0, '.'); from offline import stack_config, synthesize_stack\n"
        f"rec = synthesize_stack({stack!r})\n"
        "rs = [{'type': r.type, 'name': r.name, 'inputs': r.inputs} for r in rec.registrations if r.custom]\n"
        f"json.dump({{'config': stack_config({stack!r}), 'resources': rs}}, open({str(target)!r}, 'w'), default=str)\n"
        "print(len(rs)); sys.stdout.flush(); os._exit(0)\n"
    )
    out = subprocess.run([PY, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return int(out.split()[-1])


Sample = tuple[float, float, int]  # wall seconds, CPU seconds (user + system), peak RSS KiB


def run(command: list[str]) -> Sample:
    """One run of `command`, as a whole process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} exited {os.waitstatus_to_exitcode(status)}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def paired(group: dict[str, list[str]], runs: int) -> dict[str, Sample]:
    """Each command once untimed, then `runs` rounds A B C ...: name → medians (wall, CPU), peak RSS."""
    for command in group.values():
        run(command)
    samples: dict[str, list[Sample]] = {name: [] for name in group}
    for _ in range(runs):
        for name, command in group.items():
            samples[name].append(run(command))
    return {
        name: (statistics.median(x[0] for x in s), statistics.median(x[1] for x in s), max(x[2] for x in s))
        for name, s in samples.items()
    }


def report(title: str, results: dict[str, Sample]) -> None:
    """Medians and ratios; the target is judged on CPU seconds, which other work on a shared machine
    disturbs far less than wall seconds (both ratios are printed)."""
    print(title)
    (first, (wall, cpu, _)), *rest = results.items()
    for name, (w, c, peak) in results.items():
        print(f"  {name:<17} median wall {w:5.2f} s  CPU {c:5.2f} s  peak RSS {peak / 1024:4.0f} MiB")
    for name, (w, c, _) in rest:
        target = TARGETS.get((first, name))
        verdict = "" if target is None else f"  target ≤ {target}×: {'meets' if cpu / c <= target else 'MISSES'}"
        print(f"  {first} / {name}: CPU {cpu / c:.2f}×, wall {wall / w:.2f}×{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="samples of each command (default 7)")
    args = parser.parse_args()
    cores = os.cpu_count()
    print(f"{platform.node()}: {cores} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"paired runs: A B C ... repeated {args.runs} times after one warm-up each; medians compared")
    # Bytecode as any installed program has it: pip compiles site-packages at install, and Python
    # caches a local module's on first import, unless PYTHONDONTWRITEBYTECODE is set (as on some CI
    # machines), when every run would recompile this repo's 15,000 lines while the yardstick, almost
    # all site-packages, would not. So compile first, for both sides alike.
    sources = [str(ROOT / p) for p in ("components/fargatelb", "stack_config", "bench", "app")]
    sources += [str(p) for p in ROOT.glob("*.py")]
    subprocess.run([PY, "-m", "compileall", "-q", *sources], check=True)
    print("bytecode: compiled first (python -m compileall), as an installed program has it")
    with tempfile.TemporaryDirectory(prefix="preview-bench-") as scratch:
        out = Path(scratch)
        preview = {s: [PY, "preview.py", s, "--no-png", "--out", str(out / "out")] for s in ("dev", "prod")}
        for stack in ("dev", "prod"):
            count = record(stack, out / f"{stack}.json")
            results = paired(
                {
                    f"{stack} preview": preview[stack],
                    "plain program": [PY, "bench/plain_program.py", str(out / f"{stack}.json")],
                    "import pulumi_aws": [PY, "-c", "import pulumi_aws"],
                },
                args.runs,
            )
            report(f"{stack} stack ({count} resources):", results)
        many = [PY, "-m", "fargatelb.preview", "bench/many_services", "--stack", "twenty", "--no-png"]
        results = paired({"20 services": [*many, "--out", str(out / "out")], "dev preview": preview["dev"]}, args.runs)
        resources = json.loads((out / "out" / "twenty" / "report.json").read_text())["verdict"]["resources"]
        report(f"20 web services ({resources} resources) against the dev stack:", results)


if __name__ == "__main__":
    main()
