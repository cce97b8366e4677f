"""The offline preview of any Pulumi Python program that uses fargatelb (or not): run it under the
recording mocks on a stack's config, judge it (`fargatelb.verify`), price it (`fargatelb.cost`),
and report: text with the verdict first, `out/<stack>/report.json` (`report.schema.json`), the
architecture diagram, and on GitHub Actions the job summary and annotations.

    python -m fargatelb.preview path/to/program --stack dev     # or the console script fargatelb-preview

Modules: `cli` (the command), `project` (Pulumi.yaml, the entry, the stacks), `yamlv3` and
`stackfile` (stack files read strictly, as the CLI reads them, with each key's line), `runner`
(the program under the mocks, then judged and priced), `report` (report.json), `text`, `github`
and `diagram` (its renderers).

Hooks for the program: `fargatelb.offline` (`is_offline()`, `report_stand_in(...)`) and the
`<project>:cost` config section (`fargatelb.cost.CostAssumptions`). Nothing else of the program is
known to the runner.
"""

from .project import Project
from .runner import Judged, ProgramRun, judge, run_program
from .stackfile import StackFile, read_stack_file, read_stack_text
from .yamlv3 import StackFileError

__all__ = [
    "Judged",
    "ProgramRun",
    "Project",
    "StackFile",
    "StackFileError",
    "judge",
    "read_stack_file",
    "read_stack_text",
    "run_program",
]
