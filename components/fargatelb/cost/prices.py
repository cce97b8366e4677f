"""The region price table (`prices.json` beside this file): unit prices in USD, each with its source.

    table = load_prices()
    table.price("eu-west-1", "natGatewayHour")   # Price(usd=Decimal('0.048'), unit='Hrs', ...)

The table's keys name one charge each (`natGatewayHour`, `fargateArmVcpuHour`, ...); `sources`
says, for each key, which AWS price-list offer and usage type the charge is (what
`scripts/refresh_prices.py` reads), and every figure names the `references` it was taken from.
A region or key missing from the table is a price not known: the estimate says so, item by item.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("prices.json")


@dataclass(frozen=True)
class Price:
    key: str
    usd: Decimal
    unit: str
    source: tuple[str, ...]
    """Keys of the table's `references`: where this figure was read."""


@dataclass(frozen=True)
class PriceTable:
    prices_as_of: str
    currency: str
    sources: dict[str, dict[str, Any]]
    """Price key → what the charge is in AWS's price list (offer code, product family, usage type, unit)."""
    regions: dict[str, dict[str, dict[str, Any]]]
    references: dict[str, dict[str, Any]]

    def price(self, region: str, key: str) -> Price | None:
        figure = self.regions.get(region, {}).get(key)
        if figure is None:
            return None
        unit = str(self.sources.get(key, {}).get("unit", ""))
        return Price(key, Decimal(figure["usd"]), unit, tuple(figure.get("from", ())))

    def unit(self, key: str) -> str:
        return str(self.sources[key]["unit"])

    @staticmethod
    def parse(document: dict[str, Any]) -> PriceTable:
        return PriceTable(
            prices_as_of=str(document["pricesAsOf"]),
            currency=str(document["currency"]),
            sources=document["sources"],
            regions=document["regions"],
            references=document["references"],
        )


def dump_table(document: dict[str, Any]) -> str:
    """The table as committed: indented JSON with one line per figure, so a refresh diffs line by line."""

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            as_float = float(value)
            if Decimal(repr(as_float)) != value:
                raise ValueError(f"{value} does not survive as a JSON number")
            return int(value) if value == value.to_integral_value() else as_float
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    regions = document.get("regions", {})
    rest = {k: v for k, v in document.items() if k != "regions"}
    text = json.dumps(plain(rest), indent=2, ensure_ascii=False)[:-2]
    lines = [text + ',\n  "regions": {']
    for i, (region, figures) in enumerate(regions.items()):
        lines.append(f"    {json.dumps(region)}: {{")
        entries = [f"      {json.dumps(k)}: {json.dumps(plain(v), ensure_ascii=False)}" for k, v in figures.items()]
        lines.append(",\n".join(entries))
        lines.append("    }" + ("," if i < len(regions) - 1 else ""))
    lines.append("  }\n}\n")
    return "\n".join(lines)


def load_document(path: Path = TABLE) -> dict[str, Any]:
    return json.loads(path.read_text(), parse_float=Decimal)  # type: ignore[no-any-return]


def load_table(path: Path) -> PriceTable:
    # Decimal for every number: 0.004445 is then exactly the figure AWS publishes.
    return PriceTable.parse(json.loads(path.read_text(), parse_float=Decimal))


@functools.cache
def load_prices() -> PriceTable:
    """The committed table (read once per process)."""
    return load_table(TABLE)
