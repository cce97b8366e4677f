"""report.json on GitHub Actions: the job summary (markdown) and annotations on the stack file.

When `GITHUB_STEP_SUMMARY` names a file, the preview appends `summary(report)` to it; when
`GITHUB_ACTIONS` is `true`, it prints `annotation_lines(report, file)`: `::error` for an error or an
invalid config, `::warning` for a warning, `::notice` for an unknown value or a stand-in, each on
the stack file at the line of its config key when the reader knows it (see GitHub's "Workflow
commands": https://docs.github.com/actions/reference/workflow-commands-for-github-actions).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

LEVEL = {"error": "error", "warning": "warning", "unknown": "notice"}


def _escape(text: str, *, property: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property else text


def _annotation(level: str, file: str, line: int | None, title: str, message: str) -> str:
    where = f"file={_escape(file, property=True)}" + (f",line={line}" if line else "")
    return f"::{level} {where},title={_escape(title, property=True)}::{_escape(message)}"


def annotation_lines(report: dict[str, Any], file: str) -> list[str]:
    """Workflow commands for `report`; `file` is the stack file relative to the workspace."""
    stack = report["stack"]
    out: list[str] = []
    if report["configError"]:
        error = report["configError"]
        out.append(_annotation("error", file, error["line"], f"{stack}: invalid config", error["message"]))
    for f in report["findings"]:
        message = f["message"] + (f" Fix: {f['fix']}" if f["fix"] else "")
        out.append(_annotation(LEVEL[f["severity"]], file, f["line"], f"{stack}: [{f['hop']}]", message))
    for s in report["standIns"]:
        message = f"{s['configKey']} is stood in offline: {s['reason']}. Set it: " + " | or: ".join(s["commands"])
        out.append(_annotation("notice", file, s["line"], f"{stack}: offline stand-in", message))
    return out


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def summary(report: dict[str, Any]) -> str:
    v = report["verdict"]
    icon = {"ok": "✅", "broken": "❌", "invalid-config": "❌"}[v["status"]]
    lines = [
        f"### {icon} `{report['stack']}`: {v['status']}",
        "",
        f"{v['errors']} errors, {v['warnings']} warnings, {v['unknown']} unknown · {v['resources']} resources · "
        f"{v['seconds']:.2f} s · `{report['stackFile']}`",
        "",
    ]
    if report["configError"]:
        lines += ["```", report["configError"]["message"], "```", ""]
    for s in report["standIns"]:
        lines += [f"**Offline stand-in** `{s['configKey']}`: {s['reason']}. Before a real preview, run one of:", ""]
        lines += [f"    {c}" for c in s["commands"]] + [""]
    if report["findings"]:
        lines += ["| severity | hop | resources | message | fix |", "|---|---|---|---|---|"]
        for f in report["findings"]:
            names = " → ".join(r["name"] for r in f["resources"])
            lines.append(
                f"| {f['severity']} | `{f['hop']}` | {_cell(names)} | {_cell(f['message'])} | {_cell(f['fix'] or '')} |"
            )
        lines.append("")
    if report["paths"]:
        lines += ["| service | path | proven | hops |", "|---|---|---|---|"]
        lines += [
            f"| {p['service']} | {p['kind']} | {'✓' if p['ok'] else '✗'} | {len(p['hops'])} |" for p in report["paths"]
        ]
        lines.append("")
    cost = report["cost"]
    if cost:
        lines.append(
            f"**Cost**: ${cost['monthlyUsd']:,.2f}/month at the minimum task counts, ${cost['monthlyUsdAtMax']:,.2f} "
            f"at the maximum ({cost['region']}, prices as of {cost['pricesAsOf']})"
        )
        if cost.get("tradeoff"):
            lines += ["", f"> {cost['tradeoff']['sentence']}"]
        lines.append("")
    return "\n".join(lines) + "\n"


def in_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def publish(report: dict[str, Any], stack_file: Path | None) -> None:
    """Append the summary and print the annotations, when running on GitHub Actions."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(summary(report))
    if in_actions():
        file = report["stackFile"]
        if stack_file is not None:
            base = Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd()).resolve()
            try:
                file = str(stack_file.resolve().relative_to(base))
            except ValueError:
                file = str(stack_file)
        for line in annotation_lines(report, file):
            print(line)
