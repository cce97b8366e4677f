"""Hosts the fargatelb components as a Pulumi provider for programs in other languages.

Run by the Pulumi engine (`pulumi package add ./components`), never imported: the schema is inferred
from the components' `args` annotations by the SDK's analyzer.
"""

from pulumi.provider.experimental import component_provider_host

from fargatelb import PACKAGE_NAME, PROVIDER_COMPONENTS

if __name__ == "__main__":
    component_provider_host(components=list(PROVIDER_COMPONENTS), name=PACKAGE_NAME)
