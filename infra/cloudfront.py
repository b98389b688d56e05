"""The portal's front door in the packaged stack: one CloudFront distribution for the page
and the API (``infra/package.py`` calls :func:`add` on chalice's template).

What it gives, and why:

- **One origin for the page and the API**, known inside the stack: the distribution's
  domain, or ``DomainName`` when given (with ``CertificateArn``, an ACM certificate in
  us-east-1, as CloudFront requires). The photo bucket's CORS rule allows that origin, so
  nothing has to be guessed before the first deploy.
- **The viewer's address and place**: an origin request policy forwards
  ``CloudFront-Viewer-Address``, ``-City``, ``-Country-Region-Name``, ``-Country-Name`` and
  ``-Country`` (``PORTAL_TRUST_CLOUDFRONT_HEADERS`` is on in the package), so sessions show a
  city with no GeoIP database.
- **An origin secret**: the stack generates it (Secrets Manager ``GenerateSecretString``);
  CloudFront sends it as ``X-Origin-Verify`` on every origin request, and the API refuses any
  request without it (``chalicelib/api/origin.py``): the API Gateway URL is useless on its own.
  The function gets it as ``PORTAL_ORIGIN_SECRET`` through a CloudFormation dynamic reference,
  resolved at deploy time. Trade-off: the value is readable in the function's configuration
  (``lambda:GetFunctionConfiguration``), but CloudFront's custom origin headers cannot
  reference a secret either, so it is already readable in the distribution's configuration
  (``cloudfront:GetDistributionConfig``) by the same operators; reading it from Secrets
  Manager at cold start would add a call and a permission and hide it from no one more.
  Rotation: docs/deploying.md.
- **Caching**: API answers are never cached (TTL 0 by default, at most 1 s even if an answer
  asked for more, and every API answer says ``no-store``); the ``Authorization`` header is in
  the cache key because CloudFront forwards it to the origin only from there; so are the
  page's session cookies (``PAGE_COOKIES``; no other cookie reaches the API). The page's
  versioned assets (``/assets/<version>/...``, ``chalicelib/api/web.py``) are cached a year.
- **Security headers on every answer** (response headers policy): HSTS, nosniff,
  ``X-Frame-Options: DENY``, ``Referrer-Policy: no-referrer``, and a deny-all CSP unless the
  answer has its own (the page sets one naming the photo bucket).
"""

from __future__ import annotations

import copy
from typing import Any

from chalicelib.api import cookie_session

ORIGIN_SECRET_HEADER = "X-Origin-Verify"
VIEWER_HEADERS = (
    "CloudFront-Viewer-Address",
    "CloudFront-Viewer-City",
    "CloudFront-Viewer-Country-Region-Name",
    "CloudFront-Viewer-Country-Name",
    "CloudFront-Viewer-Country",
)
# Viewer headers the API reads (the Host header must not reach API Gateway: it routes on it).
# Authorization is forwarded by the cache policy (an origin request policy may not list it).
REQUEST_HEADERS = (
    "Accept",
    "Accept-Language",
    "Content-Type",
    "Origin",
    "Referer",
    "User-Agent",
    "X-Requested-With",
    "X-Portal-Page",  # the page's mark, which the cookie session's CSRF check asks for
    "Sec-Fetch-Site",  # the browser's word on where a request comes from (same CSRF check)
)
# The page's cookies (chalicelib/api/cookie_session.py): in the API's cache key, so they
# reach the origin like Authorization does; no other cookie is forwarded, and none for
# /assets/* (CachingOptimized forwards no cookie).
PAGE_COOKIES = (cookie_session.COOKIE, cookie_session.SIGNED_IN_HINT)
ASSETS_PATH = "/assets/*"
# AWS managed policy "Managed-CachingOptimized" (long-lived, compressed, no cookies/headers).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ONE_YEAR = 31_536_000

