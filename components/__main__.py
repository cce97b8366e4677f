"""Hosts the fargatelb components as a Pulumi provider for programs in other languages.

Run by the Pulumi engine (`pulumi package add ./components`), never imported: the schema is inferred
from the components' `args` annotations by the SDK's analyzer. `fargatelb.provider` says how the
provider differs from the SDK's `component_provider_host`.
"""

from fargatelb.provider import serve

if __name__ == "__main__":
    serve()
