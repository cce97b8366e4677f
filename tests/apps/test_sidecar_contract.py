"""The sidecar's probe contract (components/fargatelb/sidecar/sidecar.py), read from the environment.

Pure functions, so they are tested in-process: what is sent, what counts as a healthy answer,
and that every bad setting is refused at start with the variable's name.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from types import ModuleType
from typing import Any

import pytest

from .helpers import SIDECAR


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sidecar_under_test", SIDECAR / "sidecar.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


sidecar = _load()
NONCE = bytes.fromhex("0011223344556677")
OTHER = bytes.fromhex("8899aabbccddeeff")


def probe(**env: str):  # type: ignore[no-untyped-def]
    return sidecar.Probe.from_env(env)


def test_default_probe_is_ping_with_a_nonce_padded_for_the_task_id() -> None:
    p = probe()
    datagram = p.datagram(NONCE)
    assert datagram == b"PING 0011223344556677" + b" " * (160 - 21)
    assert p.accepts(b"PONG 0011223344556677 abc", NONCE)
    assert p.task_id(b"PONG 0011223344556677 abc", NONCE) == "abc"
    assert p.accepts(b"PONG 0011223344556677", NONCE) and p.task_id(b"PONG 0011223344556677", NONCE) is None
    # A stale answer (another probe's nonce) or the old contract's answer does not count.
    assert not p.accepts(b"PONG 8899aabbccddeeff abc", NONCE)
    assert not p.accepts(b"PONG abc", NONCE) and not p.accepts(b"PONG", NONCE)


def test_text_template_with_regex() -> None:
    p = probe(PROBE_SEND="HELLO {nonce}!", PROBE_EXPECT_REGEX=r"^HELLO {nonce}!$")
    assert p.datagram(NONCE) == b"HELLO 0011223344556677!"  # custom probes are not padded
    assert p.accepts(b"HELLO 0011223344556677!", NONCE)
    assert not p.accepts(b"HELLO 8899aabbccddeeff!", NONCE)
    assert not p.accepts(b"HELLO 0011223344556677!!", NONCE)
    assert p.task_id(b"HELLO 0011223344556677!", NONCE) is None


def test_hex_template_prefix_and_min_length() -> None:
    p = probe(PROBE_SEND_HEX="00 01 {nonce} ff", PROBE_EXPECT_PREFIX_HEX="0001{nonce}", PROBE_EXPECT_MIN_LENGTH="12")
    assert p.datagram(NONCE) == b"\x00\x01" + NONCE + b"\xff"
    assert p.accepts(b"\x00\x01" + NONCE + b"\xff\xfe", NONCE)
    assert not p.accepts(b"\x00\x01" + NONCE + b"\xff", NONCE[:7] + b"\x00")
    assert not p.accepts(b"\x00\x01" + NONCE + b"\xff"[:0], NONCE), "shorter than PROBE_EXPECT_MIN_LENGTH"
    padded = probe(PROBE_SEND_HEX="aa", PROBE_PAD_TO="4")
    assert padded.datagram(NONCE) == b"\xaa\x00\x00\x00"


def test_custom_probe_without_expectation_accepts_any_answer() -> None:
    p = probe(PROBE_SEND="status")
    assert p.datagram(NONCE) == b"status"
    assert p.accepts(b"x", NONCE) and not p.accepts(b"", NONCE)


def test_prefix_text_and_every_expectation_must_hold() -> None:
    p = probe(PROBE_SEND="Q{nonce}", PROBE_EXPECT_PREFIX="A{nonce}", PROBE_EXPECT_REGEX="ok$")
    assert p.accepts(b"A0011223344556677 ok", NONCE)
    assert not p.accepts(b"A0011223344556677 no", NONCE)
    assert not p.accepts(b"B0011223344556677 ok", NONCE)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PROBE_SEND": "x", "PROBE_SEND_HEX": "00"}, "PROBE_SEND_HEX"),
        ({"PROBE_SEND_HEX": "0g"}, "PROBE_SEND_HEX"),
        ({"PROBE_SEND_HEX": "abc"}, "PROBE_SEND_HEX"),
        ({"PROBE_SEND": "x" * 1401}, "PROBE_SEND"),
        ({"PROBE_SEND": "x", "PROBE_PAD_TO": "1401"}, "PROBE_PAD_TO"),
        ({"PROBE_PAD_TO": "-1"}, "PROBE_PAD_TO"),
        ({"PROBE_SEND": "{nonce}" * 100}, "PROBE_SEND"),  # 1600 bytes once rendered
        ({"PROBE_EXPECT_PREFIX": "a", "PROBE_EXPECT_PREFIX_HEX": "61"}, "PROBE_EXPECT_PREFIX_HEX"),
        ({"PROBE_EXPECT_PREFIX_HEX": "zz"}, "PROBE_EXPECT_PREFIX_HEX"),
        ({"PROBE_EXPECT_REGEX": "("}, "PROBE_EXPECT_REGEX"),
        ({"PROBE_EXPECT_REGEX": "a" * 1001}, "PROBE_EXPECT_REGEX"),
        ({"PROBE_EXPECT_MIN_LENGTH": "0"}, "PROBE_EXPECT_MIN_LENGTH"),
        ({"PROBE_EXPECT_MIN_LENGTH": "9" * 4301}, "PROBE_EXPECT_MIN_LENGTH"),
        ({"PROBE_INTERVAL": "1", "HEALTHY_WITHIN": "2"}, "HEALTHY_WITHIN"),
        ({"PROBE_TIMEOUT": "3", "HEALTHY_WITHIN": "2"}, "PROBE_TIMEOUT"),
        ({"PROBE_TIMEOUT": "0.8"}, "PROBE_TIMEOUT"),  # over half the default 1.5 s window
        ({"PROBE_INTERVAL": "1" * 4301}, "PROBE_INTERVAL"),
        ({"HEALTH_MODE": "udp"}, "HEALTH_MODE"),
    ],
)
def test_bad_settings_are_refused_naming_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(sidecar.ConfigError, match=named):
        sidecar.Config.from_env(env)


def test_a_bad_setting_exits_2_with_a_config_error_line() -> None:
    result = subprocess.run(
        [sys.executable, str(SIDECAR / "sidecar.py")],
        env={"PROBE_EXPECT_REGEX": "("},
        capture_output=True,
        timeout=5,
        check=False,
    )
    assert result.returncode == 2 and b"config_error" in result.stdout, result
    assert b"PROBE_EXPECT_REGEX" in result.stdout


def verdicts() -> tuple[Any, Any, Any]:
    sc = sidecar.Sidecar(sidecar.Config.from_env({}))
    ok = sidecar.Outcome(True)
    lost = sidecar.Outcome(False, error="no answer")
    return sc, ok, lost


def test_the_verdict_needs_a_window_without_answers_and_evidence() -> None:
    sc, ok, lost = verdicts()
    assert sc.min_failures == 15  # half of the 30 probes a default window holds
    assert not sc.healthy(), "healthy before any probe"
    sc.record(0, ok)
    start = sc.last_success
    for seq in range(1, 15):
        sc.record(seq, lost)
    assert sc.healthy(start + 1.0)
    # Past the window, 14 failed probes are not yet evidence (a starved sidecar sent few).
    assert sc.healthy(start + 5.0)
    sc.record(15, lost)
    assert not sc.healthy(start + 1.6) and sc.healthy(start + 1.4)
    sc.record(16, ok)  # one answer through the flood is enough
    assert sc.healthy(sc.last_success + 1.4)


def test_refused_or_wrong_answers_turn_the_verdict_at_once() -> None:
    sc, ok, _ = verdicts()
    refused = sidecar.Outcome(False, hard=True, error="port unreachable")
    sc.record(0, ok)
    sc.record(2, refused)
    assert sc.healthy(), "one refused probe is not enough"
    sc.record(3, refused)
    assert not sc.healthy()
    sc.record(1, ok)  # probes overlap: a late answer to a probe sent before them changes nothing
    assert not sc.healthy()
    sc.record(4, ok)
    assert sc.healthy()
