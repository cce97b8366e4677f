"""A Pulumi Python program directory as the preview finds it: `Pulumi.yaml`, its entry, its stacks.

The project's name comes from `Pulumi.yaml` (`name:`), the entry point from `main:` when set (a
file, or a directory holding `__main__.py`), else `__main__.py` beside it, as the CLI's Python
language host runs it. A stack is named (`dev`: `Pulumi.dev.yaml` beside `Pulumi.yaml`) or given
as a stack file's path anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .yamlv3 import StackFileError


@dataclass(frozen=True)
class Project:
    dir: Path
    name: str
    entry: Path
    """The file the program runs: `main:` or `__main__.py`."""

    @classmethod
    def load(cls, directory: str | Path) -> Project:
        """Read `directory/Pulumi.yaml`; a StackFileError says what is missing."""
        root = Path(directory).resolve()
        spec = root / "Pulumi.yaml"
        if not spec.is_file():
            raise StackFileError(f"{root}: no Pulumi.yaml; give the directory of a Pulumi program")
        try:
            document = yaml.safe_load(spec.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise StackFileError(f"{spec}: YAML error: {err}") from None
        if not isinstance(document, dict) or not isinstance(document.get("name"), str):
            raise StackFileError(f"{spec}: needs a `name:`")
        runtime = document.get("runtime")
        runtime = runtime.get("name") if isinstance(runtime, dict) else runtime
        if runtime != "python":
            raise StackFileError(f"{spec}: runtime is {runtime!r}; the offline preview runs Python programs only")
        entry = root / str(document.get("main") or ".")
        if entry.is_dir():
            entry = entry / "__main__.py"
        if not entry.is_file():
            raise StackFileError(f"{spec}: the program's entry {entry.relative_to(root)} does not exist")
        return cls(root, document["name"], entry)

    def stacks(self) -> list[str]:
        """Stacks with a `Pulumi.<stack>.yaml` beside `Pulumi.yaml`."""
        return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in self.dir.glob("Pulumi.*.yaml"))

    def stack_file(self, stack: str | Path) -> tuple[Path, str, str]:
        """`dev` or a stack file's path → (path, how errors name it, the stack's name)."""
        if is_path(stack):
            path = Path(stack)
            name = path.name
            stack_name = name[len("Pulumi.") : name.rindex(".")] if name.startswith("Pulumi.") else path.stem
            return path, str(stack), stack_name or "stack"
        path = self.dir / f"Pulumi.{stack}.yaml"
        if not path.is_file():
            raise StackFileError(f"{path.name}: no such stack file; stacks here: {', '.join(self.stacks())}")
        return path, path.name, str(stack)


def is_path(stack: str | Path) -> bool:
    return isinstance(stack, Path) or "/" in stack or stack.endswith((".yaml", ".yml"))