PARAMETERS: dict[str, Any] = {
    "DomainName": {
        "Type": "String",
        "Default": "",
        "Description": "Custom domain of the portal (e.g. portail.example.com); empty: the "
        "distribution's own *.cloudfront.net domain.",
    },
    "CertificateArn": {
        "Type": "String",
        "Default": "",
        "Description": "ACM certificate for DomainName, in us-east-1 (required with DomainName).",
        "AllowedPattern": r"^(arn:aws[a-zA-Z-]*:acm:us-east-1:\d{12}:certificate/.+)?$",
    },
}
CONDITIONS: dict[str, Any] = {
    "HasCustomDomain": {"Fn::Not": [{"Fn::Equals": [{"Ref": "DomainName"}, ""]}]},
}
ORIGIN_SECRET_VALUE = {"Fn::Sub": "{{resolve:secretsmanager:${OriginSecret}:SecretString}}"}
PORTAL_ORIGIN = {
    "Fn::If": [
        "HasCustomDomain",
        {"Fn::Sub": "https://${DomainName}"},
        {"Fn::Sub": "https://${Distribution.DomainName}"},
    ]
}
# What the API function needs to sit behind the distribution.
API_ENVIRONMENT: dict[str, Any] = {
    "PORTAL_ORIGIN_SECRET": ORIGIN_SECRET_VALUE,
    "PORTAL_TRUST_CLOUDFRONT_HEADERS": "true",
}


def resources(api_id: str, api_stage: str) -> dict[str, Any]:
    """The distribution and its policies, in front of API Gateway ``api_id``'s stage."""
    api_origin = {
        "Id": "api",
        "DomainName": {
            "Fn::Sub": f"${{{api_id}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"
        },
        "OriginPath": f"/{api_stage}",
        "CustomOriginConfig": {
            "OriginProtocolPolicy": "https-only",
            "OriginSSLProtocols": ["TLSv1.2"],
        },
        "OriginCustomHeaders": [
            {"HeaderName": ORIGIN_SECRET_HEADER, "HeaderValue": ORIGIN_SECRET_VALUE}
        ],
    }
    every_method = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
    return {
        "OriginSecret": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "Description": "Sent by CloudFront as X-Origin-Verify; the API refuses "
                "requests without it (PORTAL_ORIGIN_SECRET).",
                "GenerateSecretString": {"PasswordLength": 48, "ExcludePunctuation": True},
            },
        },
        "ApiCachePolicy": {
            "Type": "AWS::CloudFront::CachePolicy",
            "Properties": {
                "CachePolicyConfig": {
                    "Name": {"Fn::Sub": "${AWS::StackName}-api"},
                    "Comment": "API answers: not cached; Authorization and the page's "
                    "session cookie reach the origin",
                    "MinTTL": 0,
                    "DefaultTTL": 0,
                    "MaxTTL": 1,
                    "ParametersInCacheKeyAndForwardedToOrigin": {
                        "EnableAcceptEncodingGzip": True,
                        "EnableAcceptEncodingBrotli": True,
                        "HeadersConfig": {
                            "HeaderBehavior": "whitelist",
                            "Headers": ["Authorization"],
                        },
                        "CookiesConfig": {
                            "CookieBehavior": "whitelist",
                            "Cookies": list(PAGE_COOKIES),
                        },
                        "QueryStringsConfig": {"QueryStringBehavior": "none"},
                    },
                }
            },
        },
        "ApiOriginRequestPolicy": {
            "Type": "AWS::CloudFront::OriginRequestPolicy",
            "Properties": {
                "OriginRequestPolicyConfig": {
                    "Name": {"Fn::Sub": "${AWS::StackName}-api"},
                    "Comment": "The API's request headers and CloudFront's viewer headers",
                    "HeadersConfig": {
                        "HeaderBehavior": "whitelist",
                        "Headers": [*REQUEST_HEADERS, *VIEWER_HEADERS],
                    },
                    "CookiesConfig": {"CookieBehavior": "none"},  # the cache policy's only
                    "QueryStringsConfig": {"QueryStringBehavior": "all"},
                }
            },
        },
        "SecurityHeadersPolicy": {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {
                "ResponseHeadersPolicyConfig": {
                    "Name": {"Fn::Sub": "${AWS::StackName}-security"},
                    "Comment": "Security headers on every answer",
                    "SecurityHeadersConfig": {
                        "StrictTransportSecurity": {
                            "AccessControlMaxAgeSec": 63_072_000,
                            "IncludeSubdomains": True,
                            "Override": True,
                        },
                        "ContentTypeOptions": {"Override": True},
                        "FrameOptions": {"FrameOption": "DENY", "Override": True},
                        "ReferrerPolicy": {"ReferrerPolicy": "no-referrer", "Override": True},
                        "ContentSecurityPolicy": {
                            "ContentSecurityPolicy": "default-src 'none'; frame-ancestors 'none'",
                            "Override": False,  # the page sends its own
                        },
                    },
                    "RemoveHeadersConfig": {"Items": [{"Header": "Server"}]},
                }
            },
        },
        "Distribution": {
            "Type": "AWS::CloudFront::Distribution",
            # cfn-lint checks CertificateArn's empty default against the ARN pattern, though
            # the certificate is only read under HasCustomDomain (the default is never used).
            "Metadata": {"cfn-lint": {"config": {"ignore_checks": ["W1030"]}}},
            "Properties": {
                "DistributionConfig": {
                    "Enabled": True,
                    "Comment": {"Fn::Sub": "${AWS::StackName}: client portal page and API"},
                    "HttpVersion": "http2and3",
                    "IPV6Enabled": True,
                    "PriceClass": "PriceClass_100",
                    "Aliases": {
                        "Fn::If": [
                            "HasCustomDomain",
                            [{"Ref": "DomainName"}],
                            {"Ref": "AWS::NoValue"},
                        ]
                    },
                    "ViewerCertificate": {
                        "Fn::If": [
                            "HasCustomDomain",
                            {
                                "AcmCertificateArn": {"Ref": "CertificateArn"},
                                "SslSupportMethod": "sni-only",
                                "MinimumProtocolVersion": "TLSv1.2_2021",
                            },
                            {"CloudFrontDefaultCertificate": True},
                        ]
                    },
                    "Origins": [api_origin],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "api",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "AllowedMethods": every_method,
                        "CachedMethods": ["GET", "HEAD"],
                        "Compress": True,
                        "CachePolicyId": {"Ref": "ApiCachePolicy"},
                        "OriginRequestPolicyId": {"Ref": "ApiOriginRequestPolicy"},
                        "ResponseHeadersPolicyId": {"Ref": "SecurityHeadersPolicy"},
                    },
                    "CacheBehaviors": [
                        {
                            "PathPattern": ASSETS_PATH,
                            "TargetOriginId": "api",
                            "ViewerProtocolPolicy": "redirect-to-https",
                            "AllowedMethods": ["GET", "HEAD"],
                            "CachedMethods": ["GET", "HEAD"],
                            "Compress": True,
                            "CachePolicyId": CACHING_OPTIMIZED,
                            "ResponseHeadersPolicyId": {"Ref": "SecurityHeadersPolicy"},
                        }
                    ],
                }
            },
        },
    }


