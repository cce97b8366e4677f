"""`python -m fargatelb.preview DIR [--stack NAME ...] [--all] [--verbose] [--json] [--no-png]`

Runs the Pulumi Python program in DIR on each stack's config under fargatelb's recording mocks,
with no CLI, credentials or cloud; judges it with every layer of `fargatelb.verify`; prices it
with `fargatelb.cost`; prints the verdict first; writes `OUT/<stack>/report.json` and the
architecture diagram (`.mmd`, `.dot`, and `.png` when Graphviz is installed, unless `--no-png`).
On GitHub Actions it also writes the job summary and annotations (`github.py`).

Exit status: 0 every path proven, 1 a path broken, 2 a stack's config (or the command line) is
invalid. Errors name the stack file and the config key.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import diagram, github, report, text
from .project import Project, is_path
from .runner import cost_assumptions, judge, run_program
from .stackfile import read_stack_file
from .yamlv3 import StackFileError


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _write(document: dict[str, Any], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    target = out / "report.json"
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return target


Pending = list[tuple[subprocess.Popen[bytes], Path]]


def preview_stack(project: Project, stack: str, out_root: Path, args: argparse.Namespace, pending: Pending) -> int:
    """Preview one stack; Graphviz, when it runs, is left in `pending` (it draws while the next
    stack is previewed, and is waited for once at the end)."""
    import pulumi

    from .. import InvalidArgument
    from ..mocks import DuplicateUrnError

    path, source, name = project.stack_file(stack)
    out = out_root / name
    file = None
    try:
        file = read_stack_file(path, project.name, source)
        assumptions = cost_assumptions(project, file)  # refused before the program runs
        judged = judge(run_program(project, stack, file=file), assumptions=assumptions)
    except (StackFileError, pulumi.RunError, InvalidArgument, DuplicateUrnError) as err:
        # Each is refused before any resource is judged: by the stack file, the program's own checks,
        # or (two resources with one URN) the engine itself.
        message = str(err) if str(err).startswith(source) else f"{source}: {err}"
        print(message, file=sys.stderr)
        document = report.config_error(project.name, name, source, message, file)
        document["files"] = [_shown(_write(document, out))]
        github.publish(document, path)
        return 2
    document = report.build(judged)
    drawn = diagram.write(judged.graph, document, out)
    png = None if args.no_png else diagram.start_png(drawn[1])
    files = [out / "report.json", *drawn, *([drawn[1].with_suffix(".png")] if png else [])]
    document["files"] = [_shown(f) for f in files]
    _write(document, out)
    print(
        json.dumps(document, indent=2, ensure_ascii=False) if args.json else text.render(document, verbose=args.verbose)
    )
    github.publish(document, path)
    if png is not None:
        pending.append((png, drawn[1]))
    return 0 if judged.ok else 1


def parser(prog: str | None = None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description=(__doc__ or "").split("\n\n")[1].replace("\n", " "))
    p.add_argument("dir", nargs="?", default=".", help="the Pulumi program's directory (default: .)")
    p.add_argument("--stack", action="append", default=[], help="a stack name or a stack file's path (repeatable)")
    p.add_argument("--all", action="store_true", help="every Pulumi.<stack>.yaml beside Pulumi.yaml")
    p.add_argument("--verbose", "-v", action="store_true", help="each path hop by hop, the resources, the cost items")
    p.add_argument("--json", action="store_true", help="print report.json instead of the text")
    p.add_argument("--no-png", action="store_true", help="don't run Graphviz (the .mmd and .dot are still written)")
    p.add_argument("--out", type=Path, help="where <stack>/report.json and the diagram go (default: DIR/out)")
    return p


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    p = parser(prog)
    args = p.parse_args(argv)
    try:
        project = Project.load(args.dir)
    except StackFileError as err:
        p.error(str(err))
    stacks = project.stacks() if args.all else args.stack
    if not stacks:
        if len(project.stacks()) != 1:
            p.error(f"name a stack with --stack, or --all; stacks: {', '.join(project.stacks()) or 'none'}")
        stacks = project.stacks()
    for stack in stacks:
        if not is_path(stack) and stack not in project.stacks():
            p.error(f"no Pulumi.{stack}.yaml in {_shown(project.dir)}; stacks: {', '.join(project.stacks())}")
    out_root = args.out or project.dir / "out"
    status, pending = 0, Pending()
    for i, stack in enumerate(stacks):
        if i:
            print()
        status = max(status, preview_stack(project, stack, out_root, args, pending))
        sys.stdout.flush()
    for png, dot in pending:
        if png.wait() != 0:
            print(f"dot failed on {_shown(dot)}: no PNG", file=sys.stderr)
    return status


def run(argv: list[str] | None = None, prog: str | None = None) -> None:
    """The console script: main(), then exit without the mocks' event-loop noise at shutdown."""
    code = main(argv, prog)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # the mocks' event loop can print "Invalid file descriptor: -1" at interpreter exit
