"""CloudWatch alarms and dashboards: Pulumi → CloudFormation (see `mappings.py`)."""

from __future__ import annotations

from typing import Any

from .bridge import Each, Obj, P, ResourceMapping, Tags


def _dimensions(value: Any) -> Any:
    """Pulumi's `{name: value}` dimensions → CloudFormation's `[{Name, Value}]`."""
    if not isinstance(value, dict):
        return value
    return [{"Name": k, "Value": v} for k, v in value.items()]


CLOUDWATCH_MAPPINGS: tuple[ResourceMapping, ...] = (
    ResourceMapping(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": P("name"),
            "AlarmDescription": P("alarmDescription"),
            "ComparisonOperator": P("comparisonOperator"),
            "Threshold": P("threshold"),
            "EvaluationPeriods": P("evaluationPeriods"),
            "DatapointsToAlarm": P("datapointsToAlarm"),
            "TreatMissingData": P("treatMissingData"),
            "Namespace": P("namespace"),
            "MetricName": P("metricName"),
            "Statistic": P("statistic"),
            "Period": P("period"),
            "Dimensions": P("dimensions", _dimensions),
            "Metrics": Each(
                "metricQueries",
                Obj(
                    {
                        "Id": P("id"),
                        "Expression": P("expression"),
                        "Label": P("label"),
                        "ReturnData": P("returnData"),
                        "MetricStat": Obj(
                            {
                                "Metric": Obj(
                                    {
                                        "Namespace": P("metric.namespace"),
                                        "MetricName": P("metric.metricName"),
                                        "Dimensions": P("metric.dimensions", _dimensions),
                                    }
                                ),
                                "Period": P("metric.period"),
                                "Stat": P("metric.stat"),
                            }
                        ),
                    }
                ),
            ),
            "Tags": Tags(),
        },
        autoname=("name", "AlarmName"),
    ),
    ResourceMapping(
        "aws:cloudwatch/dashboard:Dashboard",
        "AWS::CloudWatch::Dashboard",
        {"DashboardName": P("dashboardName"), "DashboardBody": P("dashboardBody")},
    ),
)
