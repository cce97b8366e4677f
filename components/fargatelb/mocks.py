"""Run a Pulumi program offline and record what it registers: for tests and the offline preview.

`RecordingMocks` answers every resource and invoke the package's components use with realistic
values (AWS-shaped ids and ARNs, as many zones as the region really offers a new account, see
`regions.py`), and fails loudly on an invoke it doesn't know, so a new data source can't silently
return nothing; a missing or unknown region fails the same way rather than getting three zones.
`RecordingMonitor` keeps each registration as the engine sees it (parent, property dependencies,
ignore_changes), which the wiring check needs. Like the engine, it refuses two resources with the
same URN (`DuplicateUrnError`) and applies resource transforms (`register_resource_transform`, the
`transforms` option) to what it records, so a planted duplicate or a transform that moves a port is
caught offline too. Where the AWS provider would merge its default tags into a resource's (the
provider's Check sets `tagsAll` = default tags overlaid by the resource's own), the recording does the
same, so the verdict counts every tag AWS is sent: the default provider's come from the
`aws:defaultTags` config, an explicit provider's from its `default_tags`.

    recording = synthesize(lambda: build_my_stack(), config={"proj:web": '{"containerPort": 8080}'})
    tg = recording.one("aws:lb/targetGroup:TargetGroup")
    assert int(tg.inputs["port"]) == 8080
"""

import asyncio
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

import pulumi
from pulumi.runtime import mocks as _mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime._callbacks import _CallbackServicer
from pulumi.runtime.proto import alias_pb2, resource_pb2
from pulumi.runtime.sync_await import _sync_await

from . import endpoint_services
from .graph import Graph, Node
from .regions import region_problem, zone_count_of, zone_id_prefix

ACCOUNT_ID = "123456789012"
TRANSFORM_TIMEOUT = 60.0
"""Seconds one resource transform may take under the mocks before the registration fails."""
DEFAULT_REGION = "eu-west-1"


class UnknownInvokeError(RuntimeError):
    pass


class MockRegionError(RuntimeError):
    """The mocks were asked about the region's zones without a supported region to answer for."""


@dataclass
class Registration:
    urn: str
    type: str
    name: str
    inputs: dict[str, Any]
    parent: str | None
    custom: bool
    remote: bool
    property_dependencies: dict[str, list[str]]
    dependencies: list[str]
    ignore_changes: list[str]
    delete_before_replace: bool
    protect: bool = False
    id: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)
    retain_on_delete: bool = False

    def node(self) -> Node:
        return Node(
            urn=self.urn,
            type=self.type,
            name=self.name,
            props=self.inputs,
            property_dependencies=self.property_dependencies,
            dependencies=self.dependencies,
            parent=self.parent,
            custom=self.custom or self.remote,
            ignore_changes=self.ignore_changes,
            delete_before_replace=self.delete_before_replace,
            protect=self.protect,
        )


def _hex(name: str, n: int = 17) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:n]


