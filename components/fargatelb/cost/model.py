"""What an estimate is made of: priced items, the totals they add up to, and the NAT trade-off.

Money is `Decimal` throughout: prices are read from the table as decimals, every item's amount is
rounded once (to a hundredth of a cent), and the totals are the exact sums of the items' amounts.
`to_json` writes decimals as JSON numbers whose shortest form is exact, so a reader that parses
them as decimals gets the same sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..graph import Node

CURRENCY = "USD"
_AMOUNT = Decimal("0.0001")
NO_PRICE = "no price known"


def amount(value: Decimal) -> Decimal:
    """Round a money amount or a quantity the one way this package rounds: 4 places, half up."""
    return value.quantize(_AMOUNT, rounding=ROUND_HALF_UP)


def plain(value: Decimal) -> str:
    """A decimal as people write it: `730`, `0.5`, `0.004445` (never `7.3E+2` or `1.0`)."""
    return f"{value.normalize():f}"


def number(value: Decimal | None) -> float | int | None:
    """A decimal as a JSON number: an int when whole, else the float whose repr is the decimal."""
    if value is None:
        return None
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else float(normal)


@dataclass(frozen=True)
class ResourceRef:
    urn: str
    name: str
    type: str

    @staticmethod
    def of(node: Node) -> ResourceRef:
        return ResourceRef(node.urn, node.name, node.type)

    def to_json(self) -> dict[str, str]:
        return {"urn": self.urn, "name": self.name, "type": self.type}


@dataclass(frozen=True)
class CostItem:
    """One priced line: what it is, for which resources, how much of it at the minimum and the
    maximum task counts, at which unit price."""

    what: str
    category: str
    """`network`, `load-balancing`, `compute`, `logs`, `storage`, `security`, `dns` or `unpriced`."""
    resources: tuple[ResourceRef, ...]
    quantity: Decimal
    quantity_at_max: Decimal
    unit: str
    unit_price_usd: Decimal | None
    """None when the table has no price for it: the amounts are then 0 and `note` says so."""
    monthly_usd: Decimal
    monthly_usd_at_max: Decimal
    price_key: str | None = None
    price_source: tuple[str, ...] = ()
    """References (keys of the table's `references`) the unit price was taken from."""
    note: str | None = None

    @property
    def priced(self) -> bool:
        return self.unit_price_usd is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "what": self.what,
            "category": self.category,
            "resources": [r.to_json() for r in self.resources],
            "quantity": number(self.quantity),
            "quantityAtMax": number(self.quantity_at_max),
            "unit": self.unit,
            "unitPriceUsd": number(self.unit_price_usd),
            "monthlyUsd": number(self.monthly_usd),
            "monthlyUsdAtMax": number(self.monthly_usd_at_max),
            "priceKey": self.price_key,
            "priceSource": list(self.price_source),
            "note": self.note,
        }


@dataclass(frozen=True)
class Assumption:
    key: str | None
    """The config key that changes it (`fargate-lb:cost.requestsPerSecond`), None for a fixed one."""
    value: Any
    statement: str

    def to_json(self) -> dict[str, Any]:
        value = number(self.value) if isinstance(self.value, Decimal) else self.value
        return {"key": self.key, "value": value, "statement": self.statement}


@dataclass(frozen=True)
class TradeoffOption:
    """One way for the tasks to reach AWS's APIs (ECR, Logs, ...): its fixed monthly cost, its cost
    per GB, and the total at the assumed traffic."""

    strategy: str
    """`endpoints` (the interface endpoints, no NAT), `single` or `per_az` (NAT gateways instead)."""
    description: str
    fixed_usd: Decimal
    per_gb_usd: Decimal
    monthly_usd: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "description": self.description,
            "fixedUsd": number(self.fixed_usd),
            "perGbUsd": number(self.per_gb_usd),
            "monthlyUsd": number(self.monthly_usd),
        }


@dataclass(frozen=True)
class Tradeoff:
    nat_strategy: str
    """What the stack does: `none`, `single` or `per_az` (counted from its NAT gateways)."""
    zones: int
    interface_endpoints: int
    traffic_gb: Decimal
    """Monthly GB from the tasks to AWS services (`awsServiceGbPerMonth`)."""
    options: tuple[TradeoffOption, ...]
    break_even_gb: Decimal | None
    """Traffic at which the endpoints and one NAT gateway cost the same; None if no price, or if
    one is cheaper at any traffic (`endpoints_always_cheaper` says which)."""
    endpoints_always_cheaper: bool | None
    payoff_gb: Decimal | None
    """With a NAT gateway already there: traffic above which the endpoints pay for themselves
    (their fixed cost over the per-GB NAT processing they save)."""
    strategy_deltas: dict[str, Decimal]
    """`natStrategy` value → how much the whole estimate changes if the stack switched to it (the
    package keeps the endpoints either way; NAT gateways add internet egress)."""
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {
            "natStrategy": self.nat_strategy,
            "zones": self.zones,
            "interfaceEndpoints": self.interface_endpoints,
            "trafficGbPerMonth": number(self.traffic_gb),
            "options": [o.to_json() for o in self.options],
            "breakEvenGb": number(self.break_even_gb),
            "endpointsAlwaysCheaper": self.endpoints_always_cheaper,
            "payoffGb": number(self.payoff_gb),
            "natStrategyDeltasUsd": {k: number(v) for k, v in self.strategy_deltas.items()},
            "sentence": self.sentence,
        }


@dataclass(frozen=True)
class CostEstimate:
    region: str
    prices_as_of: str
    assumptions: tuple[Assumption, ...]
    items: tuple[CostItem, ...]
    tradeoff: Tradeoff | None
    currency: str = CURRENCY
    monthly_usd: Decimal = field(init=False)
    """Every service at its minimum task count: the exact sum of the items' `monthly_usd`."""
    monthly_usd_at_max: Decimal = field(init=False)
    """Every service at its maximum task count."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "monthly_usd", sum((i.monthly_usd for i in self.items), Decimal(0)))
        object.__setattr__(self, "monthly_usd_at_max", sum((i.monthly_usd_at_max for i in self.items), Decimal(0)))

    @property
    def unpriced(self) -> list[CostItem]:
        return [i for i in self.items if not i.priced]

    def to_json(self) -> dict[str, Any]:
        return {
            "monthlyUsd": number(self.monthly_usd),
            "monthlyUsdAtMax": number(self.monthly_usd_at_max),
            "currency": self.currency,
            "region": self.region,
            "pricesAsOf": self.prices_as_of,
            "assumptions": [a.to_json() for a in self.assumptions],
            "items": [i.to_json() for i in self.items],
            "tradeoff": None if self.tradeoff is None else self.tradeoff.to_json(),
        }
