"""Refresh the cost estimate's price table from AWS's public price-list offer files.

    .venv/bin/python scripts/refresh_prices.py                      # every region and key in the table
    .venv/bin/python scripts/refresh_prices.py --regions eu-west-1 --offers AmazonVPC,AWSELB
    .venv/bin/python scripts/refresh_prices.py --cache /tmp/offers  # keep the downloads for a rerun

Reads the service index, each offer's region index, then one offer file per offer and region
(https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/index.json → region_index.json →
<region>/index.json; no credentials), picks each key's On-Demand price as its `sources` entry in
`prices.json` describes it (`fargatelb.cost.offers`), and rewrites the table: each refreshed figure
then comes `from` a reference naming the offer file, its version and publication date, the SKU and
the usage type. Keys it can't read (no match, ambiguous) keep their figure and are listed on
stderr, and the exit code is then 1; global services (Route 53) keep theirs. AmazonEC2's regional
offer files (NAT gateway prices) are large, a few hundred MB each: `--cache` keeps them for a rerun.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import sys
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "components"))

from fargatelb.cost.offers import INDEX_URL, OfferError, offer_url, quote, region_index_url  # noqa: E402
from fargatelb.cost.prices import TABLE, dump_table, load_document  # noqa: E402

Fetch = Callable[[str], bytes]


def http_fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=600) as response:  # a fixed https host
        return bytes(response.read())


def cached(fetch: Fetch, directory: Path) -> Fetch:
    directory.mkdir(parents=True, exist_ok=True)

    def get(url: str) -> bytes:
        path = directory / hashlib.sha256(url.encode()).hexdigest()[:32]
        if not path.exists():
            path.write_bytes(fetch(url))
        return path.read_bytes()

    return get


def refresh(
    document: dict[str, Any],
    fetch: Fetch,
    *,
    regions: list[str] | None = None,
    offers: list[str] | None = None,
    today: datetime.date | None = None,
) -> list[str]:
    """Update `document` (a loaded `prices.json`) in place; return the problems, one line each."""
    load = lambda url: json.loads(fetch(url), parse_float=Decimal)  # noqa: E731
    problems: list[str] = []
    by_offer: dict[str, list[str]] = {}
    for key, source in document["sources"].items():
        if source.get("global"):
            continue  # global services (Route 53) have no regional offer file: their figure is kept
        if offers is None or source["offerCode"] in offers:
            by_offer.setdefault(source["offerCode"], []).append(key)
    index = load(INDEX_URL)
    for offer_code, keys in by_offer.items():
        region_index = load(region_index_url(index, offer_code))
        for region in regions or list(document["regions"]):
            try:
                url = offer_url(region_index, region)
                offer = load(url)
            except (OfferError, OSError) as err:
                problems.append(f"{offer_code} {region}: {err}; figures kept")
                continue
            ref = f"offer:{offer_code}:{region}"
            read = []
            for key in keys:
                try:
                    q = quote(offer, key, document["sources"][key], region)
                except OfferError as err:
                    problems.append(f"{err}; figure kept")
                    continue
                document["regions"].setdefault(region, {})[key] = {"usd": q.usd, "from": [ref]}
                read.append(f"{key} = {q.usd} per {q.unit} (SKU {q.sku}, {q.usagetype})")
            if read:
                document["references"][ref] = {
                    "kind": "price-list",
                    "url": url,
                    "says": f"offer {offer_code} version {offer.get('version')} published "
                    f"{offer.get('publicationDate')}: " + "; ".join(read),
                }
    document["pricesAsOf"] = (today or datetime.datetime.now(datetime.UTC).date()).isoformat()
    document["about"][0] = (
        f"Unit prices in USD, On-Demand, first paid usage tier, per region. Refreshed from AWS's price-list offer "
        f"files on {document['pricesAsOf']} by scripts/refresh_prices.py; figures it couldn't read keep "
        f"their earlier source."
    )
    return problems


def main(argv: list[str] | None = None, fetch: Fetch = http_fetch, table: Path = TABLE) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--regions", help="comma-separated regions (default: every region in the table)")
    parser.add_argument("--offers", help="comma-separated offer codes, e.g. AmazonVPC,AWSELB (default: all)")
    parser.add_argument("--cache", type=Path, help="a directory to keep the downloaded files in")
    args = parser.parse_args(argv)
    if args.cache:
        fetch = cached(fetch, args.cache)
    document = load_document(table)
    problems = refresh(
        document,
        fetch,
        regions=args.regions.split(",") if args.regions else None,
        offers=args.offers.split(",") if args.offers else None,
    )
    table.write_text(dump_table(document))
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"wrote {table.relative_to(ROOT) if table.is_relative_to(ROOT) else table} ({len(problems)} problems)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