def _uuid(name: str) -> str:
    h = _hex(name, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _zone_name(zone: str) -> str:
    return zone.rstrip(".").lower()


# Id prefixes AWS uses, so ids in recordings read like a real stack's.
_ID_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc-",
    "aws:ec2/subnet:Subnet": "subnet-",
    "aws:ec2/securityGroup:SecurityGroup": "sg-",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg-",
    "aws:ec2/routeTable:RouteTable": "rtb-",
    "aws:ec2/internetGateway:InternetGateway": "igw-",
    "aws:ec2/natGateway:NatGateway": "nat-",
    "aws:ec2/eip:Eip": "eipalloc-",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "aws:ec2/flowLog:FlowLog": "fl-",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr-",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr-",
}


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers resources and invokes with AWS-shaped values. Keyed by type token."""

    ecr_images: ClassVar[Mapping[str, Mapping[str, str]]] = MappingProxyType({})
    """The ECR repositories `getRepositories` and `getImages` list: name → {tag: digest}. Empty,
    as for a first deploy; a test that needs pushed images patches it."""
    interface_endpoint_services: ClassVar[frozenset[str]] = endpoint_services.INTERFACE_SERVICES
    """The interface endpoint services `getVpcEndpointService` finds, in every zone of the region:
    `fargatelb.endpoint_services`' list. Another name is answered as AWS answers a service it doesn't
    offer; a test that needs one more patches this."""

    def __init__(
        self,
        region: str | None = DEFAULT_REGION,
        zone_count: int | None = None,
        hosted_zones: Iterable[str] | None = None,
        default_tags: Mapping[str, str] | None = None,
    ) -> None:
        """`zone_count` overrides the region's real count (an account that sees fewer zones);
        `hosted_zones` are the public Route 53 zones the account holds (None: any zone asked for);
        `default_tags` are the default provider's (`aws:defaultTags`' `tags`)."""
        self.region = region
        self.zone_count = zone_count
        self.hosted_zones = None if hosted_zones is None else {_zone_name(z) for z in hosted_zones}
        self.default_tags = dict(default_tags or {})
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _region(self) -> str:
        if self.region is None:
            raise MockRegionError("RecordingMocks has no region to answer for: set aws:region in the config")
        problem = region_problem(self.region)
        if problem:
            raise MockRegionError(f"RecordingMocks can't answer for aws:region: {problem}")
        return self.region

    def _arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if regional else ''}:{ACCOUNT_ID}:{resource}"

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        t, name, inputs = args.typ, args.name, dict(args.inputs)
        rid = _ID_PREFIX.get(t, f"{name}-") + _hex(f"{t}::{name}")
        out: dict[str, Any] = dict(inputs)
        physical = inputs.get("name") or f"{name}-{_hex(name, 7)}"
        if t == "aws:ec2/vpc:Vpc":
            out["defaultSecurityGroupId"] = "sg-" + _hex(name + "default")
        elif t == "aws:ec2/vpcEndpoint:VpcEndpoint":
            out["prefixListId"] = "pl-" + _hex(name, 8)
        elif t == "aws:ec2/securityGroup:SecurityGroup":
            out["arn"] = self._arn("ec2", f"security-group/{rid}")
        elif t == "aws:lb/loadBalancer:LoadBalancer":
            kind = "net" if inputs.get("loadBalancerType") == "network" else "app"
            suffix = f"{kind}/{physical}/{_hex(name, 16)}"
            out |= {
                "arn": self._arn("elasticloadbalancing", f"loadbalancer/{suffix}"),
                "arnSuffix": suffix,
                "dnsName": f"{physical}-{_hex(name, 10)}.elb.{self.region}.amazonaws.com",
                "zoneId": "Z32O12XQLNTSW2",
                "name": physical,
            }
            rid = out["arn"]
        elif t == "aws:lb/targetGroup:TargetGroup":
            suffix = f"targetgroup/{physical}/{_hex(name, 16)}"
            out |= {"arn": self._arn("elasticloadbalancing", suffix), "arnSuffix": suffix, "name": physical}
            rid = out["arn"]
        elif t == "aws:lb/listener:Listener":
            out["arn"] = self._arn("elasticloadbalancing", f"listener/app/{name}/{_hex(name, 16)}")
            rid = out["arn"]
        elif t == "aws:ecs/cluster:Cluster":
            out |= {"arn": self._arn("ecs", f"cluster/{physical}"), "name": physical}
            rid = out["arn"]
        elif t == "aws:ecs/service:Service":
            out |= {"name": physical}
            rid = self._arn("ecs", f"service/{physical}")
        elif t == "aws:ecs/taskDefinition:TaskDefinition":
            out |= {"arn": self._arn("ecs", f"task-definition/{inputs.get('family', name)}:1"), "revision": 1}
            rid = inputs.get("family", name)
        elif t == "aws:iam/role:Role":
            out |= {"arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{physical}", "name": physical}
            rid = physical
        elif t == "aws:cloudwatch/logGroup:LogGroup":
            out |= {"arn": self._arn("logs", f"log-group:{physical}"), "name": physical}
            rid = physical
        elif t == "aws:kms/key:Key":
            out["arn"] = self._arn("kms", f"key/{_hex(name, 32)}")
        elif t in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"):
            bucket = inputs.get("bucket") or physical
            out |= {"arn": f"arn:aws:s3:::{bucket}", "bucket": bucket, "id": bucket}
            rid = bucket
        elif t == "aws:acm/certificate:Certificate":
            out["arn"] = self._arn("acm", f"certificate/{_uuid(name)}")
            rid = out["arn"]
            if inputs.get("validationMethod") == "DNS":
                domains = [inputs["domainName"], *(inputs.get("subjectAlternativeNames") or [])]
                out["status"] = "PENDING_VALIDATION"
                out["domainValidationOptions"] = [
                    {
                        "domainName": domain,
                        "resourceRecordName": f"_{_hex(domain, 32)}.{domain}.",
                        "resourceRecordType": "CNAME",
                        "resourceRecordValue": f"_{_hex(name + domain, 32)}.{_hex(domain, 10)}.acm-validations.aws.",
                    }
                    for domain in domains
                ]
        elif t == "aws:acm/certificateValidation:CertificateValidation":
            rid = inputs.get("certificateArn") or rid
        elif t == "aws:route53/record:Record":
            fqdn = str(inputs.get("name", name)).rstrip(".").lower()
            out["fqdn"] = fqdn
            rid = f"{inputs.get('zoneId', 'Z')}_{fqdn}_{inputs.get('type', 'A')}"
        elif t == "aws:secretsmanager/secret:Secret":
            # Secrets Manager appends six random characters to the name in the ARN.
            out |= {"arn": self._arn("secretsmanager", f"secret:{physical}-{_hex(name, 6)}"), "name": physical}
            rid = out["arn"]
        elif t == "aws:ssm/parameter:Parameter":
            out |= {"arn": self._arn("ssm", f"parameter/{str(physical).lstrip('/')}"), "name": physical}
            rid = physical
        elif t == "aws:cloudwatch/metricAlarm:MetricAlarm":
            out |= {"arn": self._arn("cloudwatch", f"alarm:{physical}"), "name": physical}
            rid = physical
        elif t == "aws:cloudwatch/dashboard:Dashboard":
            board = inputs.get("dashboardName") or physical
            out |= {"dashboardArn": f"arn:aws:cloudwatch::{ACCOUNT_ID}:dashboard/{board}"}
            rid = board
        elif t == "aws:appautoscaling/target:Target":
            out["arn"] = self._arn("application-autoscaling", f"scalable-target/{_hex(name, 32)}")
        elif t == "aws:appautoscaling/policy:Policy":
            out["arn"] = self._arn("autoscaling", f"scalingPolicy:{_hex(name, 32)}")
        elif t == "tls:index/privateKey:PrivateKey":
            out |= {"privateKeyPem": "-----BEGIN PRIVATE KEY-----\nmock\n-----END PRIVATE KEY-----\n"}
        elif t == "tls:index/selfSignedCert:SelfSignedCert":
            out |= {"certPem": "-----BEGIN CERTIFICATE-----\nmock\n-----END CERTIFICATE-----\n"}
        elif t == "aws:ecr/repository:Repository":
            physical = inputs.get("name") or physical
            out |= {
                "arn": self._arn("ecr", f"repository/{physical}"),
                "name": physical,
                "registryId": ACCOUNT_ID,
                "repositoryUrl": f"{ACCOUNT_ID}.dkr.ecr.{self.region}.amazonaws.com/{physical}",
            }
            rid = physical
        elif t == "docker-build:index:Image":
            tags = [str(tag) for tag in inputs.get("tags") or []]
            digest = "sha256:" + hashlib.sha256("\n".join(tags).encode()).hexdigest()
            out |= {"digest": digest, "ref": f"{tags[0]}@{digest}" if tags else "", "contextHash": _hex(name, 64)}
            rid = digest
        elif t == "awsx:ecr:Repository":
            # A remote awsx component: return only the outputs used, typed as the SDK declares them.
            url = f"{ACCOUNT_ID}.dkr.ecr.{self.region}.amazonaws.com/{name}"
            return rid, {"url": url}
        elif t == "awsx:ecr:Image":
            repo = inputs.get("repositoryUrl", f"{ACCOUNT_ID}.dkr.ecr.{self.region}.amazonaws.com/{name}")
            return rid, {"imageUri": f"{repo}@sha256:{hashlib.sha256(name.encode()).hexdigest()}"}
        out.setdefault("arn", self._arn("mock", f"{t.split(':')[-1].lower()}/{name}"))
        return rid, out

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        token, inputs = args.token, dict(args.args)
        self.calls.append((token, inputs))
        if token == "aws:index/getRegion:getRegion":
            region = self._region()
            return {"id": region, "name": region, "region": region,
                    "description": "mock region", "endpoint": f"ec2.{region}.amazonaws.com"}  # fmt: skip
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            region = self._region()
            count = zone_count_of(region) if self.zone_count is None else self.zone_count
            names = [f"{region}{chr(ord('a') + i)}" for i in range(count)]
            ids = [f"{zone_id_prefix(region)}-az{i + 1}" for i in range(count)]
            return {"id": region, "names": names, "zoneIds": ids,
                    "groupNames": [region], "state": inputs.get("state", "available")}  # fmt: skip
        if token == "aws:route53/getZone:getZone":
            zone = _zone_name(str(inputs.get("name", "")))
            if inputs.get("privateZone") or (self.hosted_zones is not None and zone not in self.hosted_zones):
                # What the provider reports for a zone the account doesn't hold.
                return {}, [("name", "no matching Route 53 Hosted Zone found")]
            zone_id = "Z" + _hex(zone, 20).upper()
            servers = [f"ns-{int(_hex(zone + tld, 3), 16) % 2048}.awsdns-{i:02d}.{tld}"
                       for i, tld in enumerate(("com", "net", "org", "co.uk"))]  # fmt: skip
            return {"id": zone_id, "zoneId": zone_id, "name": zone, "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
                    "privateZone": False, "nameServers": servers, "primaryNameServer": servers[0],
                    "callerReference": _uuid(zone), "comment": "", "resourceRecordSetCount": 2, "tags": {},
                    "linkedServiceDescription": "", "linkedServicePrincipal": "", "vpcId": "",
                    "enableAcceleratedRecovery": False}  # fmt: skip
        if token == "aws:ec2/getVpcEndpointService:getVpcEndpointService":
            return self._endpoint_service(inputs)
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"id": ACCOUNT_ID, "accountId": ACCOUNT_ID,
                    "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/mock", "userId": "AIDAMOCK"}  # fmt: skip
        if token == "aws:index/getPartition:getPartition":
            return {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}
        if token == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {"id": self.region, "authorizationToken": "bW9jazptb2Nr", "userName": "AWS", "password": "mock",
                    "proxyEndpoint": f"https://{ACCOUNT_ID}.dkr.ecr.{self.region}.amazonaws.com"}  # fmt: skip
        if token == "aws:ecr/getRepositories:getRepositories":
            return {"id": self.region, "names": sorted(self.ecr_images), "region": self.region}
        if token == "aws:ecr/getImages:getImages":
            repository = inputs["repositoryName"]
            if repository not in self.ecr_images:
                raise UnknownInvokeError(f"RepositoryNotFoundException: {repository!r} is not in ecr_images")
            return {"id": repository, "repositoryName": repository, "registryId": ACCOUNT_ID, "region": self.region,
                    "imageIds": [{"imageTag": tag, "imageDigest": digest}
                                 for tag, digest in sorted(self.ecr_images[repository].items())]}  # fmt: skip
        raise UnknownInvokeError(f"RecordingMocks has no answer for invoke {token!r}; add one with realistic values")

    def _endpoint_service(self, inputs: dict[str, Any]) -> Any:
        region = self._region()
        full = str(inputs.get("serviceName") or endpoint_services.service_name(region, str(inputs.get("service"))))
        parts = endpoint_services.split(full)
        kind = inputs.get("serviceType") or "Interface"
        known = self.interface_endpoint_services if kind == "Interface" else endpoint_services.GATEWAY_SERVICES
        if parts is None or parts[0] != region or parts[1] not in known:
            return {}, [("serviceName", "no matching EC2 VPC Endpoint Service found")]
        name = parts[1]
        count = zone_count_of(region) if self.zone_count is None else self.zone_count
        zones = [f"{region}{chr(ord('a') + i)}" for i in range(count)]
        dns = f"{name}.{region}.amazonaws.com"
        service_id = f"vpce-svc-{_hex(full)}"
        return {"id": full, "serviceName": full, "service": name, "serviceType": kind, "serviceId": service_id,
                "availabilityZones": zones, "acceptanceRequired": False, "managesVpcEndpoints": False,
                "owner": "amazon", "privateDnsName": dns, "privateDnsNames": [dns], "baseEndpointDnsNames": [dns],
                "arn": self._arn("ec2", f"vpc-endpoint-service/{service_id}"), "region": region,
                "serviceRegion": region, "supportedIpAddressTypes": ["ipv4"], "tags": {},
                "vpcEndpointPolicySupported": True}  # fmt: skip


def default_tags_of(value: Any) -> dict[str, str]:
    """The `tags` of an AWS provider's `defaultTags` (an object, or the JSON string config and
    provider inputs carry)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    tags = value.get("tags") if isinstance(value, Mapping) else None
    return {str(k): str(v) for k, v in tags.items()} if isinstance(tags, Mapping) else {}


