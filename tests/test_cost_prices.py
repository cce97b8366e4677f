"""The cost estimate's price table and the parser that refreshes it from AWS's price-list offer files,
tried on hand-made excerpts in the offer files' exact shape (no network reaches AWS here)."""

import copy
import importlib.util
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fargatelb.cost import load_prices
from fargatelb.cost.offers import OfferError, quote
from fargatelb.cost.prices import TABLE, dump_table, load_document

PRICES = load_prices()
EU = "eu-west-1"
REGIONS = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "eu-west-2", "ap-southeast-1",
           "ap-northeast-1")  # fmt: skip


def test_the_table_covers_the_regions_and_names_a_source_for_every_figure() -> None:
    assert set(REGIONS) <= set(PRICES.regions)
    for region, figures in PRICES.regions.items():
        assert set(figures) <= set(PRICES.sources), region
        for key, figure in figures.items():
            assert figure["usd"] > 0 and figure["from"], (region, key)
            assert set(figure["from"]) <= set(PRICES.references), (region, key)
    assert dump_table(load_document()) == TABLE.read_text(), "prices.json is written as dump_table writes it"


def offer_file(
    code: str, region: str, rows: list[tuple[str, str, dict[str, str], list[tuple[str, str]]]]
) -> dict[str, Any]:
    """An offer file in AWS's shape: rows of (sku, productFamily, attributes, [(beginRange, USD)])."""
    products, on_demand = {}, {}
    for sku, family, attributes, tiers in rows:
        products[sku] = {"sku": sku, "productFamily": family, "attributes": {"regionCode": region, **attributes}}
        dimensions = {
            f"{sku}.JRTCKXETXF.{i}": {
                "rateCode": f"{sku}.JRTCKXETXF.{i}",
                "description": f"${usd} per unit",
                "beginRange": begin,
                "endRange": "Inf",
                "unit": "Hrs",
                "pricePerUnit": {"USD": usd},
                "appliesTo": [],
            }
            for i, (begin, usd) in enumerate(tiers)
        }
        on_demand[sku] = {
            f"{sku}.JRTCKXETXF": {
                "offerTermCode": "JRTCKXETXF",
                "sku": sku,
                "effectiveDate": "2026-11-01T00:00:00Z",
                "priceDimensions": dimensions,
                "termAttributes": {},
            }
        }
    return {
        "formatVersion": "v1.0",
        "disclaimer": "...",
        "offerCode": code,
        "version": "20261101000000",
        "publicationDate": "2026-11-01T00:00:00Z",
        "products": products,
        "terms": {"OnDemand": on_demand},
    }


VPC = offer_file(
    "AmazonVPC",
    EU,
    [
        (
            "VPCE1",
            "VpcEndpoint",
            {"usagetype": "EU-VpcEndpoint-Hours", "operation": "VpcEndpoint"},
            [("0", "0.0110000000")],
        ),
        (
            "VPCE2",
            "VpcEndpoint",
            {"usagetype": "EU-VpcEndpoint-GWLBE-Hours", "operation": "VpcEndpoint"},
            [("0", "0.0110000000")],
        ),
        (
            "VPCE3",
            "VpcEndpoint",
            {"usagetype": "EU-VpcEndpoint-Bytes"},
            [("0", "0.0100000000"), ("1048576", "0.0060000000")],
        ),
        ("IP1", "IP Address", {"usagetype": "EU-PublicIPv4:InUseAddress"}, [("0", "0.0050000000")]),
    ],
)
ELB = offer_file(
    "AWSELB",
    EU,
    [
        ("ALB1", "Load Balancer-Application", {"usagetype": "EU-LoadBalancerUsage"}, [("0", "0.0252000000")]),
        ("ALB2", "Load Balancer-Application", {"usagetype": "EU-Outposts-LoadBalancerUsage"}, [("0", "0.0000000000")]),
        ("ALB3", "Load Balancer-Application", {"usagetype": "EU-LCUUsage"}, [("0", "0.0080000000")]),
        ("NLB1", "Load Balancer-Network", {"usagetype": "EU-LoadBalancerUsage"}, [("0", "0.0252000000")]),
        ("NLB2", "Load Balancer-Network", {"usagetype": "EU-LCUUsage"}, [("0", "0.0060000000")]),
    ],
)


