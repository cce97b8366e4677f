"""Scaling arguments AWS would refuse, refused first by the argument that sets them: the cron of a
schedule field by field (Application Auto Scaling's documented ranges), its time zone, the composed
scheduled-action name, and request-count scaling where no ALB counts requests.

Sources: https://docs.aws.amazon.com/autoscaling/application/userguide/scheduled-scaling-using-cron-expressions.html
and PutScheduledAction's ScheduledActionName (1-256 characters) in the API reference.
"""

import re
from typing import Any

import pytest

from fargatelb import (
    InvalidArgument,
    LoadBalancedFargateService,
    LoadBalancedFargateServiceArgs,
    ScalingArgs,
    ScheduleArgs,
    UdpNlbService,
    UdpNlbServiceArgs,
)
from fargatelb.mocks import synthesize
from fargatelb.scaling import check_cron
from synth_helpers import ECR, LITERAL_WIRING, on_network

SCHEDULED = "aws:appautoscaling/scheduledAction:ScheduledAction"


def web(name: str = "web", **scaling: Any) -> None:
    synthesize(
        lambda: LoadBalancedFargateService(
            name, LoadBalancedFargateServiceArgs(**LITERAL_WIRING, image=f"{ECR}/web:1", scaling=ScalingArgs(**scaling))
        )
    )


def schedule(**fields: Any) -> ScheduleArgs:
    return ScheduleArgs(**{"name": "mornings", "cron": "0 7 ? * MON-FRI *", "min_count": 2, "max_count": 4, **fields})


@pytest.mark.parametrize(
    "cron",
    ["0 7 ? * MON-FRI *", "*/15 8-18 ? * 2-6 *", "0 0 L * ? *", "0 9 ? * MON#1 2027", "30 6 15W JAN,JUL ? *"],
)
def test_crons_aws_documents_are_accepted(cron: str) -> None:
    assert check_cron("X", "cron", cron) == f"cron({cron})"


@pytest.mark.parametrize(
    ("cron", "says"),
    [
        ("99 7 ? * MON-FRI *", "minutes '99' is outside 0-59"),
        ("0 25 ? * MON-FRI *", "hours '25' is outside 0-23"),
        ("0 7 32 * ? *", "day-of-month '32' is outside 1-31"),
        ("0 7 1 13 ? *", "month '13' is outside 1-12 or JAN-DEC"),
        ("0 7 ? * FOO *", "day-of-week 'FOO' is outside 1-7 or SUN-SAT"),
        ("0 7 ? * MON#6 *", "day-of-week '#6' is not #1-#5"),
        ("0/0 7 ? * MON *", "minutes step '0' is not 1-59"),
        ("0 7 ? * MON 1969", "year '1969' is outside 1970-2199"),
    ],
)
def test_a_cron_field_out_of_range_is_refused_naming_the_field(cron: str, says: str) -> None:
    with pytest.raises(InvalidArgument, match=r"^LoadBalancedFargateServiceArgs\.scaling\.schedules\[0\]\.cron: "):
        web(schedules=[schedule(cron=cron)])
    with pytest.raises(InvalidArgument) as err:
        check_cron("X", "cron", cron)
    assert says in str(err.value)


def test_a_misspelt_time_zone_is_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"schedules\[0\]\.timezone: must be an IANA time zone.*'Europe/Dubln'"):
        web(schedules=[schedule(timezone="Europe/Dubln")])
    rec = on_network(
        lambda wiring, _: LoadBalancedFargateService(
            "web",
            LoadBalancedFargateServiceArgs(
                **wiring, image=f"{ECR}/web:1", scaling=ScalingArgs(schedules=[schedule(timezone="Europe/Dublin")])
            ),
        )
    )
    assert rec.one(SCHEDULED, "web-schedule-mornings").inputs["timezone"] == "Europe/Dublin"


def test_the_composed_scheduled_action_name_fits_aws_limit() -> None:
    longest = "n" * (255 - len("web"))
    rec = on_network(
        lambda wiring, _: LoadBalancedFargateService(
            "web",
            LoadBalancedFargateServiceArgs(
                **wiring, image=f"{ECR}/web:1", scaling=ScalingArgs(schedules=[schedule(name=longest)])
            ),
        )
    )
    (action,) = rec.of_type(SCHEDULED)
    assert len(action.inputs["name"]) == 256
    with pytest.raises(InvalidArgument, match=re.escape("scaling.schedules[0].name: makes the scheduled action")):
        web(schedules=[schedule(name=longest + "n")])


def test_request_count_scaling_behind_an_nlb_is_refused_not_dropped() -> None:
    with pytest.raises(InvalidArgument, match=r"^UdpNlbServiceArgs\.scaling\.requests_per_target: isn't used behind"):
        synthesize(
            lambda: UdpNlbService(
                "udp",
                UdpNlbServiceArgs(**LITERAL_WIRING, image=f"{ECR}/udp:1", scaling=ScalingArgs(requests_per_target=50)),
            )
        )
