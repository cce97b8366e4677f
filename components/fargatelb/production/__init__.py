"""The production profile: what a stack that declares itself production must meet, for any program.

    controls     the controls, by Security Hub id where one exists (ELB.5), else `FLB.` ids
    declaration  the stack tags that declare production and override one control with a reason
    checks       each control judged on a stack's resources, by type and inputs
    ingress      ingress open to the world, judged by address space (0.0.0.0/1 + 128.0.0.0/1 is the world)

The policy pack (`policy/`) enforces the checks on every real preview of a production stack; this
repository's program also refuses the same settings from its stack file before any resource
exists (`stack_config.production`). Imports no cloud SDK.
"""

from .checks import CHECKS, Violation, violations
from .controls import CONTROLS, Control
from .declaration import OVERRIDE_PREFIX, PROFILE_TAG, Declaration, DeclarationError, declaration, override_tag

__all__ = [
    "CHECKS",
    "CONTROLS",
    "OVERRIDE_PREFIX",
    "PROFILE_TAG",
    "Control",
    "Declaration",
    "DeclarationError",
    "Violation",
    "declaration",
    "override_tag",
    "violations",
]
