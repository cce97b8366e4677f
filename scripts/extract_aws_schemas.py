"""Extract, from cfn-lint's CloudFormation resource schemas, the rules fargatelb's AWS-rules layer
checks: the properties the bridge maps (components/fargatelb/verify/aws/mappings.py) with AWS's
patterns, enumerations, lengths and ranges, and cfn-lint's extension schemas for the cross-field
rules (Fargate CPU/memory pairs, target-group protocol restrictions, ...).

    .venv/bin/python scripts/extract_aws_schemas.py          # rewrite the extract
    .venv/bin/python scripts/extract_aws_schemas.py --check  # exit 1 if it is stale

cfn-lint is a dev dependency (pinned in requirements-nodeps.txt, installed without its own
dependencies: only its data is read, and it is never imported). The extract is committed so the
package, the offline preview and the policy pack need neither cfn-lint nor its 30 MB of schemas.
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "components"))

from fargatelb.verify.aws.mappings import MAPPINGS  # noqa: E402
from fargatelb.verify.aws.schema import ANNOTATIONS  # noqa: E402

OUT = ROOT / "components" / "fargatelb" / "verify" / "aws" / "cfn_schemas.json"
# Schemas are identical across regions for every type mapped (checked when this was written);
# one region's provider file names them.
REGION = "us-east-1"
# Our names for the cfn-lint extension rules we run (a finding's `hop`); cfn-lint's id is kept too.
SLUGS = {
    "E3047": "fargate-size",
    "E3048": "fargate-task-properties",
    "E3046": "log-configuration",
    "E3042": "essential-container",
    "E3687": "sg-protocol-ports",
    "E3688": "sg-all-protocol-ports",
    "E3676": "listener-certificate",
    "E3680": "alb-subnets",
    "E3681": "tg-target-type",
    "E3683": "tg-protocol",
    "E3684": "tg-health-check-protocol",
    "E3052": "ecs-network-configuration",
    "E3711": "listener-rule-target-group-protocol",
    "E3615": "alarm-period",
    "E3023": "route53-record",
    "E3029": "route53-alias",
}


def cfnlint_dir() -> Path:
    spec = importlib.util.find_spec("cfnlint")  # locates the package without importing it
    if spec is None or spec.origin is None:
        raise SystemExit("cfn-lint is not installed: `make setup` installs it (requirements-nodeps.txt)")
    return Path(spec.origin).parent


def strip(schema: Any) -> Any:
    """The schema without annotations (descriptions, formats): smaller, and only what constrains."""
    if isinstance(schema, dict):
        return {k: strip(v) for k, v in schema.items() if k not in ANNOTATIONS or k == "additionalProperties"}
    if isinstance(schema, list):
        return [strip(v) for v in schema]
    return schema


def refs(schema: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        if isinstance(schema.get("$ref"), str):
            found.add(schema["$ref"].split("/")[-1])
        for value in schema.values():
            found |= refs(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= refs(value)
    return found


def resource_schema(base: Path, provider: dict[str, str], cfn_type: str, used: set[str]) -> dict[str, Any]:
    full = json.loads((base / "data" / "schemas" / "resources" / f"{provider[cfn_type]}.json").read_text())
    properties = {k: v for k, v in full["properties"].items() if k in used}
    missing = used - set(full["properties"])
    if missing:
        raise SystemExit(f"{cfn_type} has no properties {sorted(missing)}: fix the mapping")
    definitions = full.get("definitions", {})
    keep: set[str] = set()
    todo = refs(properties)
    while todo:
        name = todo.pop()
        if name not in keep:
            keep.add(name)
            todo |= refs(definitions[name])
    return strip(
        {
            "documentationUrl": full.get("documentationUrl") or full.get("sourceUrl"),
            "properties": properties,
            "definitions": {k: definitions[k] for k in sorted(keep)},
        }
    )


def extension_rules(base: Path, types: set[str]) -> list[dict[str, Any]]:
    """cfn-lint's rule classes that validate one of `types` against an extension schema: read from
    their source (id, description, AWS page, schema file, where it applies), never imported."""
    rules: list[dict[str, Any]] = []
    for source in sorted((base / "rules" / "resources").rglob("*.py")):
        tree = ast.parse(source.read_text())
        for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
            found: dict[str, Any] = {}
            for node in ast.walk(cls):
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                    name = node.targets[0].id
                    if name in ("id", "shortdesc", "source_url") and isinstance(
                        node.value, ast.Constant | ast.JoinedStr
                    ):
                        found[name] = ast.literal_eval(node.value) if isinstance(node.value, ast.Constant) else None
                    elif name in ("shortdesc",) and isinstance(node.value, ast.BinOp | ast.Tuple):
                        found[name] = ast.unparse(node.value)
                if isinstance(node, ast.keyword) and node.arg == "filename" and isinstance(node.value, ast.Constant):
                    found["filename"] = node.value.value
                if isinstance(node, ast.keyword) and node.arg == "module":
                    found["module"] = ast.unparse(node.value)
                if isinstance(node, ast.keyword) and node.arg == "keywords" and isinstance(node.value, ast.List):
                    found["keywords"] = [ast.literal_eval(e) for e in node.value.elts if isinstance(e, ast.Constant)]
            if found.get("id") not in SLUGS or "filename" not in found:
                continue
            folder = found["module"].rsplit(".", 1)[-1]
            schema = json.loads((base / "data" / "schemas" / "extensions" / folder / found["filename"]).read_text())
            if "cfnGather" in json.dumps(schema):
                continue  # relates two resources: the wiring check's job here
            for keyword in found.get("keywords", []):
                cfn_type, _, rest = keyword.removeprefix("Resources/").partition("/Properties")
                at = [p for p in rest.split("/") if p]
                if cfn_type not in types or any(
                    (r["id"], r["type"], r["at"]) == (found["id"], cfn_type, at) for r in rules
                ):
                    continue
                rules.append(
                    {
                        "id": found["id"],
                        "slug": SLUGS[found["id"]],
                        "summary": " ".join(str(found.get("shortdesc") or "").split()),
                        "sourceUrl": found.get("source_url"),
                        "type": cfn_type,
                        "at": at,
                        "schema": strip(schema),
                    }
                )
    return sorted(rules, key=lambda r: (r["type"], r["id"], r["at"]))


def extract() -> dict[str, Any]:
    base = cfnlint_dir()
    provider = json.loads((base / "data" / "schemas" / "providers" / f"{REGION}.json").read_text())
    used: dict[str, set[str]] = {}
    for mapping in MAPPINGS:
        used.setdefault(mapping.cfn_type, set()).update(mapping.properties)
        if mapping.autoname:
            used[mapping.cfn_type].add(mapping.autoname[1])
    date = json.loads((base / "data" / "schemas" / "version.json").read_text()).get("schema_date")
    return {
        "source": "cfn-lint",
        "version": importlib.metadata.version("cfn-lint"),
        "schemaDate": date,
        "regions": sorted(p.stem for p in (base / "data" / "schemas" / "providers").glob("*-*-*.json")),
        "resources": {t: resource_schema(base, provider, t, used[t]) for t in sorted(used)},
        "extensions": extension_rules(base, set(used)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed extract is stale")
    args = parser.parse_args()
    text = json.dumps(extract(), indent=1, sort_keys=True) + "\n"
    if args.check:
        if OUT.read_text() != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run scripts/extract_aws_schemas.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(text) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
