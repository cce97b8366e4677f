"""What a stack will cost a month, from its resource graph and a region price table.

    from fargatelb.cost import CostAssumptions, estimate

    cost = estimate(recording.graph(), region="eu-west-1",
                    assumptions=CostAssumptions.from_mapping({"requestsPerSecond": 20}))
    cost.monthly_usd, cost.monthly_usd_at_max, cost.tradeoff.sentence
    report["cost"] = cost.to_json()

Pure Python over `fargatelb.graph.Graph`, no Pulumi imports: the offline preview and anything else
load it in milliseconds. Modules: `model` (the dataclasses and their JSON), `assumptions` (the
`fargate-lb:cost` config section), `prices` (the region table, `prices.json`), `rules_network` and
`rules_compute` (resource types → priced items), `tradeoff` (NAT vs endpoints), `estimate` (runs
the rules, and lists every resource no rule priced), `offers` (reads AWS's price-list offer files for
`scripts/refresh_prices.py`).

`CostEstimate.to_json()`, the `cost` object of `report.json` (figures of the dev stack):

    {
      "monthlyUsd": 111.4126,        # every service at its minimum task count: the sum of items' monthlyUsd
      "monthlyUsdAtMax": 148.6066,   # at its maximum: the sum of items' monthlyUsdAtMax
      "currency": "USD",
      "region": "eu-west-1",
      "pricesAsOf": "2026-11-30",    # the price table's date
      "assumptions": [               # every assumption, with the config key that changes it (null: fixed)
        {"key": "fargate-lb:cost.hoursPerMonth", "value": 730, "statement": "Hours in a month: ..."}
      ],
      "items": [
        {
          "what": "Interface endpoint ecr.api: 2 zone(s) × 730 h",
          "category": "network",  # network|load-balancing|compute|logs|storage|security|dns|monitoring|unpriced
          "resources": [{"urn": "urn:pulumi:...", "name": "network-vpce-ecr-api", "type": "aws:ec2/vpcEndpoint:..."}],
          "quantity": 1460, "quantityAtMax": 1460, "unit": "hours",
          "unitPriceUsd": 0.011,     # null when the table has no price: amounts are then 0 and note says so
          "monthlyUsd": 16.06, "monthlyUsdAtMax": 16.06,
          "priceKey": "interfaceEndpointHour",
          "priceSource": ["issue-13"],   # keys of prices.json's references
          "note": "one network interface, billed per hour, in each zone"
        }
      ],
      "tradeoff": {                  # null when the stack has neither interface endpoints nor NAT gateways
        "natStrategy": "none", "zones": 2, "interfaceEndpoints": 3, "trafficGbPerMonth": 10,
        "options": [{"strategy": "endpoints", "description": "...", "fixedUsd": 48.18, "perGbUsd": 0.01,
                     "monthlyUsd": 48.28}, ...],
        "breakEvenGb": 249.7368,     # endpoints and one NAT cost the same; null if one is always cheaper
        "endpointsAlwaysCheaper": null,
        "payoffGb": 1267.8947,       # with a NAT already there, endpoints pay for themselves above this
        "natStrategyDeltasUsd": {"none": 0, "single": 39.17, "per_az": 77.86},
        "sentence": "NAT vs endpoints: ..."
      }
    }

Amounts are rounded once per item (4 places) and totals are their exact sums: parse the numbers as
decimals and `sum(items) == monthlyUsd` holds exactly.
"""

from .assumptions import CONFIG_SECTION, CostAssumptions
from .estimate import FREE_TYPES, estimate
from .model import NO_PRICE, Assumption, CostEstimate, CostItem, ResourceRef, Tradeoff, TradeoffOption
from .prices import Price, PriceTable, load_prices, load_table

__all__ = [
    "CONFIG_SECTION",
    "FREE_TYPES",
    "NO_PRICE",
    "Assumption",
    "CostAssumptions",
    "CostEstimate",
    "CostItem",
    "Price",
    "PriceTable",
    "ResourceRef",
    "Tradeoff",
    "TradeoffOption",
    "estimate",
    "load_prices",
    "load_table",
]