class DuplicateUrnError(RuntimeError):
    """Two resources registered with the same URN (same type, name and parent type chain), which the
    engine refuses ("Duplicate resource URN"); the mocks would silently keep only the second."""

    def __init__(self, urn: str, first_parent: str | None, second_parent: str | None) -> None:
        self.urn, self.first_parent, self.second_parent = urn, first_parent, second_parent

        def where(parent: str | None) -> str:
            if not parent or "::pulumi:pulumi:Stack::" in parent:
                return "at the top of the stack"
            return f"under {parent}"

        super().__init__(
            f"Duplicate resource URN {urn!r}: registered first {where(first_parent)}, then again "
            f"{where(second_parent)}. The engine refuses this; give the second resource (or component) "
            "another name"
        )


def _run_callback(callback: Any, request: Any) -> Any:
    """Run the SDK's callback for a transform (what the engine reaches over gRPC) on the loop that
    serves it, from the monitor's thread, and return its response message."""
    for servicer in _CallbackServicer._servicers:
        function = servicer._callbacks.get(callback.token)
        if function is None:
            continue
        payload = request.SerializeToString()

        async def call(function: Any = function, payload: bytes = payload) -> Any:
            return await function(payload)

        coroutine = call()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is servicer._loop:  # called on the program's own loop, not from the RPC thread
            return _sync_await(coroutine)
        # The program's loop is free: it awaits this registration in an executor thread.
        return asyncio.run_coroutine_threadsafe(coroutine, servicer._loop).result(timeout=TRANSFORM_TIMEOUT)
    raise RuntimeError(f"no callback server holds transform {callback.token}; was it registered in this run?")


