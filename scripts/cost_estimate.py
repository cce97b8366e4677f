"""Print the monthly cost estimate of a stack: the real program run offline, then priced.

    .venv/bin/python scripts/cost_estimate.py dev            # items, totals, the NAT trade-off
    .venv/bin/python scripts/cost_estimate.py dev prod --json

The same estimate `./preview` prints and writes to report.json (`--verbose` lists its items too):
the assumptions come from the stack file's `fargate-lb:cost` section when it has one (defaults
otherwise); the region from `aws:region`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fargatelb.cost import CostEstimate  # noqa: E402
from fargatelb.preview import judge, run_program  # noqa: E402
from offline import PROJECT  # noqa: E402


def estimate_stack(stack: str) -> CostEstimate:
    """The estimate the offline preview makes: the stack's `fargate-lb:cost` assumptions, its region."""
    cost = judge(run_program(PROJECT, stack)).cost
    assert cost is not None, f"{stack} has no aws:region"
    return cost


def render(stack: str, cost: CostEstimate) -> str:
    lines = [
        f"{stack}: ${cost.monthly_usd:,.2f}/month at the minimum task counts, ${cost.monthly_usd_at_max:,.2f} at "
        f"the maximum ({cost.region}, prices as of {cost.prices_as_of})"
    ]
    for item in cost.items:
        at_max = "" if item.monthly_usd_at_max == item.monthly_usd else f" (max ${item.monthly_usd_at_max:,.2f})"
        flag = "  ! " if not item.priced else "    "
        lines.append(
            f"{flag}${item.monthly_usd:>8,.2f}{at_max}  {item.what}" + ("" if item.priced else f": {item.note}")
        )
    if cost.tradeoff is not None:
        lines.append(cost.tradeoff.sentence)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stacks", nargs="+")
    parser.add_argument("--json", action="store_true", help="print the report.json `cost` object instead")
    args = parser.parse_args()
    out = {stack: estimate_stack(stack) for stack in args.stacks}
    if args.json:
        print(json.dumps({s: c.to_json() for s, c in out.items()}, indent=2, ensure_ascii=False))
    else:
        print("\n\n".join(render(s, c) for s, c in out.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