OUTPUTS: dict[str, Any] = {
    "PortalUrl": {"Description": "The portal: page and API.", "Value": PORTAL_ORIGIN},
    "DistributionDomainName": {
        "Description": "Point DomainName's DNS record (CNAME or alias) here.",
        "Value": {"Fn::GetAtt": ["Distribution", "DomainName"]},
    },
    "DistributionId": {"Value": {"Ref": "Distribution"}},
}


def _api(template: dict[str, Any]) -> tuple[str, str]:
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Api":
            return logical_id, resource["Properties"]["StageName"]
    raise ValueError("the template has no AWS::Serverless::Api to put CloudFront in front of")


def _is_api_function(resource: dict[str, Any]) -> bool:
    return resource["Properties"].get("Handler") == "app.app"  # chalice's API handler


def add(template: dict[str, Any]) -> None:
    """Put the distribution in front of chalice's API, and the portal origin where needed."""
    api_id, api_stage = _api(template)
    template["Parameters"].update(copy.deepcopy(PARAMETERS))
    template.setdefault("Conditions", {}).update(copy.deepcopy(CONDITIONS))
    resources_ = template["Resources"]
    resources_.update(resources(api_id, api_stage))
    template.setdefault("Outputs", {}).update(copy.deepcopy(OUTPUTS))
    for resource in resources_.values():
        if resource["Type"] == "AWS::Serverless::Function" and _is_api_function(resource):
            resource["Properties"]["Environment"]["Variables"].update(
                copy.deepcopy(API_ENVIRONMENT)
            )
        if resource["Type"] == "AWS::S3::Bucket":
            for rule in resource["Properties"].get("CorsConfiguration", {}).get("CorsRules", []):
                rule["AllowedOrigins"] = [copy.deepcopy(PORTAL_ORIGIN)]
    # The origin is now the stack's own: the parameter that asked for it goes.
    template["Parameters"].pop("PortalOrigin", None)
