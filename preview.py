"""The offline preview of this program: a thin call to the package's (`python -m fargatelb.preview`).

    ./preview dev                  # or: python preview.py dev, make preview STACK=dev
    ./preview --all                # every Pulumi.<stack>.yaml
    ./preview path/to/Pulumi.x.yaml   # a stack file anywhere (the program is this one)
    ./preview prod --verbose       # each path hop by hop, the resources, the cost items

Stacks are positional here (dev when none is named); every option is the package's: `--verbose`,
`--json`, `--no-png`, `--out DIR` (see `python -m fargatelb.preview --help`). Exit status: 0 when
every path is proven, 1 when one is broken, 2 when the stack config is invalid (or the command
line is). `make preview` can't pass these on: make exits 2 whenever a recipe fails.
"""

import sys
from pathlib import Path

from fargatelb.preview import cli

ROOT = Path(__file__).resolve().parent
VALUED = {"--out", "--stack"}


def arguments(argv: list[str]) -> list[str]:
    """`./preview dev prod --verbose` → `ROOT --stack dev --stack prod --verbose`."""
    stacks, options = [], []
    for i, arg in enumerate(argv):
        if arg.startswith("-") or (i and argv[i - 1] in VALUED):
            options.append(arg)
        else:
            stacks.append(arg)
    if not stacks and "--all" not in options and "--stack" not in options:
        stacks = ["dev"]
    return [str(ROOT), *(x for stack in stacks for x in ("--stack", stack)), *options]


def main(argv: list[str] | None = None) -> int:
    return cli.main(arguments(sys.argv[1:] if argv is None else argv), prog="./preview")


if __name__ == "__main__":
    cli.run(arguments(sys.argv[1:]), prog="./preview")
