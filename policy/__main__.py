"""The `fargatelb-wiring` CrossGuard policy pack: `pulumi preview --policy-pack policy`.

Only this file builds the PolicyPack, because building it starts the policy server and blocks; the
policies themselves are in `fargatelb_policies`, which the tests import.
"""

from fargatelb_policies import PACK_NAME, POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(name=PACK_NAME, enforcement_level=EnforcementLevel.MANDATORY, policies=POLICIES)
