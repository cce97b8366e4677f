"""Offline or real: the program runs under the Pulumi CLI (real) or under the offline preview, whose
runner marks the run with `fargatelb.offline.offline_run(...)`; nothing is guessed from the environment.

The difference that matters is a value each deployer supplies (prod's certificate): a real run
refuses a stack that leaves it unset, naming the keys and the `pulumi config set` commands; an
offline run previews it with a labelled stand-in, reported through the marker's stand-in hook (the
preview prints it under the verdict) and kept in `StackConfig.stand_ins`.
"""

from fargatelb.offline import OfflineRun, StandIn, current, offline_run

__all__ = ["OfflineRun", "StandIn", "current", "offline_run"]
