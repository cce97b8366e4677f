"""DNS names as Route 53, ACM and Cloud Map accept them."""

import re

from ._args import InvalidArgument

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def check_dns_name(owner: str, field: str, value: object, *, max_length: int = 253) -> str:
    """A fully qualified DNS name (no wildcard, no trailing dot needed), lower-cased."""
    if not isinstance(value, str):
        raise InvalidArgument(owner, field, f"must be a DNS name like app.example.com, got {value!r}")
    fqdn = value.strip().rstrip(".").lower()
    labels = fqdn.split(".")
    if (
        len(labels) < 2
        or len(fqdn) > max_length
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidArgument(
            owner,
            field,
            f"must be a fully qualified DNS name like app.example.com (letters, digits and hyphens, "
            f"at most {max_length} characters, no wildcard), got {value!r}",
        )
    return fqdn