def _transform_options(request: Any) -> Any:
    """The resource options a transform sees, built from the registration as the engine builds them."""
    options = resource_pb2.TransformResourceOptions(
        depends_on=list(request.dependencies),
        ignore_changes=list(request.ignoreChanges),
        replace_on_changes=list(request.replaceOnChanges),
        version=request.version,
        aliases=[*(alias_pb2.Alias(urn=urn) for urn in request.aliasURNs), *request.aliases],
        provider=request.provider,
        providers=dict(request.providers),
        plugin_download_url=request.pluginDownloadURL,
        deleted_with=request.deletedWith,
        additional_secret_outputs=list(request.additionalSecretOutputs),
        plugin_checksums=dict(request.pluginChecksums),
        replace_with=list(request.replace_with),
    )
    options.protect = bool(request.protect)
    options.retain_on_delete = bool(request.retainOnDelete)
    if request.HasField("customTimeouts"):
        options.custom_timeouts.CopyFrom(request.customTimeouts)
    if request.deleteBeforeReplaceDefined or request.deleteBeforeReplace:
        options.delete_before_replace = request.deleteBeforeReplace
    return options


def _transformed_request(request: Any, properties: Any, options: Any) -> Any:
    """The registration with a transform's properties and options in place of its own."""
    new = type(request)()
    new.CopyFrom(request)
    new.object.CopyFrom(properties)
    keys = set(properties.keys())
    new.ClearField("propertyDependencies")
    for key, deps in request.propertyDependencies.items():
        if key in keys:
            new.propertyDependencies[key].urns.extend(deps.urns)
    del new.dependencies[:]
    new.dependencies.extend(options.depends_on)
    new.protect = options.protect
    del new.ignoreChanges[:]
    new.ignoreChanges.extend(options.ignore_changes)
    del new.replaceOnChanges[:]
    new.replaceOnChanges.extend(options.replace_on_changes)
    new.retainOnDelete = options.retain_on_delete
    new.deletedWith = options.deleted_with
    new.deleteBeforeReplaceDefined = options.HasField("delete_before_replace")
    new.deleteBeforeReplace = options.delete_before_replace
    del new.additionalSecretOutputs[:]
    new.additionalSecretOutputs.extend(options.additional_secret_outputs)
    new.ClearField("customTimeouts")
    if options.HasField("custom_timeouts"):
        new.customTimeouts.CopyFrom(options.custom_timeouts)
    new.provider = options.provider
    new.ClearField("providers")
    new.providers.update(options.providers)
    new.version = options.version
    new.pluginDownloadURL = options.plugin_download_url
    return new


