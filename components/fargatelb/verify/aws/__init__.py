"""AWS's input rules: every value a resource sets, judged as AWS's API would judge it, before a
deploy fails on it.

Two sources, in order of preference:

1. AWS's machine-readable rules as cfn-lint ships them (`cfn_schemas.json`, extracted by
   `scripts/extract_aws_schemas.py`): the CloudFormation resource schemas' patterns,
   enumerations, lengths and ranges, and cfn-lint's extension schemas for cross-field rules. The
   bridge (`bridge.py`, `mappings.py`) turns each recorded resource into its CloudFormation shape.
2. Hand-written rules (`rules_*.py`), each with the AWS API reference page it comes from, for
   what neither cfn-lint nor botocore's models carry.

A finding names the resource, the input, the value, the rule and the config key behind it.
"""

from __future__ import annotations

from . import rules_autoscaling, rules_ec2, rules_ecs, rules_elb, rules_sg, rules_tags  # noqa: F401  (registers the rules)
from .run import check_aws_rules

__all__ = ["check_aws_rules"]
