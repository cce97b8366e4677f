"""What every pricing rule shares: the graph, the region's prices, the assumptions, and `add`, which
turns a quantity into an item (or, with no price in the table, into an item at 0 that says so)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..graph import Graph, Node
from .assumptions import CostAssumptions
from .model import NO_PRICE, CostItem, ResourceRef, amount
from .prices import PriceTable


@dataclass
class Context:
    graph: Graph
    table: PriceTable
    region: str
    assumptions: CostAssumptions
    items: list[CostItem] = field(default_factory=list)
    handled: set[str] = field(default_factory=set)
    """URNs a rule has accounted for (priced, or known to be free)."""

    @property
    def hours(self) -> Decimal:
        return self.assumptions.hours_per_month

    def add(
        self,
        nodes: Iterable[Node],
        what: str,
        key: str,
        quantity: Decimal,
        quantity_at_max: Decimal | None = None,
        *,
        category: str,
        note: str | None = None,
    ) -> CostItem:
        """One item: `quantity` (at the minimum task counts; `quantity_at_max` at the maximum, the
        same if not given) of the charge `key` at this region's price."""
        low = amount(quantity)
        high = low if quantity_at_max is None else amount(quantity_at_max)
        price = self.table.price(self.region, key)
        if price is None:
            missing = f"{NO_PRICE}: the price table has no {key} for {self.region}"
            note = f"{missing}; {note}" if note else missing
        usd = None if price is None else price.usd
        return self._item(
            nodes, what, category, low, high, self.table.unit(key), usd, key, price.source if price else (), note
        )

    def free(self, node: Node, what: str, *, category: str, note: str) -> CostItem:
        """An item at $0 for a resource AWS doesn't charge for, listed because people expect a charge."""
        return self._item([node], what, category, Decimal(1), Decimal(1), "each", Decimal(0), None, (), note)

    def unknown(self, nodes: Iterable[Node], what: str, *, note: str) -> CostItem:
        """A resource the estimate can't price: listed at 0 with why, never dropped."""
        nodes = list(nodes)
        count = Decimal(len(nodes))
        return self._item(nodes, what, "unpriced", count, count, "resources", None, None, (), f"{NO_PRICE}: {note}")

    def _item(
        self,
        nodes: Iterable[Node],
        what: str,
        category: str,
        low: Decimal,
        high: Decimal,
        unit: str,
        usd: Decimal | None,
        key: str | None,
        source: tuple[str, ...],
        note: str | None,
    ) -> CostItem:
        refs = tuple(ResourceRef.of(n) for n in nodes)
        self.handled.update(r.urn for r in refs)
        item = CostItem(
            what=what,
            category=category,
            resources=refs,
            quantity=low,
            quantity_at_max=high,
            unit=unit,
            unit_price_usd=usd,
            monthly_usd=Decimal(0) if usd is None else amount(low * usd),
            monthly_usd_at_max=Decimal(0) if usd is None else amount(high * usd),
            price_key=key,
            price_source=source,
            note=note,
        )
        self.items.append(item)
        return item


def num(value: Any) -> Decimal | None:
    """A recorded number (mocks record floats; task definitions carry "512") as a Decimal."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None
