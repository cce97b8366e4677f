"""The preview as people read it, from report.json: the verdict on the first line, then what to do.

    stack dev: ok (0 errors, 0 warnings, 0 unknown), 68 resources, checked offline in 0.93 s
    stand-ins, findings with their fixes, one line per path, the cost and the NAT trade-off

`verbose` adds each path's hops, one per line, the resource list by component, and the cost items.
Lines are wrapped at `WIDTH` (a URL or a command's argument is never broken; long commands are
continued with ` \\`, so they paste as they are).
"""

from __future__ import annotations

import re
import textwrap
from collections import defaultdict
from typing import Any

WIDTH = 120
INDENT = "    "


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 or word.endswith("unknown") else "s")


def wrap(text: str, indent: str = "", more: str = INDENT) -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=indent, subsequent_indent=indent + more, break_long_words=False,
        break_on_hyphens=False,
    ) or [indent]  # fmt: skip


def command(text: str, indent: str) -> list[str]:
    """A shell command, continued with ` \\` where it would pass the width."""
    lines: list[str] = []
    for part in text.split(" && "):
        words, line = re.findall(r"(?:<[^>]*>|[^ <])+", part), indent  # `<your account>` is one word
        for word in words:
            if line.strip() and len(line) + 1 + len(word) + 2 > WIDTH:
                lines.append(line + " \\")
                line = indent + INDENT
            line = f"{line} {word}" if line.strip() else line + word
        lines.append(line)
    return lines


def verdict_line(report: dict[str, Any]) -> str:
    v = report["verdict"]
    counts = f"{plural(v['errors'], 'error')}, {plural(v['warnings'], 'warning')}, {v['unknown']} unknown"
    status = {"ok": "ok", "broken": "BROKEN", "invalid-config": "INVALID CONFIG"}[v["status"]]
    line = f"stack {report['stack']}: {status} ({counts}), {v['resources']} resources, "
    line += f"checked offline in {v['seconds']:.2f} s"
    if v["standIns"]:
        line += f"; {plural(v['standIns'], 'offline stand-in')}, below"
    return line


def finding_lines(f: dict[str, Any]) -> list[str]:
    sides = " → ".join(r["name"] for r in f["resources"])
    service = f" {f['service']}" if f["service"] else ""
    head = f"{f['severity']} [{f['hop']}]{service} {sides + ': ' if sides else ''}{f['message']}"
    lines = wrap(head, "  ")
    if f["configKey"]:
        at = f" (line {f['line']})" if f["line"] else ""
        rest = (f["fix"] or "").replace(f", config `{f['configKey']}`", "")
        lines += wrap(f"fix: config `{f['configKey']}`{at}: {rest}", "  " + INDENT)
    elif f["fix"]:
        lines += wrap(f"fix: {f['fix']}", "  " + INDENT)
    if f["sourceUrl"]:
        lines += wrap(f"rule: {f['sourceUrl']}", "  " + INDENT)
    return lines


def stand_in_lines(report: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for s in report["standIns"]:
        lines += wrap(f"stand-in: {s['configKey']}, offline only: {s['reason']}")
        lines += wrap(f"value: {s['value']}", INDENT)
        if s["commands"]:
            lines.append(f"{INDENT}a real `pulumi preview` refuses this stack until you set it; either:")
        for i, cmd in enumerate(s["commands"]):
            if i:
                lines.append(f"{INDENT}or:")
            lines += command(cmd, INDENT + "  ")
    for env in report["unresolvedEnvironments"]:
        lines += wrap(
            f"unresolved: ESC environment {env} is not read offline; the values it sets override the stack file "
            "and are checked only by a real `pulumi preview`"
        )
    return lines


def path_lines(report: dict[str, Any], verbose: bool) -> list[str]:
    paths = report["paths"]
    broken = sum(1 for p in paths if not p["ok"])
    lines = [f"paths: {len(paths) - broken} proven, {broken} broken"]
    width = max((len(p["service"]) for p in paths), default=0)
    for p in paths:
        lines.append(
            f"  {'✓' if p['ok'] else '✗'} {p['service']:<{width}}  {p['kind']:<12} {plural(len(p['hops']), 'hop')}"
        )
        if verbose:
            for i, hop in enumerate(p["hops"]):
                lines += wrap(("" if i == 0 else "→ ") + hop, "      ")
    return lines


def resource_lines(report: dict[str, Any]) -> list[str]:
    groups: dict[str, list[str]] = defaultdict(list)
    for r in report["resources"]:
        groups[r["component"] or "(stack)"].append(f"    {short_type(r['type']):<42} {r['name']}")
    lines = ["resources:"]
    for group in sorted(groups, key=lambda g: (g == "(stack)", g)):
        lines.append(f"  {group} ({len(groups[group])})")
        lines += sorted(groups[group])
    return lines


def short_type(token: str) -> str:
    """`aws:lb/targetGroup:TargetGroup` → `lb.TargetGroup`."""
    package, module, name = [*token.split(":"), "", ""][:3]
    return f"{module.split('/')[0]}.{name}" if package == "aws" else f"{package}.{module}.{name}".strip(".")


def cost_lines(cost: dict[str, Any] | None, verbose: bool) -> list[str]:
    if cost is None:
        return []
    lines = wrap(
        f"cost: ${cost['monthlyUsd']:,.2f}/month at the minimum task counts, ${cost['monthlyUsdAtMax']:,.2f} at the "
        f"maximum ({cost['region']}, prices of {cost['pricesAsOf']})"
    )
    if verbose:
        for item in cost["items"]:
            at_max = "" if item["monthlyUsdAtMax"] == item["monthlyUsd"] else f" (max ${item['monthlyUsdAtMax']:,.2f})"
            note = "" if item["unitPriceUsd"] is not None else f": {item['note']}"
            lines += wrap(f"${item['monthlyUsd']:>8,.2f}{at_max}  {item['what']}{note}", "    ")
    if cost.get("tradeoff"):
        lines += wrap(cost["tradeoff"]["sentence"])
    return lines


def production_lines(report: dict[str, Any]) -> list[str]:
    from ..production.verdict import lines

    return [wrapped for line in lines(report.get("production") or {}) for wrapped in wrap(line, "", INDENT)]


def render(report: dict[str, Any], *, verbose: bool = False) -> str:
    lines = [verdict_line(report), *stand_in_lines(report), *production_lines(report)]
    findings = report["findings"]
    lines.append("findings:" if findings else "findings: none")
    for f in findings:
        lines += finding_lines(f)
    lines += path_lines(report, verbose)
    if verbose:
        lines += resource_lines(report)
    lines += cost_lines(report["cost"], verbose)
    if report["files"]:
        lines += wrap("wrote: " + ", ".join(report["files"]))
    return "\n".join(lines)
