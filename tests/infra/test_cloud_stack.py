"""The packaged stack as CloudFormation will run it: CloudFront in front (viewer headers,
origin secret, caching, security headers), data kept per stage, and the SAM template
translated by aws-sam-translator and created on moto's CloudFormation."""

from __future__ import annotations

import copy
import json
from typing import Any

import boto3
import moto
import pytest
from samtranslator.translator.transform import transform

from chalicelib.adapters import aws
from chalicelib.config import settings
from infra import cloudfront, retention
from infra.package import LAMBDA_RUNTIME, RESOURCES, Package

# What moto's CloudFormation cannot model, left out of the moto test only (docs/deploying.md):
# CloudFront, and API Gateway's deployment and stage (moto ignores a RestApi's Swagger body,
# so a deployment of it has no methods, and imports only OpenAPI 3 bodies).
MOTO_CANNOT_MODEL = {
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::CachePolicy",
    "AWS::CloudFront::OriginRequestPolicy",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Stage",
}


def of_type(template: dict[str, Any], kind: str) -> dict[str, Any]:
    (resource,) = [r for r in template["Resources"].values() if r["Type"] == kind]
    return resource["Properties"]


def test_one_distribution_fronts_page_and_api_with_the_viewer_headers(
    template: dict[str, Any],
) -> None:
    config = of_type(template, "AWS::CloudFront::Distribution")["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["DomainName"]["Fn::Sub"].startswith("${RestAPI}.execute-api.")
    assert origin["OriginPath"] == "/api"
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    forwarded = of_type(template, "AWS::CloudFront::OriginRequestPolicy")[
        "OriginRequestPolicyConfig"
    ]["HeadersConfig"]
    assert set(cloudfront.VIEWER_HEADERS) <= set(forwarded["Headers"])
    assert {
        "CloudFront-Viewer-Address",
        "CloudFront-Viewer-City",
        "CloudFront-Viewer-Country-Region-Name",
        "CloudFront-Viewer-Country-Name",
        "CloudFront-Viewer-Country",
    } <= set(forwarded["Headers"])
    assert "Host" not in forwarded["Headers"]  # API Gateway routes on its own host name
    # Custom domain: optional parameters, the distribution's domain otherwise.
    assert template["Parameters"]["DomainName"]["Default"] == ""
    assert "CertificateArn" in template["Parameters"]
    assert "PortalOrigin" not in template["Parameters"]
    cors = of_type(template, "AWS::S3::Bucket")["CorsConfiguration"]["CorsRules"][0]
    assert cors["AllowedOrigins"] == [cloudfront.PORTAL_ORIGIN]


def test_cloudfront_sends_the_stacks_origin_secret_and_the_api_checks_it(
    template: dict[str, Any],
) -> None:
    secret = template["Resources"]["OriginSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    config = of_type(template, "AWS::CloudFront::Distribution")["DistributionConfig"]
    (header,) = config["Origins"][0]["OriginCustomHeaders"]
    assert header["HeaderName"] == "X-Origin-Verify"
    reference = "{{resolve:secretsmanager:${OriginSecret}:SecretString}}"
    assert header["HeaderValue"] == {"Fn::Sub": reference}
    (api,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::Function" and r["Properties"]["Handler"] == "app.app"
    ]
    variables = api["Environment"]["Variables"]
    assert variables["PORTAL_ORIGIN_SECRET"] == {"Fn::Sub": reference}
    assert variables["PORTAL_TRUST_CLOUDFRONT_HEADERS"] == "true"


def test_api_answers_are_never_cached_assets_are_and_every_answer_gets_security_headers(
    template: dict[str, Any],
) -> None:
    config = of_type(template, "AWS::CloudFront::Distribution")["DistributionConfig"]
    api_cache = of_type(template, "AWS::CloudFront::CachePolicy")["CachePolicyConfig"]
    assert api_cache["DefaultTTL"] == 0 and api_cache["MinTTL"] == 0
    assert api_cache["MaxTTL"] <= 1
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == {"Ref": "ApiCachePolicy"}
    (assets,) = config["CacheBehaviors"]
    assert assets["PathPattern"] == "/assets/*"
    assert assets["CachePolicyId"] == cloudfront.CACHING_OPTIMIZED
    headers = of_type(template, "AWS::CloudFront::ResponseHeadersPolicy")[
        "ResponseHeadersPolicyConfig"
    ]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert behavior["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}


def test_the_pages_session_cookie_and_csrf_headers_reach_the_api_and_nothing_else(
    template: dict[str, Any],
) -> None:
    from chalicelib.api.cookie_session import COOKIE

    config = of_type(template, "AWS::CloudFront::Distribution")["DistributionConfig"]
    api_key = of_type(template, "AWS::CloudFront::CachePolicy")["CachePolicyConfig"][
        "ParametersInCacheKeyAndForwardedToOrigin"
    ]
    cookies = api_key["CookiesConfig"]
    assert cookies["CookieBehavior"] == "whitelist" and COOKIE in cookies["Cookies"]
    origin_request = of_type(template, "AWS::CloudFront::OriginRequestPolicy")[
        "OriginRequestPolicyConfig"
    ]
    assert origin_request["CookiesConfig"] == {"CookieBehavior": "none"}  # no other cookie
    assert {"X-Portal-Page", "Sec-Fetch-Site", "Origin"} <= set(
        origin_request["HeadersConfig"]["Headers"]
    )
    (assets,) = config["CacheBehaviors"]  # CachingOptimized: no cookie reaches the assets
    assert "OriginRequestPolicyId" not in assets


def test_prod_keeps_its_data_but_not_a_failed_first_create(template: dict[str, Any]) -> None:
    kept = {
        logical_id: (r["DeletionPolicy"], r["UpdateReplacePolicy"])
        for logical_id, r in template["Resources"].items()
        if r["Type"] in ("AWS::DynamoDB::Table", "AWS::S3::Bucket")
    }
    assert len(kept) >= 10
    assert set(kept.values()) == {("RetainExceptOnCreate", "Retain")}


def test_dev_deletes_everything() -> None:
    stack = json.loads(RESOURCES.read_text(encoding="utf-8"))
    retention.apply(stack, "dev")
    policies = {r.get("DeletionPolicy", "Delete") for r in stack["Resources"].values()}
    assert policies == {"Delete"}


def translated(template: dict[str, Any], code_uri: str) -> dict[str, Any]:
    """What ``aws cloudformation deploy`` runs: the code uploaded, SAM transformed."""
    sam = copy.deepcopy(template)
    for resource in sam["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = code_uri

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    return transform(sam, {}, NoManagedPolicies())


# moto skips, with a warning, what it does not model but does not need either (secrets,
# bucket policy): listed in docs/deploying.md.
@pytest.mark.filterwarnings("ignore:Tried to parse")
def test_the_sam_template_translates_and_the_stack_creates_on_moto(
    package: Package, template: dict[str, Any]
) -> None:
    settings.cache_clear()
    with moto.mock_aws():
        aws.reset()
        region = settings().region
        s3 = boto3.client("s3", region_name=region)
        s3.create_bucket(
            Bucket="artifacts", CreateBucketConfiguration={"LocationConstraint": region}
        )
        s3.upload_file(str(package.zip), "artifacts", "portal-prod/deployment.zip")
        stack = translated(template, "s3://artifacts/portal-prod/deployment.zip")
        assert not [
            r for r in stack["Resources"].values() if r["Type"].startswith("AWS::Serverless")
        ]
        assert {r["Type"] for r in stack["Resources"].values()} >= MOTO_CANNOT_MODEL
        definition = of_type(stack, "AWS::ApiGateway::RestApi")["Body"]
        for function in [
            r for r in stack["Resources"].values() if r["Type"] == "AWS::Lambda::Function"
        ]:
            assert function["Properties"]["Architectures"] == ["arm64"]  # moto ignores it
        left_out = {
            logical_id
            for logical_id, r in stack["Resources"].items()
            if r["Type"] in MOTO_CANNOT_MODEL
        }
        assert {stack["Resources"][i]["Type"] for i in left_out} <= MOTO_CANNOT_MODEL
        for logical_id in left_out:
            del stack["Resources"][logical_id]
        for name, output in list(stack["Outputs"].items()):
            text = json.dumps(output)
            if any(f'"{i}"' in text or f"${{{i}." in text for i in left_out):
                del stack["Outputs"][name]
        s3.put_object(Bucket="artifacts", Key="portal-prod/template.json", Body=json.dumps(stack))
        cfn = boto3.client("cloudformation", region_name=region)
        cfn.create_stack(
            StackName="portal-prod",
            TemplateURL="https://artifacts.s3.amazonaws.com/portal-prod/template.json",
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
            Parameters=[
                {"ParameterKey": "OnCallEmail", "ParameterValue": "oncall@example.com"},
                {"ParameterKey": "DomainName", "ParameterValue": "portail.example.com"},
                {
                    "ParameterKey": "CertificateArn",
                    "ParameterValue": "arn:aws:acm:us-east-1:123456789012:certificate/x",
                },
            ],
        )
        created = cfn.describe_stacks(StackName="portal-prod")["Stacks"][0]
        assert created["StackStatus"] == "CREATE_COMPLETE", created

        functions = boto3.client("lambda", region_name=region).list_functions()["Functions"]
        packaged = [r for r in template["Resources"].values() if r["Type"].endswith("Function")]
        assert len(functions) == len(packaged)
        assert {function["Runtime"] for function in functions} == {LAMBDA_RUNTIME}
        dynamodb = boto3.client("dynamodb", region_name=region)
        assert "portal-prod-accounts" in dynamodb.list_tables()["TableNames"]
        bucket = "portal-prod-photos-123456789012"
        assert s3.head_bucket(Bucket=bucket)  # (moto's CloudFormation ignores its CORS rule)
        apigateway = boto3.client("apigateway", region_name=region)
        (api,) = apigateway.get_rest_apis()["items"]
        assert api["name"] == "portal-prod"
        assert set(definition["paths"]) >= {"/health", "/sessions", "/auth/login"}
    aws.reset()
    settings.cache_clear()
