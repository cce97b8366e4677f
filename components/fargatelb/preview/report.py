"""report.json: everything one preview found, as data. Every renderer (the terminal text, GitHub's
job summary and annotations) formats this one document; none decides anything.

Its shape is `report.schema.json` beside this file (JSON Schema 2020-12), `schemaVersion` 1:

    {"schemaVersion": 1, "project": "fargate-lb", "stack": "dev", "stackFile": "Pulumi.dev.yaml",
     "region": "eu-west-1",
     "verdict": {"status": "ok" | "broken" | "invalid-config", "errors": 0, "warnings": 0,
                 "unknown": 0, "resources": 68, "seconds": 0.93, "standIns": 0},
     "configError": null | {"message", "configKey", "line"},
     "standIns": [{"configKey", "value", "reason", "commands", "line"}],
     "unresolvedEnvironments": ["my-org/prod"],
     "findings": [{"severity", "layer", "hop", "rule", "service", "resources": [{"role", "name",
                   "type", "urn"}], "property", "value", "message", "fix", "configKey", "line",
                   "sourceUrl"}],
     "paths": [{"service", "component", "kind", "ok", "hops": ["...", ...]}],
     "resources": [{"urn", "type", "name", "component"}],
     "cost": null | <fargatelb.cost's CostEstimate.to_json()>,
     "production": null | {"controls": 11, "overrides": [{"control", "title", "reason", "tag",
                   "letsThrough": [names]}], "violations": [{"control", "title", "resource", "urn", "message"}]},
     "files": ["out/dev/architecture.mmd", ...]}

`line` is the line of the finding's config key (or of the nearest enclosing key the file sets) in
the stack file, when known.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..verify import Finding
    from .runner import Judged
    from .stackfile import StackFile

SCHEMA_VERSION = 1


def _value(value: Any) -> Any:
    """A finding's value as JSON (anything not JSON-native as its text)."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


def _finding(finding: Finding, file: StackFile) -> dict[str, Any]:
    fix = finding.fix
    key = fix.config_key if fix else None
    sides = (("source", finding.source), ("target", finding.target))
    return {
        "severity": finding.severity.value,
        "layer": finding.layer.value,
        "hop": finding.hop,
        "rule": finding.rule,
        "service": finding.service,
        "resources": [{"role": role, "name": ref.name, "type": ref.type, "urn": ref.urn} for role, ref in sides if ref],
        "property": finding.property,
        "value": _value(finding.value),
        "message": finding.message,
        "fix": str(fix) if fix else None,
        "configKey": key,
        "line": file.line_of(key),
        "sourceUrl": finding.source_url,
    }


def build(judged: Judged, files: list[str] | None = None) -> dict[str, Any]:
    run, report = judged.run, judged.report
    components = {n.urn: n.name for n in judged.graph.nodes if not n.custom}
    resources = [
        {"urn": n.urn, "type": n.type, "name": n.name, "component": components.get(n.parent or "")}
        for n in judged.graph.nodes
        if n.custom
    ]
    status = "ok" if judged.ok else "broken"
    production = judged.production.to_json() if judged.production is not None else None
    return {
        "schemaVersion": SCHEMA_VERSION,
        "project": run.project.name,
        "stack": run.stack,
        "stackFile": run.file.source,
        "region": run.file.config.get("aws:region"),
        "verdict": {
            "status": status,
            "errors": len(report.errors) + len(production["violations"] if production else []),
            "warnings": len(report.warnings),
            "unknown": len(report.unknowns),
            "resources": len(resources),
            "seconds": round(judged.seconds, 2),
            "standIns": len(run.stand_ins),
        },
        "configError": None,
        "standIns": [
            {
                "configKey": s.key,
                "value": s.value,
                "reason": s.reason,
                "commands": list(s.commands),
                "line": run.file.line_of(s.key),
            }
            for s in run.stand_ins
        ],
        "unresolvedEnvironments": list(run.file.environments),
        "findings": [_finding(f, run.file) for f in report.findings],
        "paths": [
            {"service": p.service, "component": p.component, "kind": p.kind, "ok": p.ok, "hops": list(p.hops)}
            for p in report.paths
        ],
        "resources": resources,
        "cost": judged.cost.to_json() if judged.cost else None,
        "production": production,
        "files": files or [],
    }


def config_error(project: str, stack: str, source: str, message: str, file: StackFile | None) -> dict[str, Any]:
    """The report of a stack whose config the program (or the stack file's reader) refused."""
    where = re.match(rf"{re.escape(source)}(?::(\d+):\d+)?: ", message)
    rest = message[where.end() :] if where else message
    named = re.match(r"([\w.-]+:[^\s:]+): ", rest)  # `myproj:web.memory: ...`
    key = named[1] if named else None
    line = int(where[1]) if where and where[1] else (file.line_of(key) if file and key else None)
    return {
        "schemaVersion": SCHEMA_VERSION,
        "project": project,
        "stack": stack,
        "stackFile": source,
        "region": file.config.get("aws:region") if file else None,
        "verdict": {
            "status": "invalid-config",
            "errors": 1,
            "warnings": 0,
            "unknown": 0,
            "resources": 0,
            "seconds": 0,
            "standIns": 0,
        },
        "configError": {"message": message, "configKey": key, "line": line},
        "standIns": [],
        "unresolvedEnvironments": list(file.environments) if file else [],
        "findings": [],
        "paths": [],
        "resources": [],
        "cost": None,
        "production": None,
        "files": [],
    }
