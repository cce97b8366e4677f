"""What a stack will cost a month, from its resource graph and a region price table.

Pure Python over `fargatelb.graph.Graph`, no Pulumi imports. Modules: `model` (the dataclasses and
their JSON), `assumptions` (the `fargate-lb:cost` config section), `prices` (the region table,
`prices.json`).
"""

from .assumptions import CONFIG_SECTION, CostAssumptions
from .model import NO_PRICE, Assumption, CostEstimate, CostItem, ResourceRef, Tradeoff, TradeoffOption
from .prices import Price, PriceTable, load_prices, load_table

__all__ = [
    "CONFIG_SECTION",
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
    "load_prices",
    "load_table",
]
