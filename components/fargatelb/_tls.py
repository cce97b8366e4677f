"""A self-signed certificate imported into ACM, for dev stacks: the openssl steps, automated.

Creates an RSA key and a self-signed certificate for the load balancer's DNS name (pulumi-tls), and
imports them into ACM. Browsers will warn; for anything real, pass a certificate ARN.
"""

import pulumi
import pulumi_tls as tls
from pulumi_aws import acm


def self_signed_certificate(
    name: str, dns_name: pulumi.Input[str], tags: dict[str, str], parent: pulumi.Resource
) -> pulumi.Output[str]:
    child = pulumi.ResourceOptions(parent=parent)
    key = tls.PrivateKey(f"{name}-tls-key", algorithm="RSA", rsa_bits=2048, opts=child)
    cert = tls.SelfSignedCert(
        f"{name}-tls-cert",
        private_key_pem=key.private_key_pem,
        # A common name is at most 64 characters and ALB DNS names can be longer: use the SAN.
        subject={"common_name": f"{name} (self-signed)", "organization": "fargatelb dev"},
        dns_names=[dns_name],
        validity_period_hours=24 * 365,
        early_renewal_hours=24 * 30,
        allowed_uses=["key_encipherment", "digital_signature", "server_auth"],
        opts=child,
    )
    imported = acm.Certificate(
        f"{name}-cert",
        private_key=key.private_key_pem,
        certificate_body=cert.cert_pem,
        tags={**tags, "Name": f"{name}-cert"},
        opts=child,
    )
    return imported.arn
