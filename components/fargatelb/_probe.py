"""The UDP health-check sidecar's probe: what it sends the UDP service and what counts as a healthy
answer (`UdpProbeArgs`), and its PROBE_* environment, checked by the sidecar's own parser.
`fargatelb.udp` re-exports both; `UdpNlbServiceArgs.probe` takes a `UdpProbeArgs`."""

import re
from dataclasses import dataclass
from typing import Optional

from ._args import InvalidArgument, documented_args

OWNER = "UdpNlbServiceArgs"


@documented_args
@dataclass
class UdpProbeArgs:
    """What the health-check sidecar sends the UDP service, and what counts as a healthy answer.

    Every template may contain `{nonce}`: 8 fresh random bytes per probe (16 hex characters in text
    and in the regex, the raw bytes in hex), so an answer to an earlier probe never passes for this
    one's. Default: `PING {nonce}` padded to 160 bytes, expecting an answer that starts `PONG {nonce}`
    (the protocol of this repository's `app/udp`). Every expectation given must hold; a custom datagram
    with none accepts any answer of at least one byte. Checked with the sidecar's own parser before any
    resource exists. E.g. a DNS server: `send_hex="1234 0100 0001 0000 0000 0000 00 0001 0001"`,
    `expect_prefix_hex="1234"`, `expect_min_length=12`.
    """

    send: Optional[str] = None
    """The datagram as text (sent as UTF-8), at most 1400 characters. Default `PING {nonce}`."""
    send_hex: Optional[str] = None
    """The datagram as hex digits (spaces allowed), instead of `send`."""
    pad_to: Optional[int] = None
    """Pad the datagram to this many bytes (spaces for text, zero bytes for hex), 0–1400. Default 160
    with the default datagram (app/udp never answers with more than it received), else 0."""
    expect_prefix: Optional[str] = None
    """The answer starts with this text. Default `PONG {nonce}` with the default datagram."""
    expect_prefix_hex: Optional[str] = None
    """The answer starts with these bytes (hex digits), instead of `expect_prefix`."""
    expect_regex: Optional[str] = None
    """A Python regular expression found in the answer's bytes (`re.search`), at most 1000 characters."""
    expect_min_length: Optional[int] = None
    """The answer has at least this many bytes, 1–65536. Default 1."""


PROBE_ENVIRONMENT = {
    "send": "PROBE_SEND",
    "send_hex": "PROBE_SEND_HEX",
    "pad_to": "PROBE_PAD_TO",
    "expect_prefix": "PROBE_EXPECT_PREFIX",
    "expect_prefix_hex": "PROBE_EXPECT_PREFIX_HEX",
    "expect_regex": "PROBE_EXPECT_REGEX",
    "expect_min_length": "PROBE_EXPECT_MIN_LENGTH",
}
"""Each probe field and the sidecar's environment variable for it (its README's contract)."""


def resolve_probe(probe: UdpProbeArgs | None) -> dict[str, str]:
    """The sidecar's PROBE_* environment, checked by the sidecar's own parser: a probe the container
    would refuse at start (and so never turn healthy) is refused here, by its field."""
    from .sidecar.sidecar import ConfigError, Probe

    env: dict[str, str] = {}
    for field, variable in PROBE_ENVIRONMENT.items():
        value = getattr(probe, field, None) if probe is not None else None
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise InvalidArgument(OWNER, f"probe.{field}", f"must be a string or integer, got {value!r}")
        env[variable] = str(value)
    try:
        Probe.from_env(env)
    except ConfigError as err:
        message = str(err)
        named = [f for f, v in PROBE_ENVIRONMENT.items() if re.search(rf"\b{v}\b", message)]
        for field, variable in PROBE_ENVIRONMENT.items():
            message = re.sub(rf"\b{variable}\b", f"probe.{field}", message)
        field = f"probe.{named[0]}" if named else "probe"
        raise InvalidArgument(OWNER, field, message.removeprefix(f"{field} ")) from None
    return env