def test_the_parser_picks_the_on_demand_rate_and_skips_decoys() -> None:
    sources = PRICES.sources
    assert quote(VPC, "interfaceEndpointHour", sources["interfaceEndpointHour"], EU).sku == "VPCE1"
    assert quote(VPC, "interfaceEndpointGb", sources["interfaceEndpointGb"], EU).usd == Decimal("0.01")  # first tier
    assert quote(ELB, "albHour", sources["albHour"], EU).usd == Decimal("0.0252")  # not the Outposts row
    assert quote(ELB, "nlcuHour", sources["nlcuHour"], EU).sku == "NLB2"
    logs = offer_file(
        "AmazonCloudWatch",
        EU,
        [
            (
                "CW1",
                "Data Payload",
                {"usagetype": "EU-DataProcessing-Bytes", "operation": "PutLogEvents"},
                [("0", "0.0000000000"), ("5", "0.5700000000")],
            ),
        ],
    )
    assert quote(logs, "logsIngestGb", sources["logsIngestGb"], EU).usd == Decimal(
        "0.57"
    )  # a free allowance isn't the price
    kms = offer_file(
        "awskms", EU, [("K1", "Encryption Key", {"usagetype": "eu-west-1-KMS-Keys"}, [("0", "1.0000000000")])]
    )
    assert quote(kms, "kmsKeyMonth", sources["kmsKeyMonth"], EU).usd == 1
    with pytest.raises(OfferError, match="no On-Demand product"):
        quote(VPC, "natGatewayHour", sources["natGatewayHour"], EU)
    twice = offer_file(
        "AmazonEC2",
        EU,
        [
            ("N1", "NAT Gateway", {"usagetype": "EU-NatGateway-Hours"}, [("0", "0.048")]),
            ("N2", "NAT Gateway", {"usagetype": "EU-NatGateway-Hours"}, [("0", "0.050")]),
            ("N3", "NAT Gateway", {"usagetype": "EU-RegionalNatGateway-Hours"}, [("0", "0.048")]),
        ],
    )
    with pytest.raises(OfferError, match="different prices"):
        quote(twice, "natGatewayHour", sources["natGatewayHour"], EU)


def load_refresh_script() -> Any:
    path = Path(__file__).resolve().parent.parent / "scripts" / "refresh_prices.py"
    spec = importlib.util.spec_from_file_location("refresh_prices", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_refresh_rewrites_the_figures_it_reads_and_keeps_the_rest() -> None:
    refresh_prices = load_refresh_script()
    base = "https://pricing.us-east-1.amazonaws.com"
    files = {
        f"{base}/offers/v1.0/aws/index.json": {
            "offers": {
                c: {"offerCode": c, "currentRegionIndexUrl": f"/offers/v1.0/aws/{c}/current/region_index.json"}
                for c in ("AmazonVPC", "AWSELB")
            }
        },
        **{
            f"{base}/offers/v1.0/aws/{c}/current/region_index.json": {
                "regions": {
                    EU: {"regionCode": EU, "currentVersionUrl": f"/offers/v1.0/aws/{c}/20261101000000/{EU}/index.json"}
                }
            }
            for c in ("AmazonVPC", "AWSELB")
        },
        f"{base}/offers/v1.0/aws/AmazonVPC/20261101000000/{EU}/index.json": VPC,
        f"{base}/offers/v1.0/aws/AWSELB/20261101000000/{EU}/index.json": ELB,
    }
    document = copy.deepcopy(load_document())
    problems = refresh_prices.refresh(
        document, lambda url: json.dumps(files[url]).encode(), regions=[EU], offers=["AmazonVPC", "AWSELB"]
    )
    assert problems == []
    figures = document["regions"][EU]
    assert figures["interfaceEndpointHour"] == {"usd": Decimal("0.011"), "from": [f"offer:AmazonVPC:{EU}"]}
    assert figures["nlcuHour"]["from"] == [f"offer:AWSELB:{EU}"]
    assert (
        figures["natGatewayHour"]["from"] == load_document()["regions"][EU]["natGatewayHour"]["from"]
    )  # not read: kept
    assert "SKU VPCE1, EU-VpcEndpoint-Hours" in document["references"][f"offer:AmazonVPC:{EU}"]["says"]
    assert json.loads(dump_table(document), parse_float=Decimal)["regions"][EU] == figures
