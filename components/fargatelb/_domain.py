"""A service's own name: its public Route 53 zone, a DNS-validated ACM certificate, the alias record.

The zone is looked up with an invoke before the component creates anything, so in a real
`pulumi preview` a zone the account doesn't hold fails the preview, naming `domain.hosted_zone`.
The certificate is requested for the name, its validation CNAME is written into the zone, and
`acm.CertificateValidation` waits for ACM to issue it, so the HTTPS listener only ever gets an
issued certificate. An alias A record points the name at the load balancer.
"""

import pulumi
from pulumi_aws import acm, route53

from ._args import InvalidArgument


def hosted_zone_id(owner: str, zone: str, parent: pulumi.Resource | None) -> str:
    try:
        found = route53.get_zone(name=zone, private_zone=False, opts=pulumi.InvokeOptions(parent=parent))
    except Exception as err:  # the provider's "no matching Route 53 Hosted Zone found", or access denied
        reason = str(err).split(" failed: ", 1)[-1]
        raise InvalidArgument(
            owner,
            "domain.hosted_zone",
            f"{zone!r} is not a public Route 53 hosted zone this account can read ({reason}); create the zone "
            "and delegate the domain to it, or name the zone the domain is delegated to",
        ) from None
    return found.zone_id


def validated_certificate(
    name: str, domain: str, zone_id: str, tags: dict[str, str], parent: pulumi.Resource
) -> pulumi.Output[str]:
    """An ACM certificate for `domain`, validated through a CNAME in the zone; its ARN once issued."""
    child = pulumi.ResourceOptions(parent=parent)
    certificate = acm.Certificate(
        f"{name}-cert",
        domain_name=domain,
        validation_method="DNS",
        tags={**tags, "Name": f"{name}-cert"},
        opts=child,
    )
    option = certificate.domain_validation_options.apply(lambda options: options[0])

    def field(attribute: str) -> pulumi.Output[str]:
        def read(o: acm.outputs.CertificateDomainValidationOption) -> str:
            value = getattr(o, attribute)
            if not value:
                raise ValueError(f"ACM returned no {attribute} to validate {domain}")
            return str(value)

        return option.apply(read)

    record = route53.Record(
        f"{name}-cert-dns",
        zone_id=zone_id,
        name=field("resource_record_name"),
        type=field("resource_record_type"),
        records=[field("resource_record_value")],
        ttl=300,
        # ACM's validation record for a name is the same for every certificate of it: a second
        # stack (or a replaced certificate) must be able to write it again.
        allow_overwrite=True,
        opts=child,
    )
    validation = acm.CertificateValidation(
        f"{name}-cert-validation",
        certificate_arn=certificate.arn,
        validation_record_fqdns=[record.fqdn],
        opts=child,
    )
    return validation.certificate_arn


def alias_record(
    name: str, domain: str, zone_id: str, dns_name: pulumi.Input[str], alb_zone_id: pulumi.Input[str],
    parent: pulumi.Resource,
) -> route53.Record:  # fmt: skip
    return route53.Record(
        f"{name}-alias",
        zone_id=zone_id,
        name=domain,
        type="A",
        aliases=[route53.RecordAliasArgs(name=dns_name, zone_id=alb_zone_id, evaluate_target_health=True)],
        opts=pulumi.ResourceOptions(parent=parent),
    )


__all__ = ["InvalidArgument", "alias_record", "hosted_zone_id", "validated_certificate"]
