"""Regenerate the hashed locks from the human-facing pins (`make lock` runs this with pip-tools).

    requirements.txt          -> requirements.lock         what the program imports (`pulumi up`)
    requirements-dev.txt      -> requirements-dev.lock     everything `make setup` installs
    requirements-nodeps.txt   -> requirements-nodeps.lock  installed without their dependencies

Each lock pins every package with the sha256 of each of its release files on the index, so
`pip install --require-hashes` refuses anything else. Editable installs can't be hashed: the
`-e ./components` line of requirements.txt is resolved (its dependencies are locked) and then left
out; `make setup` installs it with `--no-deps --no-build-isolation` after the locks.

requirements.lock is compiled with requirements-dev.lock as its starting point, so a package in
both has one version. requirements-nodeps.lock keeps only the packages named in its input (their
own dependencies are resolved, for the hashes, and dropped). A lock is for CPython 3.11 on Linux,
the interpreter of CI and the workflows: pip-compile evaluates markers for the Python it runs on.

Without --upgrade, pins already in a lock are kept where the inputs allow (pip-compile's default):
changing one pin in requirements*.txt changes only what follows from it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {  # input -> lock, in the order they are compiled
    "requirements-dev.txt": "requirements-dev.lock",
    "requirements.txt": "requirements.lock",
    "requirements-nodeps.txt": "requirements-nodeps.lock",
}
COMPILE = [
    "--quiet",
    "--generate-hashes",
    "--allow-unsafe",  # pip and setuptools are locked too
    "--strip-extras",
    "--no-emit-index-url",
    "--no-emit-find-links",
    "--no-emit-trusted-host",
]
_PACKAGE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def blocks(text: str) -> tuple[list[str], list[list[str]]]:
    """The lock's header lines, and one block of lines per entry (its line, hashes and `# via`)."""
    header: list[str] = []
    entries: list[list[str]] = []
    for line in text.splitlines():
        if line[:1] not in ("", " ", "#"):
            entries.append([line])
        elif entries and (line.startswith(" ") or not line):
            entries[-1].append(line)
        elif not entries:
            header.append(line)
        else:  # a comment between entries ("The following packages are considered to be unsafe ...")
            entries.append([line])
    return header, entries


def without_editables(text: str) -> str:
    """The lock minus `-e` entries and pip-compile's warning that they can't be hashed."""
    header, entries = blocks(text)
    header = [line for line in header if not line.startswith(("# WARNING: pip install", "# Consider using a hash"))]
    kept = [block for block in entries if not block[0].startswith("-e ")]
    note = []
    if len(kept) < len(entries):
        note = ["# -e ./components is resolved here but installed apart: `pip install --no-deps -e ./components`.", "#"]
    return "\n".join(header + note + [line for block in kept for line in block]).rstrip() + "\n"


def only_named(text: str, names: set[str]) -> str:
    """The lock with only the entries for `names` (their dependencies dropped)."""
    header, entries = blocks(text)
    kept = []
    for block in entries:
        match = _PACKAGE.match(block[0])
        if match and canonical(match.group(1)) in names:
            kept.append([line for line in block if not line.lstrip().startswith("#")])
    note = ["# Installed with --no-deps: only these packages, none of their dependencies.", "#"]
    return "\n".join(header + note + [line for block in kept for line in block]).rstrip() + "\n"


def pinned_names(requirements: Path) -> set[str]:
    names = set()
    for line in requirements.read_text().splitlines():
        match = _PACKAGE.match(line.strip())
        if match:
            names.add(canonical(match.group(1)))
    return names


def compile_lock(pip_compile: str, source: str, output: Path, upgrade: bool) -> None:
    command = [pip_compile, *COMPILE, *(["--upgrade"] if upgrade else []), "--output-file", str(output), source]
    # The machine's pip configuration (local wheel folders, extra indexes) stays out of the lock.
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "CUSTOM_COMPILE_COMMAND": "make lock"}
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pip-compile", default="pip-compile", help="the pip-compile executable")
    parser.add_argument("--upgrade", action="store_true", help="move every pin to the newest the inputs allow")
    args = parser.parse_args(argv)
    if sys.version_info[:2] != (3, 11):
        raise SystemExit(f"the locks are for CPython 3.11 (CI's and the workflows'), not {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        for source, lock in LOCKS.items():
            output = Path(tmp) / lock
            upgrade = args.upgrade
            if lock == "requirements.lock":
                # Start from the new dev lock: the program's packages get the versions `make setup` installs.
                shutil.copy(Path(tmp) / "requirements-dev.lock", output)
                upgrade = False
            elif (ROOT / lock).exists():
                shutil.copy(ROOT / lock, output)
            compile_lock(args.pip_compile, source, output, upgrade)
            text = output.read_text()
            if lock == "requirements-nodeps.lock":
                text = only_named(text, pinned_names(ROOT / source))
            (ROOT / lock).write_text(without_editables(text))
            print(f"{source} -> {lock}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