class RecordingMonitor(_mocks.MockMonitor):
    """A mock monitor that also keeps what the engine would know of each registration, refuses a
    duplicate URN as the engine does, and applies resource transforms as the engine does.

    Transforms (`pulumi.runtime.register_resource_transform`, and `ResourceOptions(transforms=...)`),
    in the engine's order (`pkg/resource/deploy/source_eval.go`, `resmon.RegisterResource`): the
    resource's own, then each ancestor's own (parent first, up to the stack), then the stack's in the
    order registered; components and custom resources alike. Each runs through the SDK's own callback
    (`pulumi/runtime/_callbacks.py`), so it sees the props (camelCase, as the engine holds them) and
    options the engine would pass, and what it returns replaces them. The mock then answers, and the
    recording keeps, the transformed registration. Property dependencies of properties a transform
    kept are kept; the mock monitor has no output values to recompute them from.
    """

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.registrations: dict[str, Registration] = {}
        self.default_tags = mocks.default_tags
        self.provider_default_tags: dict[str, dict[str, str]] = {}
        """Explicit AWS providers' default tags, by URN."""
        self._stack_callbacks: list[Any] = []
        self._own_transforms: dict[str, list[Any]] = {}
        self._parents: dict[str, str] = {}
        self._first_parent: dict[str, str | None] = {}  # each URN → the parent it was first registered under

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The URN the engine gives: the type qualified by every ancestor's type below the stack. (The
        SDK's mock keeps only the parent's type and adds the stack's, so resources whose engine URNs
        differ could replace each other in the recording.)"""
        qualified = type_
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != "pulumi:pulumi:Stack":
                qualified = f"{parent_type}${type_}"
        return f"urn:pulumi:{settings.get_stack()}::{settings.get_project()}::{qualified}::{name}"

    def RegisterStackTransform(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        self._stack_callbacks.append(request)
        return super().RegisterStackTransform(request)

    def _transforms_for(self, request: Any) -> list[Any]:
        chain = list(request.transforms)
        parent = request.parent
        while parent:
            chain += self._own_transforms.get(parent, [])
            parent = self._parents.get(parent, "")
        return chain + self._stack_callbacks

    def _transform(self, request: Any) -> Any:
        properties, options = request.object, _transform_options(request)
        for callback in self._transforms_for(request):
            response = _run_callback(
                callback,
                resource_pb2.TransformRequest(
                    type=request.type,
                    name=request.name,
                    custom=request.custom,
                    parent=request.parent,
                    properties=properties,
                    options=options,
                ),
            )
            if response.HasField("properties"):
                properties = response.properties
            if response.HasField("options"):
                options = response.options
        return _transformed_request(request, properties, options)

    def _with_default_tags(self, request: Any, inputs: dict[str, Any], urn: str) -> None:
        """What the AWS provider's Check adds: `tagsAll`, its default tags overlaid by the resource's."""
        if request.type == "pulumi:providers:aws":
            self.provider_default_tags[urn] = default_tags_of(inputs.get("defaultTags"))
            return
        tags = inputs.get("tags")
        if not request.custom or not request.type.startswith("aws:") or not isinstance(tags, dict):
            return
        provider = request.provider.rsplit("::", 1)[0] if request.provider else None
        defaults = self.provider_default_tags.get(provider, {}) if provider else self.default_tags
        if defaults:
            inputs["tagsAll"] = {**defaults, **tags}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if request.type == "pulumi:pulumi:Stack":
            return super().RegisterResource(request)
        urn = self.make_urn(request.parent, request.type, request.name)
        if urn in self._first_parent:
            raise DuplicateUrnError(urn, self._first_parent[urn], request.parent or None)
        self._first_parent[urn] = request.parent or None
        if self._transforms_for(request):
            request = self._transform(request)
        self._own_transforms[urn] = list(request.transforms)
        self._parents[urn] = request.parent
        response = super().RegisterResource(request)
        _mocks._ensure_event_loop()
        inputs = rpc.deserialize_properties(request.object)
        self._with_default_tags(request, inputs, response.urn)
        reg = self.resources.get(response.urn)
        self.registrations[response.urn] = Registration(
            urn=response.urn,
            type=request.type,
            name=request.name,
            inputs=inputs,
            parent=request.parent or None,
            custom=bool(request.custom),
            remote=bool(request.remote),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            dependencies=list(request.dependencies),
            ignore_changes=list(request.ignoreChanges),
            delete_before_replace=bool(request.deleteBeforeReplace),
            protect=bool(request.protect),
            id=reg.id if reg else "",
            outputs=dict(reg.state) if reg else {},
            retain_on_delete=bool(request.retainOnDelete),
        )
        return response


@dataclass
class Recording:
    """Everything one offline run registered, with helpers to find resources."""

    registrations: list[Registration]
    calls: list[tuple[str, dict[str, Any]]]
    outputs: dict[str, Any]

    def of_type(self, token: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == token]

    def one(self, token: str, name: str | None = None) -> Registration:
        found = [r for r in self.of_type(token) if name is None or r.name == name]
        if len(found) != 1:
            names = [r.name for r in self.of_type(token)]
            raise AssertionError(f"expected one {token}{f' named {name}' if name else ''}, found {names}")
        return found[0]

    def named(self, name: str) -> Registration:
        for r in self.registrations:
            if r.name == name:
                return r
        raise AssertionError(f"no resource named {name}; have {[r.name for r in self.registrations]}")

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.registrations if r.urn == urn)

    def graph(self) -> Graph:
        return Graph(r.node() for r in self.registrations)


def synthesize(
    program: Callable[[], Any],
    *,
    config: Mapping[str, str] | None = None,
    project: str = "project",
    stack: str = "test",
    region: str | None = None,
    zone_count: int | None = None,
    hosted_zones: Iterable[str] | None = None,
) -> Recording:
    """Run `program` under recording mocks with `config` (keys `project:key`, values as strings).

    The region is `region`, else the config's `aws:region`; with neither, a program given no config
    at all (a component test) runs in DEFAULT_REGION, while a config without `aws:region` gets no
    region, so the mocks refuse to invent zones for it. Zones are the region's real count unless
    `zone_count` says otherwise; `hosted_zones` limits the Route 53 zones the mock account holds.
    Exceptions raised by the program, including component argument errors, propagate unchanged.
    """
    region = region or (config or {}).get("aws:region") or (DEFAULT_REGION if config is None else None)
    config = dict(config or {})
    if region is not None:
        config.setdefault("aws:region", region)
    default_tags = default_tags_of(config.get("aws:defaultTags"))
    mocks = RecordingMocks(region=region, zone_count=zone_count, hosted_zones=hosted_zones, default_tags=default_tags)
    monitor = RecordingMonitor(mocks)
    settings.ROOT.set(None)  # a fresh root stack for each run
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(config)
    exports: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> pulumi.Output[Any]:
        program()
        root = settings.get_root_resource()
        outputs = getattr(root, "outputs", None) or {}
        return pulumi.Output.all(**outputs).apply(exports.update) if outputs else pulumi.Output.from_input(None)

    run()
    return Recording(list(monitor.registrations.values()), mocks.calls, exports)
