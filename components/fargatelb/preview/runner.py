"""Run a Pulumi Python program offline on one stack's config, then judge it and price it.

    project = Project.load("path/to/program")
    run = run_program(project, "dev")          # the program under fargatelb's recording mocks
    result = judge(run)                        # fargatelb.verify.check, then fargatelb.cost.estimate

`run_program` reads the stack file strictly (`stackfile`), sets the config as the engine would,
makes the program's directory the working directory and puts it first on `sys.path` (as the CLI's
language host does; with `main: src/` in Pulumi.yaml that is `src/`, then the project's), marks
the run offline (`fargatelb.offline`), and runs the entry under `fargatelb.mocks.synthesize`.
Exceptions the program raises propagate unchanged: a `pulumi.RunError` or
`fargatelb.InvalidArgument` is the program refusing its config.

`judge` also judges the production profile's controls (`fargatelb.production`) when the stack
file's `pulumi:tags` declare production, and prices the stack with the assumptions of the stack
file's `<project>:cost` section (the defaults without one; see `fargatelb.cost.CostAssumptions`) in
its `aws:region`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import runpy
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..offline import StandIn, offline_run
from .project import Project
from .stackfile import StackFile, read_stack_file
from .yamlv3 import StackFileError

if TYPE_CHECKING:
    from ..cost import CostAssumptions, CostEstimate
    from ..graph import Graph
    from ..mocks import Recording
    from ..production.verdict import Verdict
    from ..verify import Report


@dataclass(frozen=True)
class ProgramRun:
    project: Project
    stack: str
    """The stack's name (`dev`)."""
    file: StackFile
    path: Path | None
    """The stack file, None when the config was given directly."""
    recording: Recording
    stand_ins: tuple[StandIn, ...]
    seconds: float
    config_sections: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Component name → config section, as the program reported it (`fargatelb.offline`)."""


@dataclass(frozen=True)
class Judged:
    run: ProgramRun
    graph: Graph
    report: Report
    cost: CostEstimate | None
    seconds: float
    """Synthesis, every layer of the verdict and the estimate."""
    production: Verdict | None = None
    """The production profile's verdict, when the stack file's `pulumi:tags` declare production."""

    @property
    def ok(self) -> bool:
        return self.report.ok and (self.production is None or self.production.ok)


def read_stack(project: Project, stack: str | Path) -> tuple[Path, StackFile, str]:
    path, source, name = project.stack_file(stack)
    return path, read_stack_file(path, project.name, source), name


@contextmanager
def in_program_dir(project: Project) -> Iterator[None]:
    """The program's directory (the entry's: `main:` when set) as the working directory and first on
    sys.path, then the project's, as under the CLI's language host; both restored after."""
    where = os.getcwd()
    added = [d for d in dict.fromkeys((str(project.entry.parent), str(project.dir))) if d not in sys.path]
    sys.path[:0] = added
    os.chdir(project.entry.parent)
    try:
        yield
    finally:
        os.chdir(where)
        for d in added:
            if d in sys.path:
                sys.path.remove(d)


def run_program(
    project: Project,
    stack: str | Path,
    *,
    config: Mapping[str, str] | None = None,
    file: StackFile | None = None,
    transformations: Sequence[Callable[..., Any]] = (),
    transforms: Sequence[Callable[..., Any]] = (),
) -> ProgramRun:
    """Run the program on `stack`'s file (or on `config`, keys `namespace:key`, or on a `file`
    already read, when given).

    `transformations` are registered as stack transformations first, as a program's own would be:
    how a test plants a value anywhere in the program. `transforms` are registered the same way with
    `pulumi.runtime.register_resource_transform`: the engine-side transforms, which the recording
    mocks apply as the engine would."""
    import pulumi

    from ..mocks import synthesize

    started = time.perf_counter()
    path: Path | None
    path, source, name = project.stack_file(stack)
    if config is not None:
        path, file = None, StackFile(source, dict(config), ())
    elif file is None:
        file = read_stack_file(path, project.name, source)

    def program() -> None:
        for transformation in transformations:
            pulumi.runtime.register_stack_transformation(transformation)
        for transform in transforms:
            pulumi.runtime.register_resource_transform(transform)
        runpy.run_path(str(project.entry), run_name="__main__")

    with in_program_dir(project), offline_run(file.source, file.environments) as marker:
        recording = synthesize(program, config=file.config, project=project.name, stack=name)
    seconds = time.perf_counter() - started
    return ProgramRun(
        project, name, file, path, recording, tuple(marker.stand_ins), seconds, dict(marker.config_sections)
    )


def cost_assumptions(project: Project, file: StackFile) -> CostAssumptions:
    """The `<project>:cost` section of the stack's config, validated; errors name the file and key."""
    from ..cost import CostAssumptions

    section = f"{project.name}:cost"
    raw = file.config.get(section)
    try:
        values = json.loads(raw) if isinstance(raw, str) else (raw or {})
        return CostAssumptions.from_mapping(values, section=section)
    except ValueError as err:
        message = str(err) if str(err).startswith(section) else f"{section}: {err}"
        raise StackFileError(f"{file.source}: {message}") from None


def judge(run: ProgramRun, *, assumptions: CostAssumptions | None = None, cost: bool = True) -> Judged:
    """Every layer of `fargatelb.verify` over the recording, and the monthly estimate (with the
    stack file's assumptions unless `assumptions` are given)."""
    from .. import verify
    from ..production import DeclarationError
    from ..production.verdict import TAGS_KEY, stack_tags
    from ..production.verdict import judge as judge_production

    started = time.perf_counter()
    graph = run.recording.graph()
    report = verify.check(graph, config_sections=run.config_sections)
    try:
        production = judge_production(graph, stack_tags(run.file.config))
    except DeclarationError as err:
        raise StackFileError(f"{run.file.source}: {TAGS_KEY}.{err}") from None
    estimate = None
    region = run.file.config.get("aws:region")
    if cost and region:
        from ..cost import estimate as estimate_cost

        assumptions = assumptions or cost_assumptions(run.project, run.file)
        section = f"{run.project.name}:cost"
        estimate = estimate_cost(graph, region=region, assumptions=assumptions, section=section)
    return Judged(run, graph, report, estimate, run.seconds + time.perf_counter() - started, production)
