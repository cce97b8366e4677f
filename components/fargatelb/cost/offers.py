"""Read AWS's public price-list offer files (the Price List Bulk API): what `prices.json` is made of.

Three JSON documents, none needing credentials (AWS Billing guide, "Reading the price list files"):

1. the service index, `https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/index.json`:
   `offers.<offerCode>.currentRegionIndexUrl`;
2. an offer's region index: `regions.<regionCode>.currentVersionUrl`;
3. an offer file for one region: `products.<sku> = {sku, productFamily, attributes: {usagetype,
   operation, regionCode, ...}}` and `terms.OnDemand.<sku>.<sku>.<offerTermCode> = {priceDimensions:
   {<rateCode>: {unit, beginRange, endRange, description, pricePerUnit: {USD: "0.0110000000"}}}}`.

A price key's source in `prices.json` names its offer, its usage type without the region prefix
(`EU-NatGateway-Hours`, `USE1-...`, or none in us-east-1; KMS writes `eu-west-1-KMS-Keys`), and
optionally its product family and other attributes. Exactly one price must match: a key that
matches nothing, or SKUs with different prices, is an error to fix in the source, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

BASE_URL = "https://pricing.us-east-1.amazonaws.com"
INDEX_URL = f"{BASE_URL}/offers/v1.0/aws/index.json"
_REGION_PREFIX = re.compile(r"^[A-Z]{2,4}[0-9]?-")


class OfferError(ValueError):
    pass


@dataclass(frozen=True)
class Quote:
    key: str
    usd: Decimal
    unit: str
    sku: str
    usagetype: str
    description: str


def region_index_url(index: Mapping[str, Any], offer_code: str) -> str:
    try:
        return BASE_URL + index["offers"][offer_code]["currentRegionIndexUrl"]
    except KeyError:
        raise OfferError(f"the service index has no offer {offer_code!r}") from None


def offer_url(region_index: Mapping[str, Any], region: str) -> str:
    try:
        return BASE_URL + region_index["regions"][region]["currentVersionUrl"]
    except KeyError:
        raise OfferError(f"the region index has no region {region!r}") from None


def bare_usagetype(usagetype: str, region: str) -> str:
    """`EU-NatGateway-Hours` → `NatGateway-Hours`; `eu-west-1-KMS-Keys` → `KMS-Keys`."""
    if usagetype.startswith(f"{region}-"):
        return usagetype[len(region) + 1 :]
    return _REGION_PREFIX.sub("", usagetype, count=1)


def _matches(product: Mapping[str, Any], source: Mapping[str, Any], region: str) -> bool:
    attributes = product.get("attributes") or {}
    if attributes.get("regionCode", region) != region:
        return False
    if "productFamily" in source and product.get("productFamily") != source["productFamily"]:
        return False
    if bare_usagetype(str(attributes.get("usagetype", "")), region) != source["usagetype"]:
        return False
    return all(attributes.get(k) == v for k, v in (source.get("attributes") or {}).items())


def _first_paid_tier(terms: Mapping[str, Any]) -> tuple[Decimal, str, str] | None:
    """The On-Demand rate of the first billable unit: the lowest tier whose price isn't 0 (a free
    allowance isn't the price), or 0 if every tier is free."""
    tiers = []
    for term in terms.values():
        for dimension in (term.get("priceDimensions") or {}).values():
            usd = (dimension.get("pricePerUnit") or {}).get("USD")
            if usd is None:
                continue
            begin = Decimal(str(dimension.get("beginRange", "0")))
            tiers.append(
                (begin, Decimal(str(usd)), str(dimension.get("unit", "")), str(dimension.get("description", "")))
            )
    if not tiers:
        return None
    tiers.sort(key=lambda t: t[0])
    paid = [t for t in tiers if t[1] > 0] or tiers
    _, usd, unit, description = paid[0]
    return usd, unit, description


def quote(offer: Mapping[str, Any], key: str, source: Mapping[str, Any], region: str) -> Quote:
    """The price of `key` in one region's offer file, as `source` (its `prices.json` entry) describes it."""
    on_demand = (offer.get("terms") or {}).get("OnDemand") or {}
    found: list[Quote] = []
    for sku, product in sorted((offer.get("products") or {}).items()):
        if not _matches(product, source, region):
            continue
        rate = _first_paid_tier(on_demand.get(sku) or {})
        if rate is not None:
            usagetype = str(product["attributes"]["usagetype"])
            found.append(Quote(key, rate[0].normalize(), rate[1], sku, usagetype, rate[2]))
    if not found:
        raise OfferError(f"{key}: no On-Demand product of {offer.get('offerCode')} in {region} matches {dict(source)}")
    if len({q.usd for q in found}) > 1:
        listed = ", ".join(f"{q.sku} {q.usagetype} {q.usd}" for q in found)
        raise OfferError(f"{key}: {len(found)} products with different prices match in {region}: {listed}")
    return found[0]
