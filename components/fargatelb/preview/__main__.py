"""`python -m fargatelb.preview DIR [--stack NAME] [--all] [--verbose] [--json] [--no-png]`."""

from .cli import run

run(prog="python -m fargatelb.preview")
